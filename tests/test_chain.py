from datetime import date

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant import prompts
from assistant.app import QuestionError
from assistant.chain import AnswerChain
from assistant.followup import Turn
from tests.fakes import FailingChatModel

AS_OF = date(2026, 11, 25)
QUESTION = "宿州设备购置额800万元能拿多少奖补？"


def chain_with(fake_assistant, *responses: str, **kw) -> AnswerChain:
    return AnswerChain(fake_assistant, FakeListChatModel(responses=list(responses)), **kw)


def test_faithful_model_answer_is_kept(fake_assistant):
    text = "宿州对设备数字化改造按项目设备购置额的8%给予奖补，最高100万元[1]。按您的800万元测算为64万元[1]。"
    answer = chain_with(fake_assistant, text).ask(QUESTION, as_of=AS_OF)
    grounded = fake_assistant.ask(QUESTION, as_of=AS_OF)
    assert answer.answer == f"{text}\n\n{grounded.answer}" and not answer.fallback  # words, then the quotes
    assert answer.calculations[0].max_yuan == 640000  # amounts still come from the calculator


def test_invented_amount_falls_back_to_the_grounded_answer(fake_assistant):
    answer = chain_with(fake_assistant, "按规定可获得设备购置额10%的奖补，即80万元[1]。").ask(
        QUESTION, as_of=AS_OF
    )
    assert answer.fallback
    assert answer.answer == fake_assistant.ask(QUESTION, as_of=AS_OF).answer


def test_markers_to_clauses_not_provided_are_removed(fake_assistant):
    answer = chain_with(fake_assistant, "最高100万元[1][7]。").ask(QUESTION, as_of=AS_OF)
    assert (
        answer.answer.startswith("最高100万元[1]。\n") and "[7]" not in answer.answer and not answer.fallback
    )


def test_answer_without_any_citation_falls_back(fake_assistant):
    assert chain_with(fake_assistant, "最高100万元。").ask(QUESTION, as_of=AS_OF).fallback


def test_model_refusing_a_supported_question_falls_back(fake_assistant):
    answer = chain_with(fake_assistant, f"{prompts.NOT_FOUND}相关规定[1]。").ask(QUESTION, as_of=AS_OF)
    assert answer.fallback and answer.citations


def test_model_error_falls_back(fake_assistant):
    answer = AnswerChain(fake_assistant, FailingChatModel()).ask(QUESTION, as_of=AS_OF)
    assert answer.fallback and answer.calculations


def test_timeout_falls_back(fake_assistant):
    answer = chain_with(fake_assistant, "最高100万元[1]。", timeout_s=1e-9).ask(QUESTION, as_of=AS_OF)
    assert answer.fallback


def test_refused_question_never_reaches_the_model(fake_assistant):
    answer = AnswerChain(fake_assistant, FailingChatModel()).ask("北京的企业上云有补贴吗？", as_of=AS_OF)
    assert answer.refused and not answer.fallback


def test_stream_sends_citations_and_calculations_before_tokens(fake_assistant):
    events = list(chain_with(fake_assistant, "最高100万元[1]。").stream(QUESTION, as_of=AS_OF))
    assert events[0].type == "meta" and events[-1].type == "final"
    assert events[0].data["citations"][0]["policy_id"] == "suzhou-anhui-2021"
    assert events[0].data["calculations"][0]["max_yuan"] == 640000
    tokens = [e.data["text"] for e in events if e.type == "token"]
    assert len(tokens) > 1 and "".join(tokens) == "最高100万元[1]。"


def test_prompt_carries_only_the_answering_sentences(fake_assistant):
    chain = chain_with(fake_assistant, "x")
    grounded = fake_assistant.ask(QUESTION, as_of=AS_OF)
    inputs = chain.inputs(grounded, QUESTION)
    assert inputs["clauses"].startswith("[1]《支持工业互联网发展若干政策》（安徽省宿州市，现行有效）")
    assert "800万元 × 8% = 64万元" in inputs["calculations"]


def test_follow_up_questions_resolve_against_history(fake_assistant):
    chain = AnswerChain(fake_assistant)
    first = chain.ask("苏州中小企业上云补贴多少？", as_of=AS_OF)
    history = [
        Turn(role="user", content="苏州中小企业上云补贴多少？"),
        Turn(role="assistant", content=first.answer),
    ]
    second = chain.ask("那宿州呢？", history, as_of=AS_OF)
    assert second.resolved_question == "宿州中小企业上云补贴多少？"
    assert {c.policy_id for c in second.citations} == {"suzhou-anhui-2021"}
    third = chain.ask(
        "这个政策还有效吗？",
        history + [Turn(role="user", content="那宿州呢？"), Turn(role="assistant", content=second.answer)],
        as_of=AS_OF,
    )
    assert third.citations[0].policy_id == "suzhou-anhui-2021" and "现行有效" in third.answer


def test_a_follow_up_about_a_place_without_policies_is_refused_not_answered_from_the_last_place(
    fake_assistant,
):
    """「那无锡呢？」 after 苏州: 无锡 replaces 苏州, and the library has nothing for 无锡."""
    chain = AnswerChain(fake_assistant)
    history = [Turn(role="user", content="苏州中小企业上云补贴多少？"), Turn(role="assistant", content="…")]
    answer = chain.ask("那无锡呢？", history, as_of=AS_OF)
    assert answer.resolved_question == "无锡中小企业上云补贴多少？"
    assert answer.refused and not answer.citations and "无锡" in answer.answer


def test_bad_question_raises_before_any_event(fake_assistant):
    with pytest.raises(QuestionError):
        next(chain_with(fake_assistant, "x").stream("   "))


def test_answer_that_hides_a_draft_status_falls_back(fake_assistant):
    question = "六安的工业互联网政策正式生效了吗？"
    wrong = chain_with(fake_assistant, "六安的工业互联网政策正式生效了。[1]").ask(question, as_of=AS_OF)
    assert wrong.fallback and "征求意见稿" in wrong.answer
    right = chain_with(fake_assistant, "该文件是征求意见稿，尚未正式施行[1]。").ask(question, as_of=AS_OF)
    assert not right.fallback


def test_an_expired_policy_is_never_called_in_force_and_its_status_is_always_shown(fake_assistant):
    question = "苏府〔2020〕120号的定向云券补多少？"
    wrong = chain_with(fake_assistant, "该政策现行有效，按星级分别补贴不高于1万、5万、10万[1]。")
    assert wrong.ask(question, as_of=AS_OF).fallback
    silent = chain_with(fake_assistant, "按星级分别补贴不高于1万、5万、10万[1]。").ask(question, as_of=AS_OF)
    assert not silent.fallback
    assert silent.answer.startswith("（提示：《关于推进制造业智能化改造和数字化转型的若干措施》已失效")
    said = chain_with(fake_assistant, "该政策已失效；按星级分别补贴不高于1万、5万、10万[1]。")
    answer = said.ask(question, as_of=AS_OF)
    assert not answer.fallback and answer.answer.startswith("该政策已失效")
