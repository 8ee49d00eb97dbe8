"""The policy library as bureau staff keep it: add a file as a draft, review its metadata, publish,
unpublish — each step in the audit log.

A draft lives in ``drafts_dir/<id>/`` (``text.txt`` cleaned text, ``<id>.toml`` metadata draft,
``draft.json`` what was found and where, the original file). Publishing copies text and metadata
into the corpus and rebuilds the index incrementally (only the new policy's clauses are embedded)
and atomically (the chat keeps answering from the old build until the swap). If the build fails,
the corpus files are put back as they were, so a bad publish leaves the library unchanged.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import re
import shutil
import threading
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import tomli_w
from pydantic import ValidationError

from assistant.chunking import ChunkingError, chunk_policy
from assistant.cleaning import clean
from assistant.corpus import CorpusError, read_metadata
from assistant.ingest import IngestError, extract_text
from assistant.metadata import extract_metadata
from assistant.records import Policy
from assistant.settings import Settings

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LOCK = (
    threading.Lock()
)  # one library change at a time in this process (the index build locks across processes)


class LibraryError(ValueError):
    """A library action that cannot be done; the message says why."""


@dataclass
class Draft:
    id: str
    filename: str
    format: str
    uploaded_by: str
    uploaded_at: str
    metadata: dict = field(default_factory=dict)  # the draft record, as in <id>.toml
    missing: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # empty: ready to publish
    clauses: int = 0
    replaces: bool = False  # a policy with this id is already published

    @property
    def ready(self) -> bool:
        return not self.problems


def propose_id(values: dict, taken: set[str]) -> str:
    """suzhou-2020-172 from 苏州市 + 〔2020〕172号; the province is added for 宿州 vs 苏州 collisions."""
    from pypinyin import lazy_pinyin

    def roman(name: str) -> str:
        name = re.sub(r"(省|市|自治区|壮族|回族|维吾尔|特别行政区)$", "", name or "")
        return "".join(lazy_pinyin(name)).lower()

    place = roman(values.get("city") or "") or roman(values.get("province") or "") or "policy"
    m = re.search(r"〔(\d{4})〕(\d+)号", values.get("doc_number") or "")
    issued = values.get("issued") or values.get("effective_from")
    tail = f"{m.group(1)}-{m.group(2)}" if m else str(issued.year) if isinstance(issued, date) else "undated"
    base = re.sub(r"[^a-z0-9-]", "", f"{place}-{tail}")
    if base in taken and values.get("city"):
        base = re.sub(r"[^a-z0-9-]", "", f"{place}-{roman(values.get('province') or '')}-{tail}")
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def to_toml(values: dict) -> str:
    """A metadata record as TOML (empty dates and lists left out, as in the hand-written records)."""
    clean_values = {k: v for k, v in values.items() if v is not None and v != [] and k != "notes"}
    return tomli_w.dumps(clean_values)


class Library:
    def __init__(self, settings: Settings, embeddings=None):
        self.settings = settings
        self._embeddings = embeddings

    # ---- paths and reading

    @property
    def corpus_dir(self) -> Path:
        return self.settings.corpus_dir

    def _draft_dir(self, draft_id: str) -> Path:
        if not _ID.match(draft_id):
            raise LibraryError(f"{draft_id!r} is not a valid id (lower-case letters, digits and -)")
        return self.settings.drafts_dir / draft_id

    def published(self) -> list[Policy]:
        out = []
        for path in sorted(self.corpus_dir.glob("*.toml")):
            try:
                out.append(read_metadata(path))
            except CorpusError:
                continue  # a broken record is reported by `corpus check`; it takes no id here
        return out

    def drafts(self) -> list[Draft]:
        root = self.settings.drafts_dir
        if not root.is_dir():
            return []
        known = {p.id for p in self.published()}  # read the corpus once for the whole listing
        return [self.draft(p.name, known) for p in sorted(root.iterdir()) if (p / "draft.json").exists()]

    def draft(self, draft_id: str, known: set[str] | None = None) -> Draft:
        """One draft with what stops it from being published (``known``: the published ids, if at hand)."""
        folder = self._draft_dir(draft_id)
        if not (folder / "draft.json").exists():
            raise LibraryError(f"no draft {draft_id!r}")
        info = json.loads((folder / "draft.json").read_text(encoding="utf-8"))
        meta_path = folder / f"{draft_id}.toml"
        try:
            metadata = tomllib.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            metadata, info["problems"] = {}, [f"{meta_path.name}: not valid TOML: {exc}"]
        draft = Draft(**(info | {"metadata": metadata}))
        known = known if known is not None else {p.id for p in self.published()}
        return self._check(draft, (folder / "text.txt").read_text(encoding="utf-8"), known)

    # ---- changes

    def add(self, data: bytes, filename: str, actor: str, policy_id: str | None = None) -> Draft:
        """Extract text and a metadata draft from a file; nothing is published."""
        extracted = extract_text(data, filename, self.settings.max_upload_bytes)
        text = clean(extracted.text)
        library = self.published()
        found = extract_metadata(text, library)
        taken = {p.id for p in library} | {d.name for d in self._draft_folders()}
        draft_id = policy_id or propose_id(found.values, taken)
        folder = self._draft_dir(draft_id)
        metadata = {"id": draft_id} | found.values | {"source": filename}
        info = Draft(
            id=draft_id,
            filename=filename,
            format=extracted.format,
            uploaded_by=actor,
            uploaded_at=_now(),
            missing=found.missing,
            notes=found.notes | ({"text": "; ".join(extracted.notes)} if extracted.notes else {}),
        )
        with _LOCK:
            tmp = folder.with_name(f".{draft_id}.tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            (tmp / "text.txt").write_text(text, encoding="utf-8")
            (tmp / f"{draft_id}.toml").write_text(to_toml(metadata), encoding="utf-8")
            (tmp / ("original" + Path(filename).suffix.lower())).write_bytes(data)
            (tmp / "draft.json").write_text(_info_json(info), encoding="utf-8")
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(tmp, folder)
        self.audit(actor, "add", draft_id, {"file": filename, "format": extracted.format})
        return self.draft(draft_id)

    def update(self, draft_id: str, changes: dict, actor: str) -> Draft:
        """Correct fields of a draft's metadata (the id stays; an empty value clears the field)."""
        draft = self.draft(draft_id)
        changes = {k: v for k, v in changes.items() if k != "id"}
        unknown = set(changes) - set(Policy.model_fields)
        if unknown:
            raise LibraryError(f"unknown metadata fields: {', '.join(sorted(unknown))}")
        metadata = draft.metadata | changes
        metadata = {k: v for k, v in metadata.items() if v not in ("", None) or k == "doc_number"}
        try:  # validate types now so the TOML stays well-formed (dates as dates)
            typed = Policy(**metadata).model_dump(exclude_defaults=False)
            metadata = {k: typed[k] for k in metadata}
        except ValidationError:
            pass  # kept as given; the problems are listed by _check
        path = self._draft_dir(draft_id) / f"{draft_id}.toml"
        path.write_text(to_toml(metadata), encoding="utf-8")
        before = {k: draft.metadata.get(k) for k in changes}
        self.audit(actor, "edit", draft_id, {"before": before, "after": changes})
        return self.draft(draft_id)

    def publish(self, draft_id: str, actor: str, progress=None):
        """Copy a ready draft into the corpus and reindex; on any failure the corpus is put back."""
        with _LOCK:
            draft = self.draft(draft_id)
            if draft.problems:
                raise LibraryError(f"draft {draft_id} cannot be published: " + "; ".join(draft.problems))
            folder = self._draft_dir(draft_id)
            targets = {
                self.corpus_dir / f"{draft_id}.txt": (folder / "text.txt").read_bytes(),
                self.corpus_dir / f"{draft_id}.toml": (folder / f"{draft_id}.toml").read_bytes(),
            }
            report = self._reindex_with(targets, progress)
            shutil.rmtree(folder, ignore_errors=True)
        self.audit(actor, "publish", draft_id, {"replaced": draft.replaces, "build": report.build})
        return report

    def unpublish(self, policy_id: str, actor: str, reason: str = "", progress=None):
        """Take a policy out of the corpus (kept under library/unpublished/) and reindex."""
        with _LOCK:
            files = [self.corpus_dir / f"{policy_id}.{ext}" for ext in ("txt", "toml")]
            if not _ID.match(policy_id) or not all(f.exists() for f in files):
                raise LibraryError(f"no published policy {policy_id!r}")
            others = [
                p for p in self.published() if p.id != policy_id and policy_id in p.supersedes + p.repeals
            ]
            if others:
                names = ", ".join(p.id for p in others)
                raise LibraryError(f"{policy_id} is named in supersedes/repeals of {names}: edit those first")
            archive = self.settings.drafts_dir.parent / "unpublished" / f"{policy_id}-{_stamp()}"
            archive.mkdir(parents=True)
            for f in files:
                shutil.copy2(f, archive / f.name)
            report = self._reindex_with(dict.fromkeys(files), progress)
        self.audit(actor, "unpublish", policy_id, {"reason": reason, "archived": str(archive)})
        return report

    def discard(self, draft_id: str, actor: str) -> None:
        folder = self._draft_dir(draft_id)
        if not folder.exists():
            raise LibraryError(f"no draft {draft_id!r}")
        shutil.rmtree(folder)
        self.audit(actor, "discard", draft_id, {})

    # ---- audit log

    def audit(self, actor: str, action: str, policy_id: str, detail: dict) -> None:
        entry = {"at": _now(), "actor": actor, "action": action, "policy_id": policy_id, "detail": detail}
        path = self.settings.audit_log
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # several server processes may append
            fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")

    def audit_entries(self, limit: int = 200) -> list[dict]:
        path = self.settings.audit_log
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
        return [json.loads(x) for x in reversed(lines) if x.strip()]

    # ---- helpers

    def _draft_folders(self) -> list[Path]:
        root = self.settings.drafts_dir
        return (
            [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")] if root.is_dir() else []
        )

    def _check(self, draft: Draft, text: str, known: set[str]) -> Draft:
        """Problems that stop publishing: invalid metadata, no clauses, unknown linked ids."""
        problems = list(draft.problems)
        policy = None
        if not problems:
            try:
                policy = Policy(**draft.metadata)
            except ValidationError as exc:
                problems += [
                    f"{'.'.join(map(str, e['loc'])) or 'metadata'}: {e['msg']}" for e in exc.errors()
                ]
        if policy is not None:
            if policy.id != draft.id:
                problems.append(f"id: must stay {draft.id!r}")
            try:
                draft.clauses = len(chunk_policy(policy, text))
            except ChunkingError as exc:
                problems.append(f"text: {exc}")
            for name in ("supersedes", "repeals"):
                problems += [
                    f"{name}: no published policy {x!r}" for x in getattr(policy, name) if x not in known
                ]
        draft.problems = problems
        draft.replaces = (self.corpus_dir / f"{draft.id}.toml").exists()
        return draft

    def _reindex_with(self, targets: dict[Path, bytes | None], progress):
        """Write (None: remove) corpus files and rebuild the index; the files are put back if it fails."""
        from assistant.index import build_index

        with _corpus_change(targets):
            return build_index(
                self.corpus_dir,
                self.settings.index_dir,
                self._embeddings_model(),
                progress,
                chroma_url=self.settings.chroma_url,
            )

    def _embeddings_model(self):
        if self._embeddings is None:
            from assistant.embeddings import load_embeddings

            self._embeddings = load_embeddings(self.settings.embedding_model)
        return self._embeddings


class _corpus_change:
    """Write (or with None, remove) corpus files; put the old contents back if the block raises."""

    def __init__(self, targets: dict[Path, bytes | None]):
        self.targets = targets
        self.saved = {p: (p.read_bytes() if p.exists() else None) for p in targets}

    def __enter__(self) -> None:
        for path, data in self.targets.items():
            _write(path, data)

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            for path, data in self.saved.items():
                _write(path, data)


def _write(path: Path, data: bytes | None) -> None:
    if data is None:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _info_json(info: Draft) -> str:
    data = asdict(info)
    for key in ("metadata", "problems", "clauses", "replaces"):
        data.pop(key)
    return json.dumps(data, ensure_ascii=False, indent=1)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


__all__ = ["Draft", "IngestError", "Library", "LibraryError", "current_user", "propose_id"]
