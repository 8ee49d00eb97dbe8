"""Fakes at the expensive seams: a tiny deterministic embedding model, a failing chat model."""

from __future__ import annotations

import hashlib

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.outputs import ChatResult


class HashEmbeddings(Embeddings):
    """Bag of character bigrams hashed into 256 dimensions: similar texts get similar vectors."""

    name = "hash-test"

    def __init__(self, dim: int = 256, fail_after: int | None = None):
        self.dim = dim
        self.calls = 0
        self.embedded = 0
        self.fail_after = fail_after  # raise after this many documents (simulates a crash mid-build)

    def _vec(self, text: str) -> list[float]:
        v = np.zeros(self.dim)
        for a, b in zip(text, text[1:], strict=False):
            h = int(hashlib.md5((a + b).encode()).hexdigest()[:8], 16)
            v[h % self.dim] += 1.0
        n = np.linalg.norm(v)
        return (v / n if n else v + 1.0 / np.sqrt(self.dim)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        if self.fail_after is not None and self.embedded + len(texts) > self.fail_after:
            raise RuntimeError("simulated crash while embedding")
        self.embedded += len(texts)
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


class FailingChatModel(BaseChatModel):
    """A chat model whose server is down."""

    @property
    def _llm_type(self) -> str:
        return "failing-test"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        raise ConnectionError("model server unreachable")
