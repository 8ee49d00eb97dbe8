"""Metadata drafts read off policy texts match the hand-checked corpus records, field by field."""

from __future__ import annotations

from datetime import date
from functools import cache

import pytest

from assistant.cleaning import clean
from assistant.corpus import load_corpus
from assistant.ingest import extract_text
from assistant.library import propose_id
from assistant.metadata import extract_metadata
from assistant.records import Policy
from tests import docgen
from tests.conftest import CORPUS

SEEDS = {lp.policy.id: lp for lp in load_corpus(CORPUS)}
FIELDS = [
    "title",
    "issuer",
    "province",
    "city",
    "doc_number",
    "issued",
    "effective_from",
    "expires",
    "draft",
    "supersedes",
    "repeals",
    "parts",
]


def _library_without(policy_id: str) -> list[Policy]:
    return [lp.policy for pid, lp in SEEDS.items() if pid != policy_id]


@cache
def _pdf_text(policy_id: str) -> str:
    return clean(extract_text(docgen.make_pdf(SEEDS[policy_id].text), f"{policy_id}.pdf").text)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("policy_id", sorted(SEEDS))
def test_draft_from_the_pdf_matches_the_record(policy_id, field):
    lp = SEEDS[policy_id]
    draft = extract_metadata(_pdf_text(policy_id), _library_without(policy_id))
    assert draft.values[field] == getattr(lp.policy, field)


def test_unstated_fields_are_listed_not_guessed():
    draft = extract_metadata(SEEDS["luan-draft"].text, [])
    assert draft.values["issued"] is None and draft.values["expires"] is None
    assert {"issued", "expires"} <= set(draft.missing)
    assert "发文机关未载明" in draft.values["issuer"]


NOTICE = """苏府办〔2025〕9号
市政府办公室印发关于加快工业互联网发展的若干措施的通知
各市、区人民政府，市各有关部门和单位：
现将《关于加快工业互联网发展的若干措施》印发给你们，请认真贯彻执行。
苏州市人民政府办公室
2025年3月8日
一、支持平台建设
对新认定的平台给予最高100万元奖励。
{closing}
"""


@pytest.mark.parametrize(
    ("closing", "effective_from", "expires"),
    [
        ("本措施自2025年4月1日起实施，有效期三年。", date(2025, 4, 1), date(2028, 3, 31)),
        ("本措施自印发之日起施行，有效期五年。", date(2025, 3, 8), date(2030, 3, 7)),
        ("本措施自印发之日起至2026年12月31日。", None, date(2026, 12, 31)),
        ("本措施自2025年起开始执行。", date(2025, 1, 1), None),
        ("本措施有效期2年。", date(2025, 3, 8), date(2027, 3, 7)),
    ],
)
def test_validity_sentences(closing, effective_from, expires):
    values = extract_metadata(NOTICE.format(closing=closing)).values
    assert (values["effective_from"], values["expires"]) == (effective_from, expires)
    assert values["issued"] == date(2025, 3, 8)
    assert values["doc_number"] == "苏府办〔2025〕9号"
    assert values["issuer"] == "苏州市人民政府办公室" and values["city"] == "苏州市"


def test_repeal_by_document_number_names_the_library_policy():
    closing = "本措施自2025年4月1日起实施。《关于全力打造“工业互联网看苏州”品牌的若干措施》（苏府办〔2020〕172号）同时废止。"
    values = extract_metadata(NOTICE.format(closing=closing), _library_without("none")).values
    assert values["repeals"] == ["suzhou-2020-172"]


def test_prevailing_clause_proposes_earlier_policies_of_the_same_city_only():
    closing = "本措施自2025年4月1日起实施。原有政策与本通知不一致的，按本通知执行。"
    values = extract_metadata(NOTICE.format(closing=closing), _library_without("none")).values
    assert values["supersedes"] == ["suzhou-2020-120", "suzhou-2020-172"]  # not 宿州, not 江苏省


def test_draft_flag_and_title_suffix():
    text = "关于支持智能工厂建设的意见\n（征求意见稿）\n一、总体要求\n推进六安市智能工厂建设。\n"
    values = extract_metadata(text).values
    assert values["draft"] is True and values["title"] == "关于支持智能工厂建设的意见（征求意见稿）"
    assert (values["province"], values["city"]) == ("安徽省", "六安市")


def test_proposed_ids_tell_suzhou_from_suzhou():
    taken: set[str] = set()
    a = propose_id({"city": "苏州市", "province": "江苏省", "doc_number": "苏府〔2021〕5号"}, taken)
    b = propose_id({"city": "宿州市", "province": "安徽省", "doc_number": "宿政〔2021〕5号"}, {a})
    assert a == "suzhou-2021-5" and b == "suzhou-anhui-2021-5"
    assert propose_id({"province": "江苏省", "issued": date(2024, 5, 1)}, set()) == "jiangsu-2024"
