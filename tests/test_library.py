"""Drafts, publishing and unpublishing: only the new policy is embedded, failures change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.corpus import load_corpus
from assistant.index import ClauseIndex, current_build
from assistant.ingest import IngestError
from assistant.library import Library, LibraryError
from tests import docgen
from tests.conftest import CORPUS
from tests.fakes import HashEmbeddings

SEEDS = {lp.policy.id: lp for lp in load_corpus(CORPUS)}
NEW = "suzhou-2020-120"


@pytest.fixture
def library(withheld_library) -> Library:
    """The seed library without 120号 (indexed), ready to receive it as an upload."""
    settings, emb = withheld_library
    return Library(settings(), embeddings=emb)


def _snapshot(lib: Library) -> tuple[dict[str, bytes], Path | None]:
    files = {p.name: p.read_bytes() for p in sorted(lib.corpus_dir.iterdir())}
    return files, current_build(lib.settings.index_dir)


def test_add_makes_a_draft_and_publishes_nothing(library):
    before = _snapshot(library)
    draft = library.add(docgen.make_docx(SEEDS[NEW].text), "120号.docx", "王科长")
    assert draft.id == NEW and draft.ready and draft.clauses == len(SEEDS[NEW].clauses)
    assert draft.metadata["supersedes"] == ["suzhou-2020-172"]
    assert _snapshot(library) == before
    assert [d.id for d in library.drafts()] == [NEW]


def test_publish_embeds_only_the_new_policy_and_swaps_the_index(library):
    old_build = current_build(library.settings.index_dir)
    library.add(docgen.make_pdf(SEEDS[NEW].text), "120.pdf", "王科长")
    report = library.publish(NEW, "王科长")
    assert report.embedded == len(SEEDS[NEW].clauses)  # the other policies' vectors were reused
    assert current_build(library.settings.index_dir) != old_build
    index = ClauseIndex.open(library.settings.index_dir)
    assert NEW in index.policies and index.policies[NEW].doc_number == "苏府〔2020〕120号"
    assert {c.id for c in SEEDS[NEW].clauses} <= set(index.by_id)
    assert library.drafts() == []
    actions = [(e["actor"], e["action"], e["policy_id"]) for e in library.audit_entries()]
    assert actions == [("王科长", "publish", NEW), ("王科长", "add", NEW)]


def test_corrections_are_validated_and_audited(library):
    library.add(docgen.make_docx(SEEDS[NEW].text), "120.docx", "王科长")
    draft = library.update(NEW, {"title": ""}, "李四")
    assert not draft.ready and any(p.startswith("title") for p in draft.problems)
    with pytest.raises(LibraryError, match="cannot be published"):
        library.publish(NEW, "李四")
    draft = library.update(
        NEW, {"title": "关于推进制造业智能化改造和数字化转型的若干措施", "expires": "2024-12-31"}, "李四"
    )
    assert draft.ready and str(draft.metadata["expires"]) == "2024-12-31"
    edit = next(
        e for e in library.audit_entries() if e["action"] == "edit" and e["detail"]["after"].get("expires")
    )
    assert edit["actor"] == "李四" and edit["detail"]["before"]["expires"] == "2023-12-31"


def test_unknown_linked_policy_blocks_publishing(library):
    library.add(docgen.make_docx(SEEDS[NEW].text), "120.docx", "王科长")
    draft = library.update(NEW, {"supersedes": ["no-such-policy"]}, "王科长")
    assert draft.problems == ["supersedes: no published policy 'no-such-policy'"]


def test_a_failed_build_puts_the_corpus_back(library):
    before = _snapshot(library)
    library.add(docgen.make_docx(SEEDS[NEW].text), "120.docx", "王科长")
    library._embeddings = HashEmbeddings(fail_after=0)  # the embedding step crashes
    with pytest.raises(RuntimeError, match="simulated crash"):
        library.publish(NEW, "王科长")
    assert _snapshot(library) == before
    assert [d.id for d in library.drafts()] == [NEW]  # the draft is kept for another try


def test_bad_upload_changes_nothing(library):
    before = _snapshot(library)
    with pytest.raises(IngestError, match="encrypted"):
        library.add(docgen.make_pdf(SEEDS[NEW].text, encrypt="pw"), "locked.pdf", "王科长")
    assert _snapshot(library) == before and library.drafts() == []
    assert library.audit_entries() == []


def test_unpublish_archives_and_reindexes(library):
    report = library.unpublish("luan-draft", "王科长", reason="征求意见结束")
    assert report.policies == len(SEEDS) - 2
    assert not (library.corpus_dir / "luan-draft.txt").exists()
    archived = list((library.settings.drafts_dir.parent / "unpublished").glob("luan-draft-*/luan-draft.toml"))
    assert len(archived) == 1
    assert "luan-draft" not in ClauseIndex.open(library.settings.index_dir).policies
    entry = library.audit_entries()[0]
    assert entry["action"] == "unpublish" and entry["detail"]["reason"] == "征求意见结束"


def test_unpublish_refuses_a_policy_others_point_to(library):
    library.add(docgen.make_docx(SEEDS[NEW].text), "120.docx", "王科长")
    library.publish(NEW, "王科长")
    before = _snapshot(library)
    with pytest.raises(LibraryError, match="supersedes/repeals of suzhou-2020-120"):
        library.unpublish("suzhou-2020-172", "王科长")
    assert _snapshot(library) == before


def test_draft_ids_are_checked(library):
    with pytest.raises(LibraryError, match="not a valid id"):
        library.draft("../etc")
    with pytest.raises(LibraryError, match="no draft"):
        library.draft("nothing-here")


def test_audit_log_is_json_lines(library):
    library.add(docgen.make_docx(SEEDS[NEW].text), "120.docx", "王科长")
    lines = library.settings.audit_log.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[-1])
    assert set(entry) == {"at", "actor", "action", "policy_id", "detail"}
