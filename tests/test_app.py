from datetime import date

import pytest

from assistant import prompts
from assistant.app import QuestionError, normalize_question
from assistant.records import Answer
from assistant.retrieval import rrf

AS_OF = date(2026, 11, 25)


def test_rrf_rewards_agreement():
    fused = rrf([["a", "b", "c"], ["b", "a", "d"]], k=60)
    assert set(fused) == {"a", "b", "c", "d"}
    assert fused["a"] == fused["b"] > fused["c"] == fused["d"]


@pytest.mark.parametrize("bad", ["", "   ", "\n\t", "\x00\x01", "？？？", "\u200b\u200b"])
def test_empty_or_textless_questions_get_a_clear_error(bad):
    with pytest.raises(QuestionError) as exc:
        normalize_question(bad, 2000)
    assert str(exc.value) in {prompts.EMPTY_QUESTION, prompts.NO_TEXT_QUESTION}


def test_oversized_question_is_rejected_with_its_length():
    with pytest.raises(QuestionError, match="10000个字符"):
        normalize_question("补" * 10000, 2000)


def test_control_and_full_width_characters_are_normalised():
    assert normalize_question("宿州\x07设备购置额８００万\u200b元", 2000) == "宿州设备购置额800万元"


def test_suzhou_anhui_question_cites_only_suzhou_anhui(fake_assistant):
    answer = fake_assistant.ask("宿州设备购置额800万元能拿多少奖补？", as_of=AS_OF)
    assert not answer.refused
    assert answer.citations and {c.policy_id for c in answer.citations} == {"suzhou-anhui-2021"}
    assert answer.citations[0].clause_id == "suzhou-anhui-2021/p1/二/¶1"
    assert "最高100万元" in answer.answer and "[1]" in answer.answer


def test_suzhou_jiangsu_question_never_cites_anhui(fake_assistant):
    answer = fake_assistant.ask("苏州的中小企业上云补贴是多少？", as_of=AS_OF)
    assert answer.citations
    assert all(c.region.startswith("江苏省") for c in answer.citations)


def test_comparison_cites_each_named_city(fake_assistant):
    answer = fake_assistant.ask("苏州和宿州对标识解析二级节点的奖励有什么不同？", as_of=AS_OF)
    assert {c.region for c in answer.citations} >= {"江苏省苏州市", "安徽省宿州市"}


def test_expired_and_draft_policies_are_flagged(fake_assistant):
    answer = fake_assistant.ask("苏府〔2020〕120号的上云补贴还有效吗？", as_of=AS_OF)
    assert answer.citations[0].status == "expired"
    assert "已失效" in answer.answer and "2023年12月31日" in answer.answer
    draft = fake_assistant.ask("六安市对两化融合贯标企业奖补多少？", as_of=AS_OF)
    assert draft.citations[0].status == "draft" and "征求意见稿" in draft.answer


def test_status_follows_the_as_of_date(fake_assistant):
    answer = fake_assistant.ask("苏府〔2020〕120号的上云补贴是多少？", as_of=date(2022, 6, 1))
    assert answer.citations[0].status == "in_force" and "现行有效" in answer.answer


def test_unknown_place_is_refused(fake_assistant):
    answer = fake_assistant.ask("北京市工业互联网平台有什么奖励？", as_of=AS_OF)
    assert answer.refused and answer.answer.startswith(prompts.NOT_FOUND) and "北京" in answer.answer
    assert answer.citations == []


def test_a_place_without_policies_named_beside_one_with_policies_is_called_out(fake_assistant):
    answer = fake_assistant.ask("苏州和无锡的中小企业上云补贴多少？", as_of=AS_OF)
    assert answer.answer.startswith("提示：政策库中未找到无锡的相关政策，以下只列出苏州市的条款。")
    assert {c.policy_id for c in answer.citations} <= {
        "suzhou-2020-172",
        "suzhou-2020-120",
        "jiangsu-platform",
    }
    alone = fake_assistant.ask("苏州的中小企业上云补贴多少？", as_of=AS_OF)
    assert "未找到" not in alone.answer


def test_unknown_document_number_is_refused(fake_assistant):
    answer = fake_assistant.ask("苏府〔2019〕88号说了什么？", as_of=AS_OF)
    assert answer.refused and "88号" in answer.answer


def test_answer_contract_round_trips_as_json(fake_assistant):
    answer = fake_assistant.ask("江苏省对新入选国家级双跨平台奖励多少？", as_of=AS_OF)
    data = answer.model_dump(mode="json")
    assert set(data) == {
        "question",
        "answer",
        "refused",
        "citations",
        "calculations",
        "fallback",
        "resolved_question",
    }
    assert set(data["citations"][0]) == {
        "n",
        "clause_id",
        "policy_id",
        "policy_title",
        "doc_number",
        "region",
        "clause_path",
        "text",
        "status",
    }
    assert Answer.model_validate_json(answer.model_dump_json()) == answer
    assert data["citations"][0]["doc_number"] is None  # the provincial text prints no 文号


def test_markup_in_a_question_is_reduced_to_its_text():
    q = "<img src=x onerror=alert(1)><script>alert(2)</script>宿州<b>设备</b>购置额800万元"
    assert normalize_question(q, 2000) == "宿州 设备 购置额800万元"
    assert normalize_question("1<2 且 3>2 的补贴", 2000) == "1<2 且 3>2 的补贴"


def test_twin_clauses_of_a_superseding_policy(fake_assistant):
    by_id = fake_assistant.index.by_id

    def twins(clause_id):
        from assistant.retrieval import Hit

        clause = by_id[clause_id]
        hit = Hit(clause, fake_assistant.index.policy_of(clause), 1.0)
        return [t.clause.id for t in fake_assistant._twins_of(hit)]

    assert twins("suzhou-2020-172/二/(四)") == ["suzhou-2020-120/一/(四)"]  # 定向云券 in both
    assert twins("suzhou-2020-172/二/(一)") == [
        "suzhou-2020-120/三/(十)"
    ]  # not (十一) 「加快工业互联网APP发展」
    assert twins("suzhou-2020-172/二/(七)") == []  # 工业大数据: 120号 has no such measure
    assert twins("suzhou-anhui-2021/p1/二/¶1") == []  # no supersession link


class _DownCollection:
    """A vector store that cannot be reached (a Chroma server that went away)."""

    def query(self, **kwargs):
        raise ConnectionError("vector store unreachable")

    def get(self, **kwargs):
        raise ConnectionError("vector store unreachable")


def test_answers_from_bm25_when_the_vector_store_is_down(fake_index):
    from assistant.app import Assistant
    from assistant.index import ClauseIndex
    from assistant.settings import Settings

    index_dir, emb = fake_index
    index = ClauseIndex.open(index_dir)
    index.collection = _DownCollection()
    assistant = Assistant(Settings(index_dir=index_dir, embedding_model="hash-test"), emb, index)
    answer = assistant.ask("宿州设备购置额800万元能拿多少奖补？")
    assert not answer.refused and answer.citations[0].policy_id == "suzhou-anhui-2021"
    assert answer.calculations and answer.calculations[0].max_yuan == 640000
