import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import app as app_module
from assistant import cli
from assistant.index import build_index, current_build
from tests.fakes import HashEmbeddings

runner = CliRunner()


@pytest.fixture
def cli_env(monkeypatch, fake_index, tmp_path):
    """Point the CLI at the fake-embedding index (no model download, no real index needed)."""
    index_dir, emb = fake_index
    monkeypatch.setenv("PA_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("PA_EMBEDDING_MODEL", "hash-test")
    monkeypatch.setattr(app_module, "load_embeddings", lambda name: emb)
    monkeypatch.setattr(cli, "load_embeddings", lambda name: emb)
    return index_dir


def test_ask_json_prints_the_answer_contract(cli_env):
    result = runner.invoke(
        cli.app, ["ask", "宿州设备购置额800万元能拿多少奖补？", "--json", "--as-of", "2026-11-25"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["refused"] is False
    assert data["calculations"] == [
        {
            "citation": 1,
            "inputs": {"base_yuan": 8000000.0, "base": "项目设备购置额"},
            "min_yuan": 640000.0,
            "max_yuan": 640000.0,
            "formula": "800万元 × 8% = 64万元，未超过上限100万元",
        }
    ]
    assert data["citations"][0]["policy_id"] == "suzhou-anhui-2021"
    assert data["citations"][0]["status"] == "in_force"


def test_ask_jsonl_answers_every_line_in_order(cli_env, tmp_path: Path):
    questions = ["宿州设备购置额800万元能拿多少奖补？", "", "北京有什么补贴？", "苏州上云补贴是多少？"]
    path = tmp_path / "q.txt"
    path.write_text("\n".join(questions), encoding="utf-8")
    result = runner.invoke(cli.app, ["ask", "--jsonl", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in rows] == questions
    assert "error" in rows[1]
    assert rows[2]["refused"] is True and rows[3]["refused"] is False


def test_empty_question_is_a_clear_error_not_a_traceback(cli_env):
    result = runner.invoke(cli.app, ["ask", "   "])
    assert result.exit_code == 2
    assert "问题不能为空" in result.output and "Traceback" not in result.output


def test_bad_as_of_date_is_a_clear_error(cli_env):
    result = runner.invoke(cli.app, ["ask", "苏州上云补贴", "--as-of", "2026-13-45"])
    assert result.exit_code == 2 and "--as-of" in result.output


def test_unknown_llm_backend_is_refused(cli_env):
    result = runner.invoke(cli.app, ["ask", "苏州上云补贴", "--llm", "gpt"])
    assert result.exit_code == 2 and "none, local or openai" in result.output


def test_openai_backend_without_a_server_says_what_to_set(cli_env, monkeypatch):
    monkeypatch.delenv("PA_OPENAI_BASE_URL", raising=False)
    result = runner.invoke(cli.app, ["ask", "苏州上云补贴", "--llm", "openai"])
    assert result.exit_code == 1 and "PA_OPENAI_BASE_URL" in result.output


def test_local_backend_without_the_model_file_says_how_to_install(cli_env, monkeypatch, tmp_path):
    monkeypatch.setenv("PA_LLM_MODEL_PATH", str(tmp_path / "missing.gguf"))
    result = runner.invoke(cli.app, ["ask", "苏州上云补贴", "--llm", "local"])
    assert result.exit_code == 1 and "model install" in result.output


def test_interactive_chat_resolves_follow_ups(cli_env):
    result = runner.invoke(
        cli.app, ["chat", "--as-of", "2026-11-25"], input="苏州中小企业上云补贴多少？\n那宿州呢？\n"
    )
    assert result.exit_code == 0, result.output
    assert "理解为：宿州中小企业上云补贴多少？" in result.stdout
    assert "安徽省宿州市" in result.stdout


def test_missing_index_says_how_to_build(monkeypatch, tmp_path):
    monkeypatch.setenv("PA_INDEX_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("PA_EMBEDDING_MODEL", "hash-test")
    monkeypatch.setattr(app_module, "load_embeddings", lambda name: HashEmbeddings())
    result = runner.invoke(cli.app, ["ask", "苏州上云补贴"])
    assert result.exit_code == 1 and "index build" in result.output


def test_index_build_with_a_broken_file_names_it_and_keeps_the_old_index(monkeypatch, corpus_copy, tmp_path):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, HashEmbeddings())
    before = current_build(index_dir)
    (corpus_copy / "luan-draft.txt").write_bytes("一、总则。".encode("gb18030"))
    monkeypatch.setenv("PA_EMBEDDING_MODEL", "hash-test")
    monkeypatch.setattr(cli, "load_embeddings", lambda name: HashEmbeddings())
    result = runner.invoke(
        cli.app, ["index", "build", "--corpus", str(corpus_copy), "--index", str(index_dir)]
    )
    assert result.exit_code == 1
    assert "luan-draft.txt" in result.output and "原有索引" in result.output
    assert current_build(index_dir) == before


def test_index_build_reports_reuse(monkeypatch, corpus_copy, tmp_path):
    monkeypatch.setenv("PA_EMBEDDING_MODEL", "hash-test")
    monkeypatch.setattr(cli, "load_embeddings", lambda name: HashEmbeddings())
    args = ["index", "build", "--corpus", str(corpus_copy), "--index", str(tmp_path / "index")]
    assert "118 embedded" in runner.invoke(cli.app, args).output
    assert "0 embedded, 118 reused" in runner.invoke(cli.app, args).output


def test_corpus_check_lists_every_policy():
    result = runner.invoke(cli.app, ["corpus", "check"])
    assert result.exit_code == 0
    assert result.stdout.count("clauses") == 5
