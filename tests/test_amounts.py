import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.amounts import AmountError, check_amount, find_figures, format_yuan, parse_amount


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("3000万元", 3e7),
        ("3亿", 3e8),
        ("1.2亿元", 1.2e8),
        ("五百万", 5e6),
        ("800万", 8e6),
        ("40万元", 4e5),
        ("2,000,000元", 2e6),
        ("两千万", 2e7),
        ("8000元", 8e3),
        ("一千五百万", 1.5e7),
    ],
)
def test_parse_amount(text, yuan):
    assert parse_amount(text) == pytest.approx(yuan)


@pytest.mark.parametrize("text", ["", "万元", "abc", "800台"])
def test_unparseable_amounts_raise_a_clear_error(text):
    with pytest.raises(AmountError, match="无法识别金额"):
        parse_amount(text)


def test_figures_in_a_question_carry_their_context():
    figures, others = find_figures("我们砀山的厂子技改买设备花了1.5亿，市里最多能补多少？")
    assert [(f.yuan, f.text) for f in figures] == [(1.5e8, "1.5亿")]
    assert "设备" in figures[0].context and others == []


def test_levels_counts_and_non_money_units_are_not_figures():
    assert find_figures("L4级企业，5G项目，三星级上云，前十，2023年")[0] == []
    figures, others = find_figures("买了800台设备")
    assert figures == [] and [o.text for o in others] == ["800台"]


@pytest.mark.parametrize(
    "question",
    [
        "苏府〔2020〕120号上云补贴多少？",  # the year inside a 文号
        "宿州2021版政策上云补贴多少？",
        "苏州厂房5000平，上云补贴多少？",
        "宿州一家成立于2015，设备补贴多少？",
        "我们在宿州市银河路1720号",
    ],
)
def test_years_document_numbers_and_areas_are_not_money(question):
    assert find_figures(question)[0] == []


def test_a_bare_year_like_number_after_a_money_word_is_still_an_amount():
    assert [f.yuan for f in find_figures("设备购置额2020，补多少")[0]] == [2020.0]


@pytest.mark.parametrize("bad", [0.0, -1e6, 1e15])
def test_figures_no_calculation_should_use(bad):
    with pytest.raises(AmountError):
        check_amount(bad)


@pytest.mark.parametrize(
    ("yuan", "text"),
    [(640000, "64万元"), (125000, "12.5万元"), (8000, "8000元"), (1.5e8, "15000万元"), (3200, "3200元")],
)
def test_format_yuan(yuan, text):
    assert format_yuan(yuan) == text


@given(st.integers(min_value=1, max_value=10**12))
def test_format_then_parse_round_trips_to_the_shown_precision(yuan):
    back = parse_amount(format_yuan(yuan))
    assert abs(back - yuan) <= (50 if yuan >= 1e4 else 0.005)


@given(st.integers(min_value=1, max_value=99999), st.sampled_from(["万", "万元", "亿", "元"]))
def test_arabic_amounts_with_units(n, unit):
    mult = {"万": 1e4, "万元": 1e4, "亿": 1e8, "元": 1}[unit]
    assert parse_amount(f"{n}{unit}") == pytest.approx(n * mult)
