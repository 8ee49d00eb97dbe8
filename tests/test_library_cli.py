"""`python -m assistant corpus add | drafts | publish | unpublish` as staff use them."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.corpus import load_corpus
from assistant.index import build_index, current_build
from tests import docgen
from tests.conftest import CORPUS
from tests.fakes import HashEmbeddings

SEEDS = {lp.policy.id: lp for lp in load_corpus(CORPUS)}
NEW = "suzhou-2020-120"
runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, corpus_copy: Path, monkeypatch):
    for ext in ("txt", "toml"):
        (corpus_copy / f"{NEW}.{ext}").unlink()
    monkeypatch.setenv("PA_CORPUS_DIR", str(corpus_copy))
    monkeypatch.setenv("PA_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("PA_DRAFTS_DIR", str(tmp_path / "library" / "drafts"))
    monkeypatch.setenv("PA_AUDIT_LOG", str(tmp_path / "library" / "audit.jsonl"))
    monkeypatch.setenv("PA_EMBEDDING_MODEL", "hash-test")
    emb = HashEmbeddings()
    monkeypatch.setattr("assistant.embeddings.load_embeddings", lambda name: emb)
    build_index(corpus_copy, tmp_path / "index", emb)
    return tmp_path, corpus_copy


def test_add_prints_what_it_found_and_keeps_a_draft(env):
    tmp_path, corpus = env
    path = tmp_path / "120.docx"
    path.write_bytes(docgen.make_docx(SEEDS[NEW].text))
    result = runner.invoke(app, ["corpus", "add", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "文号\t苏府〔2020〕120号" in result.output and "有效期至\t2023-12-31\t← 有效期三年" in result.output
    )
    assert f"corpus publish {NEW}" in result.output
    assert not (corpus / f"{NEW}.txt").exists()
    assert f"{NEW}\tready" in runner.invoke(app, ["corpus", "drafts"]).output


def test_add_and_publish_then_unpublish(env):
    tmp_path, corpus = env
    path = tmp_path / "120.pdf"
    path.write_bytes(docgen.make_pdf(SEEDS[NEW].text))
    result = runner.invoke(app, ["corpus", "add", str(path), "--publish"])
    assert result.exit_code == 0, result.output
    assert f"published {NEW}" in result.output and "24 embedded" in result.output
    assert (corpus / f"{NEW}.toml").exists()
    result = runner.invoke(app, ["corpus", "unpublish", NEW, "--reason", "测试"])
    assert result.exit_code == 0 and not (corpus / f"{NEW}.toml").exists()


def test_a_bad_file_is_named_and_nothing_changes(env):
    tmp_path, corpus = env
    before = ({p.name for p in corpus.iterdir()}, current_build(tmp_path / "index"))
    path = tmp_path / "scan.pdf"
    path.write_bytes(docgen.make_scanned_pdf())
    result = runner.invoke(app, ["corpus", "add", str(path)])
    assert result.exit_code == 1
    assert "scan.pdf" in result.output and "OCR" in result.output and "政策库未改动" in result.output
    assert ({p.name for p in corpus.iterdir()}, current_build(tmp_path / "index")) == before
    assert runner.invoke(app, ["corpus", "drafts"]).output.strip() == "no drafts"


def test_a_draft_with_missing_metadata_is_not_published(env):
    tmp_path, corpus = env
    path = tmp_path / "notice.txt"
    path.write_text(
        "一、支持平台建设\n对新认定的平台给予最高100万元奖励。\n二、附则\n本措施自印发之日起施行。\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["corpus", "add", str(path), "--publish"])
    assert result.exit_code == 1
    assert "problem: province" in result.output and "fix the problems above" in result.output
    assert not any(p.name.startswith("notice") for p in corpus.iterdir())


class _Page(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_add_a_web_page_by_address(env):
    _Page.body = docgen.make_html(SEEDS[NEW].text, SEEDS[NEW].policy.title)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/art/2020/12/15/120.html"
        result = runner.invoke(app, ["corpus", "add", url])
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert f"draft {NEW}  (html, 24 clauses)  from 120.html" in result.output
