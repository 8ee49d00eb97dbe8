"""Reliability: builds killed part-way, reindexing under load, broken corpus files, per-process state.

Every test uses the fake embedding model (tests/fakes.py); the real models are not needed to show that
an index swap, a crash or a bad file never takes the serving index down.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from assistant.app import Assistant
from assistant.chain import AnswerChain
from assistant.index import build_index, current_build
from assistant.settings import PROJECT_ROOT, Settings
from tests.fakes import HashEmbeddings

AS_OF = date(2026, 11, 25)
SUZHOU_ANHUI = "宿州设备购置额800万元能拿多少奖补？"
NEW_POLICY_TEXT = "测试市工业互联网专项政策\n一、支持企业上云。对上云企业按上云费用给予最高18万元补贴。\n"
NEW_POLICY_META = (
    'id = "test-city"\ntitle = "测试市工业互联网专项政策"\nissuer = "测试市人民政府"\n'
    'province = "江苏省"\ncity = "测试市"\nissued = 2026-01-05\n'
)
NEW_POLICY_QUESTION = "测试市企业上云补贴多少？"


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


@pytest.mark.parametrize("kill_at", ["embedding", "swap"])
def test_build_killed_part_way_leaves_the_previous_index_serving(corpus_copy, tmp_path, kill_at):
    """`index build` (the real CLI in its own process; only the embedding model is a fake that stops at
    the chosen point) is SIGKILLed once its new build folder exists and before CURRENT is swapped."""
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, HashEmbeddings())
    before = current_build(index_dir)
    add_new_policy(corpus_copy)  # so the killed build has something new to embed
    reached = tmp_path / "reached"
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLABLE_BUILD, str(corpus_copy), str(index_dir)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "REACHED": str(reached), "KILL_AT": kill_at, "PA_EMBEDDING_MODEL": "hash-test"},
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

    # the previous index still answers, and knows nothing of the half-built one
    assert current_build(index_dir) == before
    assistant = assistant_over(index_dir)
    assert_answers_suzhou_anhui(assistant)
    assert "test-city" not in assistant.index.policies

    # the next build takes the lock the killed process held, succeeds and removes the half-built folder
    report = build_index(corpus_copy, index_dir, HashEmbeddings())
    builds = {p.name for p in (index_dir / "builds").iterdir()}
    assert builds == {before.name, report.build}
    assert half_built[0].name not in builds
    assert assistant.refresh() and "test-city" in assistant.index.policies
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
    assert assistant.refresh()  # another request switches the process to the new build
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
        assert assistant.refresh()

    model = _ReindexesWhileWriting(words="测试市对上云企业给予最高18万元补贴[1]。", during=withdraw)
    answer = AnswerChain(assistant, model, 30).ask(NEW_POLICY_QUESTION, as_of=AS_OF)
    assert answer.citations[0].policy_id == "test-city" and "18万元" in answer.answer
    assert "test-city" not in assistant.index.policies
