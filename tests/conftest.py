from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.index import build_index
from assistant.settings import PROJECT_ROOT, Settings
from tests.fakes import HashEmbeddings

CORPUS = PROJECT_ROOT / "corpus"


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the real corpus."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, HashEmbeddings]:
    """The real corpus indexed with the fake embedding model (built once per test session)."""
    index_dir = tmp_path_factory.mktemp("index")
    emb = HashEmbeddings()
    build_index(CORPUS, index_dir, emb)
    return index_dir, emb


@pytest.fixture(scope="session")
def fake_assistant(fake_index):
    from assistant.app import Assistant

    index_dir, emb = fake_index
    settings = Settings(index_dir=index_dir, embedding_model="hash-test")
    return Assistant(settings, embeddings=emb)


WITHHELD = "suzhou-2020-120"


@pytest.fixture
def withheld_library(tmp_path: Path, corpus_copy: Path):
    """The seed library without 120号, indexed with the fake model, ready to receive it as an upload.

    Returns (settings factory taking overrides, the fake embedding model).
    """
    for ext in ("txt", "toml"):
        (corpus_copy / f"{WITHHELD}.{ext}").unlink()
    emb = HashEmbeddings()
    build_index(corpus_copy, tmp_path / "index", emb)

    def settings(**overrides: object) -> Settings:
        return Settings(
            corpus_dir=corpus_copy,
            index_dir=tmp_path / "index",
            drafts_dir=tmp_path / "library" / "drafts",
            audit_log=tmp_path / "library" / "audit.jsonl",
            embedding_model="hash-test",
            **overrides,  # type: ignore[arg-type]
        )

    return settings, emb
