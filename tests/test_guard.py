from datetime import date

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.guard import guard, numbers_in, provenance, unsupported_numbers

AS_OF = date(2026, 11, 25)


def test_units_are_normalised():
    assert [n.value for n in numbers_in("640000元")] == [n.value for n in numbers_in("64万元")] == [640000.0]
    assert [(n.value, n.percent) for n in numbers_in("按8%给予，最高1.2亿元")] == [
        (8.0, True),
        (1.2e8, False),
    ]
    assert [n.value for n in numbers_in("五百万元")] == [5e6]
    assert numbers_in("见[1][2]") == []  # citation markers are not numbers


def _grounded(fake_assistant):
    answer = fake_assistant.ask("宿州设备购置额800万元能拿多少奖补？", as_of=AS_OF)
    policies = [fake_assistant.index.policies[c.policy_id] for c in answer.citations]
    return answer, policies


def test_grounded_answers_pass_their_own_guard(fake_assistant):
    answer, policies = _grounded(fake_assistant)
    assert (
        answer.calculations and unsupported_numbers(answer.answer, provenance(answer, policies, AS_OF)) == []
    )


def test_a_model_that_invents_an_amount_is_replaced_by_the_grounded_answer(fake_assistant, caplog):
    answer, policies = _grounded(fake_assistant)
    model = FakeListChatModel(responses=["按规定可获得设备购置额10%的奖补，即80万元[1]。"])
    draft = model.invoke("请根据条款回答").content
    shown, bad = guard(draft, answer, policies, AS_OF)
    assert shown == answer.answer and set(bad) == {"10%", "80万元"}
    assert "number guard replaced" in caplog.text


def test_a_faithful_rewording_passes(fake_assistant):
    answer, policies = _grounded(fake_assistant)
    model = FakeListChatModel(
        responses=["宿州按设备购置额的8%奖补，上限100万元；您的800万元可得640000元[1]。"]
    )
    draft = model.invoke("请根据条款回答").content
    shown, bad = guard(draft, answer, policies, AS_OF)
    assert bad == [] and shown == draft


def test_a_refusal_may_echo_the_askers_own_document_number(fake_assistant):
    answer = fake_assistant.ask("宿州市政府〔2020〕172号文件有哪些奖励？", as_of=AS_OF)
    assert answer.refused and "〔2020〕172号" in answer.answer
    assert unsupported_numbers(answer.answer, provenance(answer, [], AS_OF)) == []
