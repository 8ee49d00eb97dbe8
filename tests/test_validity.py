from datetime import date

import pytest

from assistant.records import Policy
from assistant.validity import library_statuses, status_as_of


def _p(**kw) -> Policy:
    return Policy(**({"id": "t", "title": "测试政策", "issuer": "测试局", "province": "江苏省"} | kw))


def test_in_force_between_start_and_expiry_inclusive():
    p = _p(effective_from=date(2021, 1, 1), expires=date(2023, 12, 31))
    assert status_as_of(p, date(2021, 1, 1), expiring_days=0) == "in_force"
    assert status_as_of(p, date(2023, 12, 31), expiring_days=0) == "in_force"
    assert status_as_of(p, date(2024, 1, 1)) == "expired"
    assert status_as_of(p, date(2020, 12, 31)) == "not_yet"


def test_draft_is_always_draft():
    assert status_as_of(_p(draft=True, expires=date(2020, 1, 1)), date(2026, 1, 1)) == "draft"


def test_only_an_end_date():
    p = _p(expires=date(2026, 12, 31))
    assert status_as_of(p, date(2026, 10, 1)) == "in_force"
    assert status_as_of(p, date(2027, 1, 1)) == "expired"


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2026, 10, 31), "in_force"),  # 61 days left
        (date(2026, 11, 1), "expiring"),  # 60 days left: 即将失效
        (date(2026, 11, 25), "expiring"),
        (date(2026, 12, 31), "expiring"),  # the last day is still in force
        (date(2027, 1, 1), "expired"),
    ],
)
def test_expiring_within_60_days_boundaries(as_of, expected):
    p = _p(effective_from=date(2024, 1, 1), expires=date(2026, 12, 31))
    assert status_as_of(p, as_of) == expected


def test_expiring_window_is_a_setting():
    p = _p(effective_from=date(2024, 1, 1), expires=date(2026, 12, 31))
    assert status_as_of(p, date(2026, 11, 25), expiring_days=30) == "in_force"
    assert status_as_of(p, date(2026, 12, 1), expiring_days=30) == "expiring"


def test_no_dates_is_unknown_and_open_ended_is_in_force():
    assert status_as_of(_p(), date(2026, 1, 1)) == "unknown"
    assert status_as_of(_p(effective_from=date(2021, 1, 1)), date(2026, 1, 1)) == "in_force"


def test_repealed_once_the_repealing_policy_is_in_force():
    old = _p(id="old", effective_from=date(2020, 1, 1))
    new = _p(id="new", effective_from=date(2022, 1, 1), repeals=["old"])
    lib = {"old": old, "new": new}
    assert library_statuses(lib, date(2021, 6, 1)) == {"old": "in_force", "new": "not_yet"}
    assert library_statuses(lib, date(2022, 1, 1)) == {"old": "repealed", "new": "in_force"}


def test_supersedes_where_conflicting_does_not_repeal():
    old = _p(id="old", effective_from=date(2020, 1, 1))
    new = _p(id="new", effective_from=date(2022, 1, 1), supersedes=["old"])
    assert library_statuses({"old": old, "new": new}, date(2023, 1, 1))["old"] == "in_force"


def test_seed_statuses_today():
    from assistant.corpus import load_corpus
    from tests.conftest import CORPUS

    got = library_statuses({lp.policy.id: lp.policy for lp in load_corpus(CORPUS)}, date(2026, 11, 25))
    assert got == {
        "suzhou-2020-172": "expired",
        "suzhou-2020-120": "expired",
        "jiangsu-platform": "expiring",
        "suzhou-anhui-2021": "in_force",
        "luan-draft": "draft",
    }
