"""Build and open the clause index: chromadb (dense) + stored jieba tokens (BM25).

Layout under ``index/``::

    CURRENT                  name of the build that serves (replaced atomically)
    builds/<name>/chroma/    chromadb PersistentClient
    builds/<name>/clauses.jsonl, rules.jsonl, policies.json, manifest.json

A build writes a fresh folder (complete once its manifest is written) and only then points CURRENT at it, so a build that fails or is
killed part-way leaves the previous index serving. Embeddings of clauses whose text did not
change are copied from the previous build instead of recomputed (incremental).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.awards import AwardRule, extract_rules
from assistant.corpus import LoadedPolicy, load_corpus
from assistant.embeddings import model_name
from assistant.records import Clause, Policy
from assistant.tokenize import tokenize

COLLECTION = "clauses"
FORMAT_VERSION = 2  # 2: rules.jsonl (award rules extracted at build time)
KEEP_BUILDS = 2  # the serving build and the one before it (a server may still be reading it)


class IndexError_(RuntimeError):
    """The index is missing, half-written or built with another embedding model."""


@dataclass
class BuildReport:
    build: str
    policies: int
    clauses: int
    embedded: int  # clauses whose embedding was computed (the rest were reused)
    seconds: float


def clause_search_text(clause: Clause, policy: Policy) -> str:
    """What is embedded and tokenised for a clause: its policy, place and heading give it context."""
    return f"{policy.title}（{policy.region}）{clause.path}\n{clause.text}"


def _text_hash(text: str, model: str) -> str:
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()[:16]


def chroma_client(path: Path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexError_(f"another index build is running in {index_dir}") from None
        yield


def current_build(index_dir: Path) -> Path | None:
    pointer = index_dir / "CURRENT"
    if not pointer.exists():
        return None
    build = index_dir / "builds" / pointer.read_text().strip()
    return build if (build / "manifest.json").exists() else None


def _previous_embeddings(index_dir: Path) -> dict[str, tuple[str, list[float]]]:
    """clause id → (text hash, embedding) from the serving build, for reuse."""
    build = current_build(index_dir)
    if build is None:
        return {}
    try:
        col = chroma_client(build / "chroma").get_collection(COLLECTION)
        got = col.get(include=["embeddings", "metadatas"])
    except Exception:
        return {}  # an unreadable old build just means everything is embedded again
    return {
        cid: (meta.get("text_hash", ""), list(map(float, emb)))
        for cid, meta, emb in zip(got["ids"], got["metadatas"], got["embeddings"], strict=True)
    }


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embeddings: Embeddings,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 32,
) -> BuildReport:
    """Load and validate the whole corpus, then build a new index and switch to it atomically."""
    started = time.perf_counter()
    loaded = load_corpus(corpus_dir)  # raises CorpusError naming the bad file, before anything is written
    model = model_name(embeddings)
    with _build_lock(index_dir):
        previous = _previous_embeddings(index_dir)
        # a fresh folder per build; it counts as complete once manifest.json is written
        name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{uuid.uuid4().hex[:8]}"
        folder = index_dir / "builds" / name
        folder.mkdir(parents=True)
        embedded = _write_build(folder, loaded, embeddings, model, previous, progress, batch_size)
        pointer_tmp = index_dir / "CURRENT.tmp"
        pointer_tmp.write_text(name)
        os.replace(pointer_tmp, index_dir / "CURRENT")
        _prune(index_dir, keep=name)
    n_clauses = sum(len(lp.clauses) for lp in loaded)
    return BuildReport(name, len(loaded), n_clauses, embedded, time.perf_counter() - started)


def _write_build(
    folder: Path,
    loaded: list[LoadedPolicy],
    embeddings: Embeddings,
    model: str,
    previous: dict[str, tuple[str, list[float]]],
    progress: Callable[[int, int], None] | None,
    batch_size: int,
) -> int:
    rows = [(lp.policy, c, clause_search_text(c, lp.policy)) for lp in loaded for c in lp.clauses]
    hashes = [_text_hash(text, model) for _, _, text in rows]
    vectors: list[list[float] | None] = [
        previous[c.id][1] if c.id in previous and previous[c.id][0] == h else None
        for (_, c, _), h in zip(rows, hashes, strict=True)
    ]
    todo = [i for i, v in enumerate(vectors) if v is None]
    done = len(rows) - len(todo)
    if progress:
        progress(done, len(rows))
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        for i, vec in zip(batch, embeddings.embed_documents([rows[i][2] for i in batch]), strict=True):
            vectors[i] = vec
        done += len(batch)
        if progress:
            progress(done, len(rows))

    col = chroma_client(folder / "chroma").create_collection(
        COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None
    )
    for start in range(0, len(rows), 1000):
        part = range(start, min(start + 1000, len(rows)))
        col.add(
            ids=[rows[i][1].id for i in part],
            embeddings=[vectors[i] for i in part],  # type: ignore[misc]
            documents=[rows[i][1].text for i in part],
            metadatas=[{"policy_id": rows[i][0].id, "text_hash": hashes[i]} for i in part],
        )
    with open(folder / "clauses.jsonl", "w", encoding="utf-8") as fh:
        for _, clause, text in rows:
            record = clause.model_dump() | {"tokens": tokenize(text)}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    with open(folder / "rules.jsonl", "w", encoding="utf-8") as fh:
        for _, clause, _ in rows:
            for rule in extract_rules(clause):
                fh.write(rule.model_dump_json() + "\n")
    policies = [lp.policy.model_dump(mode="json") for lp in loaded]
    (folder / "policies.json").write_text(
        json.dumps(policies, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    manifest = {
        "format": FORMAT_VERSION,
        "embedding_model": model,
        "dim": len(vectors[0]) if vectors else 0,
        "built_at": datetime.now(UTC).isoformat(),
        "policies": {lp.policy.id: lp.content_hash for lp in loaded},
        "clauses": len(rows),
    }
    # manifest last: its presence marks a complete build
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return len(todo)


def _prune(index_dir: Path, keep: str) -> None:
    """Remove half-written builds and all but the newest KEEP_BUILDS complete ones (under the lock)."""
    folders = sorted(p for p in (index_dir / "builds").iterdir() if p.is_dir())
    complete = [p for p in folders if (p / "manifest.json").exists()]
    stale = [p for p in folders if p not in complete and p.name != keep]
    old = [p for p in complete if p.name != keep][: max(0, len(complete) - KEEP_BUILDS)]
    for path in stale + old:
        shutil.rmtree(path, ignore_errors=True)


@dataclass
class IndexedClause:
    clause: Clause
    tokens: list[str]


class ClauseIndex:
    """A built index opened for reading: clauses, policies, the dense collection and BM25 tokens."""

    def __init__(self, build: Path):
        self.build = build
        self.manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        self.policies = {
            p["id"]: Policy(**p) for p in json.loads((build / "policies.json").read_text(encoding="utf-8"))
        }
        self.entries: list[IndexedClause] = []
        with open(build / "clauses.jsonl", encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                tokens = record.pop("tokens")
                self.entries.append(IndexedClause(Clause(**record), tokens))
        self.by_id = {e.clause.id: e.clause for e in self.entries}
        self.rules: dict[str, list[AwardRule]] = {}
        with open(build / "rules.jsonl", encoding="utf-8") as fh:
            for line in fh:
                rule = AwardRule.model_validate_json(line)
                self.rules.setdefault(rule.clause_id, []).append(rule)
        self.collection = chroma_client(build / "chroma").get_collection(COLLECTION)

    @classmethod
    def open(cls, index_dir: Path, embedding_model: str | None = None) -> ClauseIndex:
        build = current_build(index_dir)
        if build is None:
            raise IndexError_(f"no index in {index_dir}: run `python -m assistant index build` first")
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexError_(f"the index in {index_dir} has an older format: rebuild it with `index build`")
        index = cls(build)
        built_with = index.manifest["embedding_model"]
        if embedding_model and built_with != embedding_model:
            raise IndexError_(
                f"the index in {index_dir} was built with embedding model {built_with!r}, "
                f"but the settings ask for {embedding_model!r}: rebuild it with `index build`"
            )
        return index

    def policy_of(self, clause: Clause) -> Policy:
        return self.policies[clause.policy_id]
