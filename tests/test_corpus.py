from pathlib import Path

import pytest

from assistant.corpus import CorpusError, load_corpus


def test_seed_corpus_loads_with_metadata():
    from tests.conftest import CORPUS

    loaded = {lp.policy.id: lp.policy for lp in load_corpus(CORPUS)}
    assert set(loaded) == {
        "suzhou-2020-172",
        "suzhou-2020-120",
        "jiangsu-platform",
        "suzhou-anhui-2021",
        "luan-draft",
    }
    assert loaded["suzhou-anhui-2021"].province == "安徽省" and loaded["suzhou-anhui-2021"].city == "宿州市"
    assert loaded["suzhou-2020-120"].doc_number == "苏府〔2020〕120号"
    assert loaded["luan-draft"].draft


def test_text_without_metadata_is_named(corpus_copy: Path):
    (corpus_copy / "new-policy.txt").write_text("一、总则\n内容。", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"new-policy\.txt: no metadata file new-policy\.toml"):
        load_corpus(corpus_copy)


def test_metadata_without_text_is_named(corpus_copy: Path):
    (corpus_copy / "luan-draft.txt").unlink()
    with pytest.raises(CorpusError, match=r"luan-draft\.toml: metadata without a text file"):
        load_corpus(corpus_copy)


def test_gbk_file_is_named_with_a_hint(corpus_copy: Path):
    path = corpus_copy / "luan-draft.txt"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    with pytest.raises(CorpusError, match=r"luan-draft\.txt: not valid UTF-8.*GBK"):
        load_corpus(corpus_copy)


def test_empty_file_is_named(corpus_copy: Path):
    (corpus_copy / "luan-draft.txt").write_text("  \n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"luan-draft\.txt: file is empty"):
        load_corpus(corpus_copy)


def test_truncated_file_without_clauses_is_named(corpus_copy: Path):
    (corpus_copy / "luan-draft.txt").write_text(
        "关于促进工业互联网发展的意见\n工业互联网是新一代", encoding="utf-8"
    )
    with pytest.raises(CorpusError, match=r"luan-draft\.txt: .*no numbered clause"):
        load_corpus(corpus_copy)


def test_invalid_metadata_names_the_field(corpus_copy: Path):
    meta = corpus_copy / "luan-draft.toml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('province = "安徽省"\n', ""), encoding="utf-8")
    with pytest.raises(CorpusError, match=r"luan-draft\.toml: invalid metadata: province: Field required"):
        load_corpus(corpus_copy)


def test_broken_toml_is_named(corpus_copy: Path):
    (corpus_copy / "luan-draft.toml").write_text('id = "luan-draft\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"luan-draft\.toml: metadata is not valid TOML"):
        load_corpus(corpus_copy)


def test_id_must_match_file_name(corpus_copy: Path):
    meta = corpus_copy / "luan-draft.toml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace('id = "luan-draft"', 'id = "other"'), encoding="utf-8"
    )
    with pytest.raises(CorpusError, match="must equal the file name"):
        load_corpus(corpus_copy)


def test_new_policy_is_added_by_dropping_two_files(corpus_copy: Path):
    (corpus_copy / "test-city.txt").write_text(
        "测试市工业互联网政策\n一、支持上云。对上云企业给予最高10万元补贴。\n", encoding="utf-8"
    )
    (corpus_copy / "test-city.toml").write_text(
        'id = "test-city"\ntitle = "测试政策"\nissuer = "测试市政府"\nprovince = "江苏省"\ncity = "测试市"\n',
        encoding="utf-8",
    )
    loaded = {lp.policy.id: lp for lp in load_corpus(corpus_copy)}
    assert [c.id for c in loaded["test-city"].clauses] == ["test-city/序言", "test-city/一"]
