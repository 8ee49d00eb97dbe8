"""Build and open the clause index: chromadb (dense) + stored jieba tokens (BM25).

Layout under ``index/``::

    CURRENT                  name of the build that serves (replaced atomically)
    builds/<name>/chroma/    chromadb PersistentClient (the embedded store, the default)
    builds/<name>/store.json where this build's vectors are (written first, so pruning finds them)
    builds/<name>/clauses.jsonl, rules.jsonl, policies.json, manifest.json

With a Chroma server (``PA_CHROMA_URL``) a build's vectors go into the collection ``clauses-<name>`` on
that server instead of ``chroma/``; the manifest records the store, and pruning a build deletes its
collection. A build writes a fresh folder (complete once its manifest is written) and only then points
CURRENT at it, so a build that fails or is killed part-way leaves the previous index serving. Embeddings
of clauses whose text did not change are copied from the previous build instead of recomputed
(incremental), from whichever store holds them.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from assistant import tokenize as tokenize_module
from assistant.awards import AwardRule, extract_rules
from assistant.corpus import LoadedPolicy, load_corpus
from assistant.embeddings import model_name
from assistant.records import Clause, Policy
from assistant.tokenize import tokenize

log = logging.getLogger(__name__)

COLLECTION = "clauses"  # in a build's embedded store; on a Chroma server: clauses-<build name>
FORMAT_VERSION = 2  # 2: rules.jsonl (award rules extracted at build time)
PAGE = 1000  # ids per request when writing or reading a collection
CHROMA_TIMEOUT_S = 30.0  # longest wait for one request to a Chroma server (chromadb's default: forever)


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


def chroma_server_client(url: str):
    """A client of the Chroma server at ``url`` (``PA_CHROMA_URL``); IndexError_ naming both if unreachable."""
    import chromadb
    import httpx
    from chromadb.config import Settings as ChromaSettings

    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.path not in ("", "/"):
        raise IndexError_(
            f"PA_CHROMA_URL must look like http://host:port (a Chroma server started with `chroma run`), "
            f"got {url!r}"
        )
    ssl = parsed.scheme == "https"
    try:
        client = chromadb.HttpClient(
            host=parsed.hostname,
            port=parsed.port or (443 if ssl else 8000),
            ssl=ssl,
            settings=ChromaSettings(anonymized_telemetry=False),
        )
    except Exception as exc:  # chromadb wraps a refused connection in ValueError; others are possible
        raise IndexError_(
            f"cannot reach the Chroma server at {url} (setting PA_CHROMA_URL): {exc} "
            "Start it (`chroma run --path <folder> --port <port>`) or unset PA_CHROMA_URL "
            "to use the embedded store."
        ) from None
    # chromadb's HTTP session never times out; a hung server must not hang every request with it
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(CHROMA_TIMEOUT_S, connect=5.0)
    return client


def server_store(name: str, url: str) -> dict[str, Any]:
    return {"kind": "server", "url": url, "collection": f"{COLLECTION}-{name}"}


EMBEDDED_STORE: dict[str, Any] = {"kind": "embedded", "path": "chroma", "collection": COLLECTION}


def build_store(build: Path) -> dict[str, Any]:
    """Where a build's vectors are: store.json (written first) or the manifest says; older builds: embedded."""
    for name, key in (("store.json", None), ("manifest.json", "store")):
        try:
            data = json.loads((build / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        store = data.get(key) if key else data
        if isinstance(store, dict) and store.get("kind") in ("embedded", "server"):
            return store
    return EMBEDDED_STORE


def open_collection(build: Path, chroma_url: str | None = None):
    """The chromadb collection holding ``build``'s vectors.

    For a build on a Chroma server, ``chroma_url`` (this machine's PA_CHROMA_URL) is where the server is
    reached; the URL recorded at build time is used when it is not given.
    """
    store = build_store(build)
    if store["kind"] == "embedded":
        if chroma_url:
            raise IndexError_(
                f"index build {build.name} keeps its vectors in the embedded store ({build / 'chroma'}), "
                f"but PA_CHROMA_URL={chroma_url} asks for a Chroma server: rebuild it with `index build` "
                "and the same settings (or unset PA_CHROMA_URL)"
            )
        return chroma_client(build / store.get("path", "chroma")).get_collection(
            store["collection"], embedding_function=None
        )
    url = chroma_url or store["url"]
    client = chroma_server_client(url)
    try:
        return client.get_collection(store["collection"], embedding_function=None)
    except Exception as exc:
        raise IndexError_(
            f"the Chroma server at {url} (PA_CHROMA_URL) has no collection {store['collection']!r} "
            f"for index build {build.name}: {exc}. Rebuild with `index build`."
        ) from None


def _all_vectors(col, embeddings: bool = True) -> tuple[list[str], list[dict], list[list[float]]]:
    """Every id, metadata and (unless not wanted) embedding of a collection, a page at a time."""
    ids: list[str] = []
    metas: list[dict] = []
    embs: list[list[float]] = []
    offset = 0
    while True:
        got = col.get(
            include=["embeddings", "metadatas"] if embeddings else ["metadatas"], limit=PAGE, offset=offset
        )
        ids += got["ids"]
        metas += [m or {} for m in got["metadatas"]]
        if embeddings:
            embs += [list(map(float, e)) for e in got["embeddings"]]
        if len(got["ids"]) < PAGE:
            return ids, metas, embs
        offset += PAGE


def _delete_vectors(build: Path, chroma_url: str | None) -> bool:
    """Delete the server collection of a build being pruned; False when it could not be (keep the folder)."""
    store = build_store(build)
    if store["kind"] != "server":
        return True
    url = chroma_url or store["url"]
    try:
        client = chroma_server_client(url)
    except IndexError_ as exc:
        log.warning("kept %s: %s", build, exc)
        return False
    try:
        client.delete_collection(store["collection"])
    except Exception as exc:  # chromadb.errors.NotFoundError: never created (killed early) or deleted
        if "does not exist" not in str(exc) and "NotFound" not in type(exc).__name__:
            log.warning("kept %s: deleting collection %s failed: %s", build, store["collection"], exc)
            return False
    return True


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


def _previous_embeddings(index_dir: Path, chroma_url: str | None) -> dict[str, tuple[str, list[float]]]:
    """clause id → (text hash, embedding) from the serving build (embedded or on the server), for reuse."""
    build = current_build(index_dir)
    if build is None:
        return {}
    # the previous build is read where it was written (it may predate PA_CHROMA_URL being set)
    server = chroma_url if build_store(build)["kind"] == "server" else None
    try:
        ids, metas, embs = _all_vectors(open_collection(build, server))
    except Exception as exc:
        log.warning("not reusing embeddings of %s: %s", build.name, exc)
        return {}  # an unreadable old build just means everything is embedded again
    return {cid: (meta.get("text_hash", ""), emb) for cid, meta, emb in zip(ids, metas, embs, strict=True)}


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embeddings: Embeddings,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 32,
    chroma_url: str | None = None,
) -> BuildReport:
    """Load and validate the whole corpus, then build a new index and switch to it atomically.

    ``chroma_url`` (PA_CHROMA_URL): write the vectors into a collection on that Chroma server instead of
    the build folder.
    """
    started = time.perf_counter()
    loaded = load_corpus(corpus_dir)  # raises CorpusError naming the bad file, before anything is written
    model = model_name(embeddings)
    # an unreachable server fails now, before minutes of embedding
    server = chroma_server_client(chroma_url) if chroma_url else None
    with _build_lock(index_dir):
        serving = current_build(index_dir)
        # a fresh folder per build; it counts as complete once manifest.json is written
        name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"-{uuid.uuid4().hex[:8]}"
        folder = index_dir / "builds" / name
        folder.mkdir(parents=True)
        store = server_store(name, chroma_url) if chroma_url else EMBEDDED_STORE
        # written first: a build killed after creating its server collection is still found by _prune
        (folder / "store.json").write_text(json.dumps(store), encoding="utf-8")
        if server is not None:
            col = server.create_collection(
                store["collection"], metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
            in_col: dict[str, str] = {}
        else:
            col, in_col = _embedded_collection(folder, serving)
        # vectors to reuse are read only when the new collection does not already hold them (a copy)
        previous = {} if in_col else _previous_embeddings(index_dir, chroma_url)
        embedded = _write_build(
            folder, loaded, embeddings, model, previous, progress, batch_size, col, store, serving, in_col
        )
        pointer_tmp = index_dir / "CURRENT.tmp"
        pointer_tmp.write_text(name)
        os.replace(pointer_tmp, index_dir / "CURRENT")
        # keep the new build and the one that served until now (a request may still be reading it)
        _prune(index_dir, {name} | ({serving.name} if serving else set()), chroma_url)
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
    col,
    store: dict[str, Any],
    previous_build: Path | None = None,
    in_col: dict[str, str] | None = None,
) -> int:
    """``previous``: id → (text hash, vector) to reuse; ``in_col``: id → text hash already in ``col``."""
    rows = [(lp.policy, c, clause_search_text(c, lp.policy)) for lp in loaded for c in lp.clauses]
    hashes = [_text_hash(text, model) for _, _, text in rows]
    new_hash = {c.id: h for (_, c, _), h in zip(rows, hashes, strict=True)}
    in_col = in_col or {}
    unchanged = {cid for cid, h in in_col.items() if new_hash.get(cid) == h}  # already in the collection
    vectors: list[list[float] | None] = [
        previous[c.id][1] if c.id in previous and previous[c.id][0] == h else None
        for (_, c, _), h in zip(rows, hashes, strict=True)
    ]
    todo = [i for i, v in enumerate(vectors) if v is None and rows[i][1].id not in unchanged]
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

    # a collection copied from the serving build already holds the unchanged clauses: apply the difference
    stale = [cid for cid in in_col if cid not in unchanged]  # removed or changed
    for start in range(0, len(stale), PAGE):
        col.delete(ids=stale[start : start + PAGE])
    wanted = [i for i, (_, c, _) in enumerate(rows) if c.id not in unchanged]
    for start in range(0, len(wanted), PAGE):
        part = wanted[start : start + PAGE]
        col.add(
            ids=[rows[i][1].id for i in part],
            embeddings=[vectors[i] for i in part],  # type: ignore[misc]
            documents=[rows[i][1].text for i in part],
            metadatas=[{"policy_id": rows[i][0].id, "text_hash": hashes[i]} for i in part],
        )
    old_tokens = _previous_tokens(previous_build)
    with open(folder / "clauses.jsonl", "w", encoding="utf-8") as fh:
        for _, clause, text in rows:
            key = _token_key(text)
            tokens = old_tokens.get(key) or tokenize(text)  # jieba is half of an unchanged clause's cost
            record = clause.model_dump() | {"tokens": tokens, "token_key": key}
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
        "dim": _dim(vectors, previous_build),
        "built_at": datetime.now(UTC).isoformat(),
        "policies": {lp.policy.id: lp.content_hash for lp in loaded},
        "clauses": len(rows),
        "store": store,
    }
    # manifest last: its presence marks a complete build
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return len(todo)


def _embedded_collection(folder: Path, serving: Path | None) -> tuple[Any, dict[str, str]]:
    """The new build's collection and what it already holds (id → text hash): a copy of the serving
    build's, so only changes are written (adding 10,000 vectors to a fresh HNSW index is most of an
    incremental build), else a new, empty one."""
    source = serving / "chroma" if serving is not None else None
    if source is not None and source.is_dir() and build_store(serving)["kind"] == "embedded":
        try:
            shutil.copytree(source, folder / "chroma")
            col = chroma_client(folder / "chroma").get_collection(COLLECTION)
            ids, metas, _ = _all_vectors(col, embeddings=False)
            if ids:
                return col, {cid: meta.get("text_hash", "") for cid, meta in zip(ids, metas, strict=True)}
        except Exception:  # noqa: BLE001 - a copy that cannot be opened: build from scratch instead
            pass
        shutil.rmtree(folder / "chroma", ignore_errors=True)
    col = chroma_client(folder / "chroma").create_collection(
        COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None
    )
    return col, {}


def _dim(vectors: list[list[float] | None], previous_build: Path | None) -> int:
    """The vector size, from a vector written now or (nothing new) the previous build's manifest."""
    new = next((len(v) for v in vectors if v is not None), 0)
    if new or previous_build is None:
        return new
    try:
        return int(json.loads((previous_build / "manifest.json").read_text(encoding="utf-8")).get("dim", 0))
    except (OSError, ValueError):
        return 0


# tokens depend on the text and on the tokenizer (its domain words): a changed tokenize.py re-tokenises all
_TOKENIZER_ID = hashlib.sha256(Path(tokenize_module.__file__).read_bytes()).hexdigest()[:12]


def _token_key(text: str) -> str:
    return hashlib.sha256(f"{_TOKENIZER_ID}\n{text}".encode()).hexdigest()[:20]


def _previous_tokens(build: Path | None) -> dict[str, list[str]]:
    """token key → tokens of the serving build's clauses, so unchanged clauses skip jieba."""
    if build is None or not (build / "clauses.jsonl").exists():
        return {}
    out: dict[str, list[str]] = {}
    try:
        with open(build / "clauses.jsonl", encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                if "token_key" in record:
                    out[record["token_key"]] = record["tokens"]
    except (OSError, ValueError):
        return {}  # an unreadable old build just means tokenising everything again
    return out


def _prune(index_dir: Path, keep: set[str], chroma_url: str | None = None) -> None:
    """Remove every build folder but ``keep`` (under the lock): older builds, half-written ones (killed
    part-way) and complete ones that never served (killed just before the CURRENT swap).

    By identity, not by name order: builds started within the same second once sorted by their random
    suffix, so the build that had just served could be pruned while an older one stayed. A build on a
    Chroma server loses its collection first; if that fails its folder stays (it is the only record of the
    collection's name) and the next build retries.
    """
    for path in sorted(p for p in (index_dir / "builds").iterdir() if p.is_dir()):
        if path.name not in keep and _delete_vectors(path, chroma_url):
            shutil.rmtree(path, ignore_errors=True)


@dataclass
class IndexedClause:
    clause: Clause
    tokens: list[str]


class ClauseIndex:
    """A built index opened for reading: clauses, policies, the dense collection and BM25 tokens."""

    def __init__(self, build: Path, chroma_url: str | None = None):
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
                record.pop("token_key", None)
                self.entries.append(IndexedClause(Clause(**record), tokens))
        self.by_id = {e.clause.id: e.clause for e in self.entries}
        self.by_policy: dict[str, list[Clause]] = {}
        for e in self.entries:
            self.by_policy.setdefault(e.clause.policy_id, []).append(e.clause)
        self.rules: dict[str, list[AwardRule]] = {}
        with open(build / "rules.jsonl", encoding="utf-8") as fh:
            for line in fh:
                rule = AwardRule.model_validate_json(line)
                self.rules.setdefault(rule.clause_id, []).append(rule)
        self.store = build_store(build)
        self.collection = open_collection(build, chroma_url)

    @classmethod
    def open(
        cls,
        index_dir: Path,
        embedding_model: str | None = None,
        chroma_url: str | None = None,
    ) -> ClauseIndex:
        """The build CURRENT names; ``chroma_url``: where this machine reaches the build's Chroma server."""
        build = current_build(index_dir)
        if build is None:
            raise IndexError_(f"no index in {index_dir}: run `python -m assistant index build` first")
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexError_(f"the index in {index_dir} has an older format: rebuild it with `index build`")
        index = cls(build, chroma_url)
        built_with = index.manifest["embedding_model"]
        if embedding_model and built_with != embedding_model:
            raise IndexError_(
                f"the index in {index_dir} was built with embedding model {built_with!r}, "
                f"but the settings ask for {embedding_model!r}: rebuild it with `index build`"
            )
        return index

    def policy_of(self, clause: Clause) -> Policy:
        return self.policies[clause.policy_id]
