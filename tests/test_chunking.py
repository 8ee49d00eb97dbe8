from pathlib import Path

import pytest

from assistant.chunking import ChunkingError, chunk_policy, cn_to_int, parse_marker
from assistant.cleaning import clean
from assistant.corpus import load_corpus
from assistant.records import Policy
from tests.conftest import CORPUS

SNAPSHOT = Path(__file__).parent / "snapshots" / "clauses.tsv"
EXPECTED_COUNTS = {
    "jiangsu-platform": 18,  # 序言 + 16 numbered measures + 附则
    "luan-draft": 18,
    "suzhou-2020-120": 24,  # 序言 + （一）…（二十二） + 附则
    "suzhou-2020-172": 14,
    "suzhou-anhui-2021": 44,  # notice + policy (paragraph measures) + action plan + 附件
}


def _policy(**kw) -> Policy:
    return Policy(**({"id": "t", "title": "测试政策", "issuer": "测试局", "province": "江苏省"} | kw))


@pytest.fixture(scope="module")
def corpus():
    return {lp.policy.id: lp for lp in load_corpus(CORPUS)}


def test_clause_counts_per_seed(corpus):
    assert {pid: len(lp.clauses) for pid, lp in corpus.items()} == EXPECTED_COUNTS


def test_ids_and_paths_match_the_reviewed_snapshot(corpus):
    got = [f"{c.id}\t{c.path}" for lp in corpus.values() for c in lp.clauses]
    assert got == SNAPSHOT.read_text(encoding="utf-8").splitlines()


def test_ids_are_unique_and_stable(corpus):
    ids = [c.id for lp in corpus.values() for c in lp.clauses]
    assert len(ids) == len(set(ids))
    again = load_corpus(CORPUS)
    assert ids == [c.id for lp in again for c in lp.clauses]


def test_measure_clause_carries_its_whole_text(corpus):
    by_id = {c.id: c for c in corpus["suzhou-2020-172"].clauses}
    clause = by_id["suzhou-2020-172/二/(四)"]
    assert clause.path == "二、工作举措 > （四）着力推动中小企业上云用平台"
    assert clause.text.startswith("（四）着力推动中小企业上云用平台。")
    assert clause.text.endswith("分别给予上云费用30%、40%、50%的补贴。（责任单位：市工信局）")


def test_unnumbered_measures_under_a_section_heading_are_separate_chunks(corpus):
    by_id = {c.id: c for c in corpus["suzhou-anhui-2021"].clauses}
    assert "设备购置额的8%" in by_id["suzhou-anhui-2021/p1/二/¶1"].text
    assert "L3（流程级）" in by_id["suzhou-anhui-2021/p1/二/¶2"].text
    assert (
        by_id["suzhou-anhui-2021/p1/二/¶1"].path
        == "支持工业互联网发展若干政策 > 二、支持企业数字化网络化智能化转型 > 第1段"
    )


def test_misprinted_sibling_number_stays_at_its_level(corpus):
    # the action plan prints 「（2）发展目标」 after 「（一）指导思想」
    ids = [c.id for c in corpus["suzhou-anhui-2021"].clauses]
    assert "suzhou-anhui-2021/p2/一/(2)" in ids
    assert "suzhou-anhui-2021/p2/一/(2)/—1" in ids  # ——完善新型基础设施 nests under it


def test_closing_provisions_are_their_own_chunk(corpus):
    closing = {c.id: c for c in corpus["jiangsu-platform"].clauses}["jiangsu-platform/附则"]
    assert "至2026年12月31日" in closing.text
    closing = {c.id: c for c in corpus["suzhou-2020-120"].clauses}["suzhou-2020-120/附则"]
    assert "自2021年1月1日起实施，有效期三年" in closing.text


def test_page_break_inside_a_clause_does_not_split_a_sentence(corpus):
    clause = {c.id: c for c in corpus["jiangsu-platform"].clauses}["jiangsu-platform/一/2"]
    assert "分级推进省级重点工业互联网平台建设。" in clause.text


def test_text_without_numbered_clauses_is_rejected():
    with pytest.raises(ChunkingError, match="no numbered clause"):
        chunk_policy(_policy(), clean("这是一段没有条款编号的文字。\n第二段。"))


def test_nesting_follows_first_use_of_each_style():
    text = "序言文字。\n一、总则\n（一）第一项。内容。\n1.细则甲。内容。\n2.细则乙。内容。\n（二）第二项。内容。\n二、附则条款。内容。"
    ids = [c.id.split("/", 1)[1] for c in chunk_policy(_policy(), text)]
    assert ids == ["序言", "一/(一)", "一/(一)/1", "一/(一)/2", "一/(二)", "二"]


def test_marker_parsing():
    assert parse_marker("（十二）提升质量基础服务能力。坚持…").key == "(十二)"
    assert parse_marker("1．推进工业互联网外网建设。").key == "1"
    assert parse_marker("1.2亿元的项目") is None  # a decimal number, not a clause
    assert cn_to_int("二十二") == 22 and cn_to_int("十") == 10 and cn_to_int("九") == 9
