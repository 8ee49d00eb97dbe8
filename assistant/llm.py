"""Chat-model backends behind LangChain's ``BaseChatModel``: local llama.cpp or an OpenAI-compatible server."""

from __future__ import annotations

import atexit
import threading
from functools import lru_cache

from langchain_core.language_models import BaseChatModel

from assistant.settings import Settings

_LLAMA_LOCK = threading.Lock()


class BackendError(RuntimeError):
    """The configured language-model backend cannot be used; the message says what to do."""


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The chat model ``settings.llm`` names, or None for the grounded answer (``none``)."""
    if settings.llm == "none":
        return None
    if settings.llm == "local":
        return _local(
            str(settings.llm_model_path), settings.llm_ctx, settings.llm_threads, settings.llm_max_tokens
        )
    return _openai(settings)


@lru_cache(maxsize=2)
def _local(path: str, n_ctx: int, threads: int, max_tokens: int) -> BaseChatModel:
    """The GGUF model, loaded once per process (loading takes seconds and ~1 GB of memory)."""
    from pathlib import Path

    if not Path(path).exists():
        raise BackendError(f"local model not found at {path}: run `python -m assistant model install`")
    try:
        from langchain_community.chat_models import ChatLlamaCpp
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise BackendError(
            "--llm local needs llama-cpp-python and langchain-community (make install)"
        ) from exc

    class OneAtATime(ChatLlamaCpp):
        """llama.cpp's context is not thread-safe: two generations at once crash the whole process
        (``GGML_ASSERT … cgraph->nodes``, measured in benchmarks/results-llm-burst.md), so a lock lets one
        generation run at a time; the server's model gate queues the others."""

        def _generate(self, *args, **kwargs):
            with _LLAMA_LOCK:
                return super()._generate(*args, **kwargs)

        def _stream(self, *args, **kwargs):
            with _LLAMA_LOCK:  # held until the stream ends or its consumer closes it
                yield from super()._stream(*args, **kwargs)

    model = OneAtATime(
        model_path=path,
        n_ctx=n_ctx,
        n_threads=threads,
        n_batch=256,
        max_tokens=max_tokens,
        temperature=0.1,
        top_p=0.9,
        repeat_penalty=1.05,
        streaming=True,
        verbose=False,
    )
    # free the weights before interpreter teardown (llama.cpp's destructor fails once modules are gone)
    atexit.register(model.client.close)
    return model


def _openai(settings: Settings) -> BaseChatModel:
    if not settings.openai_base_url:
        raise BackendError("--llm openai needs PA_OPENAI_BASE_URL (an OpenAI-compatible server, e.g. vLLM)")
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.openai_base_url,
        api_key=settings.openai_api_key,
        model=settings.openai_model,
        temperature=0.1,
        max_tokens=settings.llm_max_tokens,
        timeout=settings.llm_timeout_s,
        max_retries=1,
        streaming=True,
    )
