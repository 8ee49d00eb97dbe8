import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.awards import (
    AwardRule,
    CalculationError,
    award_segments,
    calculate,
    extract_rules,
    match_level,
)
from assistant.corpus import load_corpus
from tests.conftest import CORPUS

SNAPSHOT = Path(__file__).parent / "snapshots" / "award_rules.tsv"
CLAUSES = [c for lp in load_corpus(CORPUS) for c in lp.clauses]
RULES = [r for c in CLAUSES for r in extract_rules(c)]
BY_ID = {r.id: r for r in RULES}
_AWARD_SENTENCE = re.compile(
    r"(?=.*(?:\d+(?:\.\d+)?\s*(?:万|亿|元|%)))(?=.*(?:奖励|奖补|补助|补贴|资金支持|贴息|给予))"
)
# sentences that name money but grant nothing to the reader: a procurement price and a risk-sharing ratio
NOT_AWARDS = {"suzhou-2020-120/二/(五)", "suzhou-2020-120/五/(二十)"}


def test_every_rule_matches_the_reviewed_snapshot():
    def line(r: AwardRule) -> str:
        fields = r.model_dump(
            include={
                "kind",
                "base",
                "rate",
                "rate_max",
                "amount_yuan",
                "cap_yuan",
                "floor_yuan",
                "levels",
                "tier_values",
                "upto",
                "scope",
            },
            exclude_defaults=True,
        )
        return r.id + "\t" + " ".join(f"{k}={v}" for k, v in fields.items())

    assert [line(r) for r in RULES] == SNAPSHOT.read_text(encoding="utf-8").splitlines()


def test_every_award_clause_yields_a_rule():
    award_clauses = {
        c.id
        for c in CLAUSES
        if any(_AWARD_SENTENCE.match(s) for s in re.findall(r"[^。；]+", c.text)) and c.id not in NOT_AWARDS
    }
    covered = {r.clause_id for r in RULES}
    assert award_clauses - covered == set()
    assert len(award_clauses) == 43 and len(RULES) == 66  # counted and reviewed: see the snapshot


def test_segments_keep_caps_with_their_award():
    s = "鼓励企业实施设备数字化、网络化、智能化技术改造，按照项目设备购置额的8%给予奖补，最高100万元。"
    assert award_segments(s) == [s]
    two = (
        "对跨行业服务的优秀平台，给予最高100万元的奖励，对专注特定行业服务的优秀平台，给予最高50万元的奖励。"
    )
    assert len(award_segments(two)) == 2


def test_share_with_cap():
    r = BY_ID["suzhou-anhui-2021/p1/二/¶1#1"]
    assert (r.kind, r.base, r.rate, r.cap_yuan) == ("share", "项目设备购置额", 0.08, 1e6)
    res = calculate(r, 8e6)
    assert (res.min_yuan, res.max_yuan) == (640000, 640000)
    assert res.formula == "800万元 × 8% = 64万元，未超过上限100万元"
    capped = calculate(r, 1.5e8)
    assert capped.max_yuan == 1e6 and "超过上限100万元，按上限计" in capped.formula
    assert any("上限" in c and "不是承诺" in c for c in res.caveats)


def test_upper_bound_share_has_minimum_zero():
    r = BY_ID["suzhou-2020-172/二/(五)#1"]
    res = calculate(r, 5e6)
    assert (res.min_yuan, res.max_yuan) == (0, 500000)
    assert "服务企业数超10家" in r.conditions and "年度营收超300万元的第三方安全服务机构" in r.conditions


def test_range_with_floor_and_cap():
    r = BY_ID["suzhou-2020-120/四/(十六)#1"]
    assert calculate(r, 5e7).model_dump(include={"min_yuan", "max_yuan"}) == {
        "min_yuan": 7.5e6,
        "max_yuan": 1e7,
    }
    assert calculate(r, 1e6).model_dump(include={"min_yuan", "max_yuan"}) == {
        "min_yuan": 4e5,
        "max_yuan": 4e5,
    }


def test_interest_subsidy_per_year_and_county_floor():
    city, county = BY_ID["suzhou-2020-120/一/(一)#1"], BY_ID["suzhou-2020-120/一/(一)#2"]
    assert calculate(city, 3e8).max_yuan == 2e6 and city.scope == "单个企业每年"
    res = calculate(county, 3e8)
    assert (res.min_yuan, res.max_yuan) == (3e6, None)


def test_tiers_by_level_star_and_item():
    levels = BY_ID["suzhou-anhui-2021/p1/二/¶2#1"]
    assert calculate(levels, level="L4").max_yuan == 350000
    stars = BY_ID["suzhou-2020-120/一/(四)#1"]
    assert calculate(stars, level="五星级").model_dump(include={"min_yuan", "max_yuan"}) == {
        "min_yuan": 0,
        "max_yuan": 1e5,
    }
    share = BY_ID["suzhou-2020-172/二/(四)#1"]
    assert calculate(share, 2e5, "四星级").max_yuan == 80000
    items = BY_ID["suzhou-anhui-2021/p1/二/¶3#1"]
    assert match_level(items, "我们是新认定的数字化车间") == "数字化车间"
    assert calculate(items, level="数字化车间").max_yuan == 150000


def test_tiers_without_a_level_list_every_tier():
    res = calculate(BY_ID["suzhou-anhui-2021/p1/二/¶2#1"])
    assert (res.min_yuan, res.max_yuan) == (250000, 500000) and "L3" in res.formula and "L5" in res.formula


def test_fixed_cap_and_floor_only():
    assert calculate(BY_ID["suzhou-anhui-2021/p1/一/¶1#3"]).max_yuan == 600000
    cap = calculate(BY_ID["suzhou-2020-120/三/(十)#1"])
    assert (cap.min_yuan, cap.max_yuan) == (0, 5e6)
    ipo = calculate(BY_ID["suzhou-2020-172/二/(十)#1"])
    assert (ipo.min_yuan, ipo.max_yuan) == (1e6, None)


@pytest.mark.parametrize(
    ("base", "message"), [(None, "需要提供项目设备购置额"), (-5.0, "正数"), (0.0, "正数"), (1e15, "合理范围")]
)
def test_bad_or_missing_base_is_a_clear_error(base, message):
    with pytest.raises(CalculationError, match=message):
        calculate(BY_ID["suzhou-anhui-2021/p1/二/¶1#1"], base)


def test_unknown_level_is_a_clear_error():
    with pytest.raises(CalculationError, match="可选：L3、L4、L5"):
        calculate(BY_ID["suzhou-anhui-2021/p1/二/¶2#1"], level="L9")


BASE_RULES = [r for r in RULES if r.needs_base and r.kind != "tiers_share"]


@given(
    st.sampled_from(BASE_RULES),
    st.floats(min_value=1, max_value=1e12),
    st.floats(min_value=1, max_value=1e12),
)
def test_properties_bounds_floor_and_monotonic(rule, a, b):
    lo_base, hi_base = sorted((a, b))
    low, high = calculate(rule, lo_base), calculate(rule, hi_base)
    for res in (low, high):
        assert res.min_yuan >= 0
        if res.max_yuan is not None:
            assert res.min_yuan <= res.max_yuan + 1e-6
            if rule.cap_yuan is not None:
                assert res.max_yuan <= rule.cap_yuan + 1e-6
        if rule.floor_yuan is not None and rule.kind in {"share", "range_share"}:
            assert res.min_yuan >= min(rule.floor_yuan, rule.cap_yuan or rule.floor_yuan) - 1e-6
    assert high.min_yuan >= low.min_yuan - 1e-6  # monotonic in the base
    if low.max_yuan is not None and high.max_yuan is not None:
        assert high.max_yuan >= low.max_yuan - 1e-6
