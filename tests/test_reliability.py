"""Reliability: builds killed part-way, reindexing under load, broken corpus files, per-process state.

Every test uses the fake embedding model (tests/fakes.py); the real models are not needed to show that
an index swap, a crash or a bad file never takes the serving index down.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import uvicorn
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from typer.testing import CliRunner

from assistant import cli
from assistant.api import create_app
from assistant.app import Assistant
from assistant.chain import AnswerChain
from assistant.index import build_index, current_build
from assistant.records import Answer
from assistant.settings import PROJECT_ROOT, Settings
from tests.conftest import CORPUS
from tests.fakes import HashEmbeddings

AS_OF = date(2026, 11, 25)
SUZHOU_ANHUI = "宿州设备购置额800万元能拿多少奖补？"
NEW_POLICY_TEXT = "测试市工业互联网专项政策\n一、支持企业上云。对上云企业按上云费用给予最高18万元补贴。\n"
NEW_POLICY_META = (
    'id = "test-city"\ntitle = "测试市工业互联网专项政策"\nissuer = "测试市人民政府"\n'
    'province = "江苏省"\ncity = "测试市"\nissued = 2026-01-05\n'
)
NEW_POLICY_QUESTION = "测试市企业上云补贴多少？"


def wait_for_build(base_url: str, build: str, timeout_s: float = 30) -> None:
    """A serving process switches when a request finds the new build (it looks at most every half
    second, and one request loads it while the others answer from the old one): wait for the swap."""
    deadline = time.monotonic() + timeout_s
    while httpx.get(f"{base_url}/api/health").json()["index"] != build:
        assert time.monotonic() < deadline, f"{base_url} never switched to {build}"
        time.sleep(0.05)


def add_new_policy(corpus: Path) -> None:
    (corpus / "test-city.txt").write_text(NEW_POLICY_TEXT, encoding="utf-8")
    (corpus / "test-city.toml").write_text(NEW_POLICY_META, encoding="utf-8")


def assistant_over(index_dir: Path, embeddings=None) -> Assistant:
    return Assistant(
        Settings(index_dir=index_dir, embedding_model="hash-test"), embeddings=embeddings or HashEmbeddings()
    )


def assert_answers_suzhou_anhui(assistant: Assistant) -> None:
    answer = assistant.ask(SUZHOU_ANHUI, as_of=AS_OF)
    assert not answer.refused
    assert answer.citations[0].clause_id == "suzhou-anhui-2021/p1/二/¶1"
    assert answer.calculations[0].max_yuan == 640000


# ---- a build killed with SIGKILL part-way


_KILLABLE_BUILD = """
import os, sys, time
from pathlib import Path

from assistant import cli
from tests.fakes import HashEmbeddings

reached = Path(os.environ["REACHED"])


def wait_here(what):
    reached.write_text(what)
    time.sleep(3600)  # until the test kills this process


class StopsWhileEmbedding(HashEmbeddings):
    def embed_documents(self, texts):
        wait_here("embedding")


if os.environ["KILL_AT"] == "embedding":
    cli.load_embeddings = lambda name: StopsWhileEmbedding()
else:  # the build is complete (manifest written) but CURRENT not yet swapped
    cli.load_embeddings = lambda name: HashEmbeddings()
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith("CURRENT"):
            wait_here("swap")
        real_replace(src, dst)

    os.replace = replace
sys.argv = ["assistant", "index", "build", "--corpus", sys.argv[1], "--index", sys.argv[2]]
cli.app()
"""


def kill_build_at(kill_at: str, corpus: Path, index_dir: Path, **env: str) -> Path:
    """Run `index build` (the real CLI in its own process; only the embedding model is a fake that stops
    at the chosen point) and SIGKILL it there: once its new build folder exists, before CURRENT is
    swapped. ``env``: more environment (PA_CHROMA_URL). Returns the half-built folder."""
    before = current_build(index_dir)
    reached = index_dir.parent / f"reached-{kill_at}"
    reached.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLABLE_BUILD, str(corpus), str(index_dir)],
        cwd=PROJECT_ROOT,
        env=os.environ
        | {"REACHED": str(reached), "KILL_AT": kill_at, "PA_EMBEDDING_MODEL": "hash-test"}
        | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while not reached.exists():
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "the build never reached the kill point"
            time.sleep(0.05)
        assert reached.read_text() == kill_at
        half_built = [p for p in (index_dir / "builds").iterdir() if p != before]
        assert len(half_built) == 1  # the new build's folder exists ...
        assert current_build(index_dir) == before  # ... and CURRENT still names the old one
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return half_built[0]


@pytest.mark.parametrize("kill_at", ["embedding", "swap"])
def test_build_killed_part_way_leaves_the_previous_index_serving(corpus_copy, tmp_path, kill_at):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, HashEmbeddings())
    before = current_build(index_dir)
    add_new_policy(corpus_copy)  # so the killed build has something new to embed
    half_built = kill_build_at(kill_at, corpus_copy, index_dir)

    # the previous index still answers, and knows nothing of the half-built one
    assert current_build(index_dir) == before
    assistant = assistant_over(index_dir)
    assert_answers_suzhou_anhui(assistant)
    assert "test-city" not in assistant.index.policies

    # the next build takes the lock the killed process held, succeeds and removes the half-built folder
    report = build_index(corpus_copy, index_dir, HashEmbeddings())
    builds = {p.name for p in (index_dir / "builds").iterdir()}
    assert builds == {before.name, report.build}
    assert half_built.name not in builds
    assert assistant.refresh(force=True) and "test-city" in assistant.index.policies
    assert_answers_suzhou_anhui(assistant)


# ---- a reindex swaps the index under a request


class _BlocksQueries(HashEmbeddings):
    """Holds the first query embedding of a thread until released (a request caught mid-retrieval)."""

    def __init__(self):
        super().__init__()
        self.hold = threading.Event()
        self.release = threading.Event()
        self.armed = False

    def embed_query(self, text: str) -> list[float]:
        if self.armed:
            self.armed = False
            self.hold.set()
            assert self.release.wait(30)
        return super().embed_query(text)


def test_a_request_caught_by_an_index_swap_answers_from_one_build(corpus_copy, tmp_path):
    """A question is mid-retrieval on build A when another request switches the process to build B, in
    which the cited policy no longer exists: the answer must come wholly from A (no KeyError, no mix)."""
    index_dir = tmp_path / "index"
    add_new_policy(corpus_copy)
    build_index(corpus_copy, index_dir, HashEmbeddings())
    emb = _BlocksQueries()
    assistant = assistant_over(index_dir, emb)
    result: dict = {}

    def ask() -> None:
        try:
            result["answer"] = assistant.ask(NEW_POLICY_QUESTION, as_of=AS_OF)
        except Exception as exc:  # noqa: BLE001 - the failure is what the test reports
            result["error"] = exc

    emb.armed = True
    thread = threading.Thread(target=ask)
    thread.start()
    assert emb.hold.wait(30)
    for name in ("test-city.txt", "test-city.toml"):  # the policy is withdrawn and the index rebuilt
        (corpus_copy / name).unlink()
    build_index(corpus_copy, index_dir, HashEmbeddings())
    assert assistant.refresh(force=True)  # another request switches the process to the new build
    assert "test-city" not in assistant.index.policies
    emb.release.set()
    thread.join(30)
    assert "error" not in result, repr(result.get("error"))
    answer = result["answer"]
    assert not answer.refused and answer.citations[0].policy_id == "test-city"
    assert "18万元" in answer.answer
    # and the next question is answered from the new build
    later = assistant.ask(NEW_POLICY_QUESTION, as_of=AS_OF)
    assert all(c.policy_id != "test-city" for c in later.citations)


class _ReindexesWhileWriting(BaseChatModel):
    """A chat model during whose answer the library changes (a local model takes seconds to write)."""

    words: str
    during: Callable[[], None]

    @property
    def _llm_type(self) -> str:
        return "reindexes-while-writing"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.during()
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.words))])


def test_a_model_answer_checked_after_an_index_swap(corpus_copy, tmp_path):
    """The guard rails check the model's words against the cited policies after the model has written
    them; by then a reindex may have withdrawn the cited policy: no KeyError, the answer still comes."""
    index_dir = tmp_path / "index"
    add_new_policy(corpus_copy)
    build_index(corpus_copy, index_dir, HashEmbeddings())
    assistant = assistant_over(index_dir)

    def withdraw() -> None:
        for name in ("test-city.txt", "test-city.toml"):
            (corpus_copy / name).unlink()
        build_index(corpus_copy, index_dir, HashEmbeddings())
        assert assistant.refresh(force=True)

    model = _ReindexesWhileWriting(words="测试市对上云企业给予最高18万元补贴[1]。", during=withdraw)
    answer = AnswerChain(assistant, model, 30).ask(NEW_POLICY_QUESTION, as_of=AS_OF)
    assert answer.citations[0].policy_id == "test-city" and "18万元" in answer.answer
    assert "test-city" not in assistant.index.policies


# ---- reindexing while the server answers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app) -> Iterator[str]:
    """The app on a loopback port (uvicorn in a thread), as a base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


LOAD_QUESTIONS = [SUZHOU_ANHUI, "苏州的中小企业上云补贴是多少？", "江苏省对新入选国家级双跨平台奖励多少？"]


def test_reindex_while_the_server_answers(corpus_copy, tmp_path):
    """Four clients keep asking over HTTP while three builds run (add a policy, change a clause, add it
    again): every request gets 200 and a valid answer, and the new policy is served after the swap."""
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, HashEmbeddings())
    settings = Settings(index_dir=index_dir, embedding_model="hash-test", rate_limit="100000/minute")
    app = create_app(settings, AnswerChain(assistant_over(index_dir), None, 30), with_ui=False)
    stop = threading.Event()
    done: list[tuple[float, str]] = []  # (finished at, question) of good answers
    failures: list[str] = []

    def client(offset: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as http:
            i = offset
            while not stop.is_set():
                question = LOAD_QUESTIONS[i % len(LOAD_QUESTIONS)]
                i += 1
                try:
                    r = http.post("/api/ask", json={"question": question, "as_of": "2026-11-25"})
                    if r.status_code != 200:
                        failures.append(f"{r.status_code} {r.text[:200]}")
                        continue
                    answer = Answer.model_validate(r.json())
                    if answer.refused or not answer.citations:
                        failures.append(f"refused: {question}")
                    elif question == SUZHOU_ANHUI and (
                        answer.citations[0].clause_id != "suzhou-anhui-2021/p1/二/¶1"
                        or answer.calculations[0].max_yuan != 640000
                    ):
                        failures.append(f"wrong answer: {answer.answer[:200]}")
                    else:
                        done.append((time.monotonic(), question))
                except Exception as exc:  # noqa: BLE001 - any failure is recorded and fails the test
                    failures.append(repr(exc))

    with serving(app) as base:
        threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        windows = []
        try:
            while len(done) < 20:  # the clients are answering before the first build starts
                assert not failures, failures[:3]
                time.sleep(0.05)
            edits = [
                lambda: add_new_policy(corpus_copy),
                lambda: (corpus_copy / "test-city.txt").write_text(
                    NEW_POLICY_TEXT.replace("18万元", "20万元"), encoding="utf-8"
                ),
                lambda: (corpus_copy / "test-city.txt").write_text(NEW_POLICY_TEXT, encoding="utf-8"),
            ]
            for edit in edits:
                edit()
                started = time.monotonic()
                last = build_index(corpus_copy, index_dir, HashEmbeddings()).build
                windows.append((started, time.monotonic()))
            wait_for_build(base, last)
            with httpx.Client(base_url=base, timeout=60) as http:
                policies = {p["id"]: p for p in http.get("/api/policies").json()}
                new = http.post("/api/ask", json={"question": NEW_POLICY_QUESTION}).json()
                health = http.get("/api/health").json()
            after = len(done)
            while len(done) < after + 20:  # and keep answering after the last swap
                assert not failures, failures[:3]
                time.sleep(0.05)
        finally:
            stop.set()
            for t in threads:
                t.join(60)
    assert failures == []
    for start, end in windows:  # requests were answered while each build ran
        assert any(start <= at <= end for at, _ in done)
    assert policies["test-city"]["clauses"] == 2 and policies["test-city"]["region"] == "江苏省测试市"
    assert new["citations"][0]["policy_id"] == "test-city" and "18万元" in new["answer"]
    assert health["index"] == current_build(index_dir).name and health["policies"] == 6
    assert len(list((index_dir / "builds").iterdir())) == 2  # pruned while serving


# ---- a broken corpus file stops the build, names the file, and the old index keeps serving


def _cut_mid_character(path: Path) -> None:
    raw = path.read_bytes()
    cut = len(raw) * 2 // 3
    while raw[cut] & 0xC0 == 0x80:  # back to the first byte of a multi-byte character ...
        cut -= 1
    assert raw[cut] >= 0xE0  # (a Chinese character: three bytes)
    path.write_bytes(raw[: cut + 2])  # ... and keep only two of its three bytes


BROKEN_FILES = {
    "utf8-cut-mid-character": ("luan-draft.txt", _cut_mid_character, "looks truncated"),
    "gbk-encoded": (
        "luan-draft.txt",
        lambda p: p.write_bytes(p.read_text(encoding="utf-8").encode("gbk")),
        "not valid UTF-8.*GBK",
    ),
    "empty": ("luan-draft.txt", lambda p: p.write_bytes(b""), "file is empty"),
    "no-numbered-clauses": (
        "suzhou-2020-120.txt",
        lambda p: p.write_text(
            "关于推进制造业智能化改造和数字化转型的若干措施\n为加快推进", encoding="utf-8"
        ),
        "no numbered clause",
    ),
    "broken-toml": ("jiangsu-platform.toml", lambda p: p.write_text('title = "未闭合\n', "utf-8"), "TOML"),
}


def _snapshot(index_dir: Path) -> dict[str, bytes | None]:
    """Every path of the index; the content of all but chromadb's own files (which it may touch on open)."""
    return {
        str(p.relative_to(index_dir)): None if "chroma" in p.parts else p.read_bytes()
        for p in index_dir.rglob("*")
        if p.is_file()
    }


@pytest.mark.parametrize("kind", list(BROKEN_FILES))
def test_index_build_with_a_broken_file_names_it_and_the_old_index_serves(
    kind, corpus_copy, tmp_path, monkeypatch
):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, HashEmbeddings())
    serving = assistant_over(index_dir)  # a server that was answering before the bad build
    before = _snapshot(index_dir)
    name, breaks, message = BROKEN_FILES[kind]
    breaks(corpus_copy / name)
    monkeypatch.setenv("PA_EMBEDDING_MODEL", "hash-test")
    monkeypatch.setattr(cli, "load_embeddings", lambda _name: HashEmbeddings())
    result = CliRunner().invoke(
        cli.app, ["index", "build", "--corpus", str(corpus_copy), "--index", str(index_dir)]
    )
    assert result.exit_code == 1
    output = " ".join(result.output.split())  # rich wraps long lines
    assert name in output and re.search(message, output), output
    assert "原有索引继续提供服务" in output and "Traceback" not in output
    assert _snapshot(index_dir) == before  # no file added, removed or (but chromadb's) changed
    assert not serving.refresh(force=True)
    assert_answers_suzhou_anhui(serving)
    assert_answers_suzhou_anhui(assistant_over(index_dir))  # and a process started now serves it too


def test_pruning_keeps_the_new_build_and_the_one_it_replaced_even_within_one_second(tmp_path, monkeypatch):
    """Build names are a timestamp to the second plus a random suffix: builds within the same second
    must not be told apart by name order (the build that had just served was once pruned that way)."""
    from datetime import UTC, datetime

    from assistant import index as index_module

    class FrozenClock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 11, 25, 9, 0, 0, tzinfo=tz or UTC)

    suffixes = iter(["f" * 32, "c" * 32, "a" * 32, "0" * 32])  # each build's name sorts before the last
    monkeypatch.setattr(index_module, "datetime", FrozenClock)
    monkeypatch.setattr(
        index_module, "uuid", SimpleNamespace(uuid4=lambda: SimpleNamespace(hex=next(suffixes)))
    )
    index_dir = tmp_path / "index"
    serving = None
    for _ in range(4):
        report = build_index(CORPUS, index_dir, HashEmbeddings())
        kept = {p.name for p in (index_dir / "builds").iterdir()}
        assert kept == {report.build} | ({serving} if serving else set())
        serving = report.build
    assert current_build(index_dir).name == serving
