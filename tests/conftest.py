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
