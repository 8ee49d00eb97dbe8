from datetime import date

import pytest

from assistant.tools import calculator_tool

AS_OF = date(2026, 11, 25)


def test_figure_in_question_is_computed_with_a_formula(fake_assistant):
    answer = fake_assistant.ask("宿州设备购置额800万元能拿多少奖补？", as_of=AS_OF)
    (calc,) = answer.calculations
    assert (calc.citation, calc.min_yuan, calc.max_yuan) == (1, 640000, 640000)
    assert "测算[1]：800万元 × 8% = 64万元，未超过上限100万元" in answer.answer


def test_missing_figure_names_what_is_needed(fake_assistant):
    answer = fake_assistant.ask("宿州企业买设备搞技改，设备购置的奖补能拿多少？", as_of=AS_OF)
    assert answer.calculations == []
    assert "需提供项目设备购置额的金额" in answer.answer


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("宿州设备购置额-100万元能补多少？", "金额须为正数"),
        ("宿州设备购置额1000000000000000元能补多少？", "超出合理范围"),
        ("宿州设备购置额0元能补多少？", "金额须为正数"),
        ("宿州买了800台设备，设备购置奖补能拿多少？", "不是金额"),
    ],
)
def test_bad_figures_get_a_clear_message_and_no_amount(fake_assistant, question, message):
    answer = fake_assistant.ask(question, as_of=AS_OF)
    assert message in answer.answer
    assert all(
        c.clause_id != "suzhou-anhui-2021/p1/二/¶1"
        for c in answer.citations
        if any(k.citation == c.n for k in answer.calculations)
    )


def test_two_suzhou_policies_are_both_computed_and_the_newer_one_governs(fake_assistant):
    answer = fake_assistant.ask("苏州四星级上云企业，上云费用20万元，能补多少？", as_of=AS_OF)
    by_n = {c.n: c.policy_id for c in answer.citations}
    computed = {by_n[c.citation]: (c.min_yuan, c.max_yuan) for c in answer.calculations}
    assert computed == {"suzhou-2020-172": (80000, 80000), "suzhou-2020-120": (0, 50000)}
    assert "以苏府〔2020〕120号为准" in answer.answer


def test_calculator_tool_for_a_tool_calling_model(fake_assistant):
    tool = calculator_tool(fake_assistant.index.rules)
    assert tool.name == "calculate_award" and set(tool.args) == {"clause_id", "base_yuan", "level"}
    out = tool.invoke({"clause_id": "suzhou-anhui-2021/p1/二/¶1", "base_yuan": 8e6})
    assert out["results"][0]["max_yuan"] == 640000
    assert tool.invoke({"clause_id": "suzhou-anhui-2021/p1/二/¶1"})["errors"] == [
        "suzhou-anhui-2021/p1/二/¶1#1: 需要提供项目设备购置额"
    ]
    assert "error" in tool.invoke({"clause_id": "no/such"})


def test_an_award_for_platforms_and_providers_is_not_computed_for_a_firm_asking(fake_assistant):
    """宿州: 深度上云企业 up to 30万 and 优秀平台及云服务商 up to 50万 in one clause; a firm gets no 50万."""
    from assistant.calculations import plan

    rules = fake_assistant.index.rules["suzhou-anhui-2021/p1/一/¶2"]
    assert {r.cap_yuan for r in rules} == {300000, 500000}
    firm = plan("宿州上云补贴多少？", [(1, rules)])
    assert firm.results == [] and firm.notes == ["按该条款测算需提供上云总投入的金额（元或万元）[1]。"]
    firm = plan("宿州上云投入60万，补多少？", [(1, rules)])
    assert [r.max_yuan for _, r in firm.results] == [300000]
    provider = plan("宿州优秀云服务商奖补多少？", [(1, rules)])
    assert [r.max_yuan for _, r in provider.results] == [500000]
