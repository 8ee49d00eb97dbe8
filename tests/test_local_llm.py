"""End to end with the real local model (llama.cpp, Qwen2.5-Coder-1.5B Q4_K_M): slow, run by CI."""

from datetime import date

import pytest

from assistant.chain import AnswerChain
from assistant.guard import provenance, unsupported_numbers
from assistant.llm import make_chat_model
from assistant.settings import Settings

pytestmark = pytest.mark.e2e
AS_OF = date(2026, 11, 25)


@pytest.fixture(scope="module")
def local_chain(fake_assistant):
    settings = Settings(llm="local", llm_max_tokens=160)
    assert settings.llm_model_path.exists(), "run `make install` (python -m assistant model install) first"
    return AnswerChain(fake_assistant, make_chat_model(settings), timeout_s=300)


@pytest.mark.parametrize(
    ("question", "policy"),
    [
        ("宿州设备购置额800万元能拿多少奖补？", "suzhou-anhui-2021"),
        ("六安的工业互联网政策正式生效了吗？", "luan-draft"),
    ],
)
def test_local_model_answers_stay_grounded(local_chain, fake_assistant, question, policy):
    events = list(local_chain.stream(question, as_of=AS_OF))
    assert events[0].type == "meta" and events[-1].type == "final"
    answer = events[-1].data["answer"]
    assert answer.citations[0].policy_id == policy
    if not answer.fallback:  # the model's own words passed the guard rails
        assert "[1]" in answer.answer and any(e.type == "token" for e in events)
    cited = [fake_assistant.index.policies[c.policy_id] for c in answer.citations]
    assert unsupported_numbers(answer.answer, provenance(answer, cited, AS_OF)) == []


def test_concurrent_generations_do_not_crash_the_process(local_chain):  # noqa: ARG001 - loads it first
    """Two requests at once share one llama.cpp context; without the lock in llm.py this segfaults."""
    from concurrent.futures import ThreadPoolExecutor

    model = make_chat_model(Settings(llm="local", llm_max_tokens=160))  # the same instance (one per process)

    def generate(i: int) -> str:
        text = "".join(chunk.content for chunk in model.stream(f"用一句话介绍工业互联网（{i}）。"))
        return text

    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(generate, range(2)))
    assert all(replies)
