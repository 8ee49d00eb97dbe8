"""Two linked policies that answer differently: both quoted, the one that governs on the date named."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.records import Policy
from assistant.supersession import governing_lines

QUESTION = "苏州定向云券怎么补贴？"


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2020, 10, 1), "120号尚未施行（自2021年1月1日起施行），目前以苏府办〔2020〕172号为准"),
        (date(2022, 6, 1), "截至2022年6月1日以苏府〔2020〕120号为准"),
        (date(2026, 11, 25), "均已不在有效期内；两者有效期间规定不同时以苏府〔2020〕120号为准"),
    ],
)
def test_both_are_cited_and_the_governing_one_is_named(fake_assistant, as_of, expected):
    answer = fake_assistant.ask(QUESTION, as_of=as_of)
    cited = {c.policy_id for c in answer.citations}
    assert {"suzhou-2020-120", "suzhou-2020-172"} <= cited
    assert "30%、40%、50%" in answer.answer and "1万、5万、10万" in answer.answer
    assert expected in answer.answer


def _policy(pid: str, **kw) -> Policy:
    return Policy(**({"id": pid, "title": f"政策{pid}", "issuer": "某局", "province": "江苏省"} | kw))


def test_a_repeal_says_so_and_a_draft_does_not_govern():
    old = _policy("old", effective_from=date(2020, 1, 1))
    new = _policy("new", effective_from=date(2022, 1, 1), repeals=["old"])
    cites = ["new", "old"]  # the policy of citation [1] and [2]
    lines = governing_lines(
        cites, {"old": old, "new": new}, {"new": "in_force", "old": "repealed"}, date(2023, 1, 1)
    )
    assert lines == ["两者规定不同时，截至2023年1月1日以《政策new》为准[1]：《政策new》废止了《政策old》。"]
    draft = _policy("new", draft=True, supersedes=["old"])
    lines = governing_lines(
        cites, {"old": old, "new": draft}, {"new": "draft", "old": "in_force"}, date(2023, 1, 1)
    )
    assert lines == ["《政策new》为征求意见稿，尚未施行；截至2023年1月1日以《政策old》为准[2]。"]


def test_unlinked_policies_get_no_line():
    a, b = _policy("a"), _policy("b")
    assert (
        governing_lines(
            ["a", "b"],
            {"a": a, "b": b},
            {"a": "in_force", "b": "in_force"},
            date(2023, 1, 1),
        )
        == []
    )
