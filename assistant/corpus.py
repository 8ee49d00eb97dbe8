"""Load the policy corpus: ``corpus/<id>.txt`` (text) + ``corpus/<id>.toml`` (metadata)."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from assistant.chunking import ChunkingError, chunk_policy
from assistant.cleaning import clean
from assistant.records import Clause, Policy


class CorpusError(ValueError):
    """A corpus file is missing, unreadable or invalid; the message names the file."""


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    text: str  # cleaned
    clauses: list[Clause]
    content_hash: str  # of the raw text + metadata, for incremental builds


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise CorpusError(f"{path}: file is empty")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = ""
        if exc.reason == "unexpected end of data":  # cut off inside a multi-byte character
            raise CorpusError(
                f"{path}: ends in the middle of a character: the file looks truncated"
            ) from None
        try:
            raw.decode("gb18030")
            hint = "; it decodes as GBK/GB18030: convert it with `iconv -f GB18030 -t UTF-8`"
        except UnicodeDecodeError:
            pass
        raise CorpusError(f"{path}: not valid UTF-8 (byte {exc.start}){hint}") from None


def read_metadata(path: Path) -> Policy:
    try:
        data = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"{path}: metadata is not valid TOML: {exc}") from None
    try:
        policy = Policy(**data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise CorpusError(f"{path}: invalid metadata: {problems}") from None
    if policy.id != path.stem:
        raise CorpusError(f"{path}: id {policy.id!r} must equal the file name {path.stem!r}")
    return policy


def load_policy(text_path: Path) -> LoadedPolicy:
    meta_path = text_path.with_suffix(".toml")
    if not meta_path.exists():
        raise CorpusError(f"{text_path}: no metadata file {meta_path.name} beside it")
    policy = read_metadata(meta_path)
    raw = read_text(text_path)
    if "\ufffd" in raw:
        raise CorpusError(f"{text_path}: contains U+FFFD replacement characters (broken encoding)")
    cleaned = clean(raw)
    try:
        clauses = chunk_policy(policy, cleaned)
    except ChunkingError as exc:
        raise CorpusError(f"{text_path}: {exc}") from None
    digest = hashlib.sha256(raw.encode() + meta_path.read_bytes()).hexdigest()
    return LoadedPolicy(policy, cleaned, clauses, digest)


def load_corpus(corpus_dir: Path) -> list[LoadedPolicy]:
    """Every policy in ``corpus_dir``; raises CorpusError naming the first bad file."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"{corpus_dir}: corpus folder not found")
    orphans = [p for p in sorted(corpus_dir.glob("*.toml")) if not p.with_suffix(".txt").exists()]
    if orphans:
        raise CorpusError(f"{orphans[0]}: metadata without a text file {orphans[0].with_suffix('.txt').name}")
    loaded = [load_policy(p) for p in sorted(corpus_dir.glob("*.txt"))]
    if not loaded:
        raise CorpusError(f"{corpus_dir}: no policy text (*.txt) found")
    return loaded
