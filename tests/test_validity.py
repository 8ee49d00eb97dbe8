from datetime import date

from assistant.records import Policy
from assistant.validity import status_as_of


def _p(**kw) -> Policy:
    return Policy(**({"id": "t", "title": "测试政策", "issuer": "测试局", "province": "江苏省"} | kw))


def test_in_force_between_start_and_expiry_inclusive():
    p = _p(effective_from=date(2021, 1, 1), expires=date(2023, 12, 31))
    assert status_as_of(p, date(2021, 1, 1)) == "in_force"
    assert status_as_of(p, date(2023, 12, 31)) == "in_force"
    assert status_as_of(p, date(2024, 1, 1)) == "expired"
    assert status_as_of(p, date(2020, 12, 31)) == "unknown"  # not yet in force


def test_draft_is_always_draft():
    assert status_as_of(_p(draft=True, expires=date(2020, 1, 1)), date(2026, 1, 1)) == "draft"


def test_only_an_end_date():
    p = _p(expires=date(2026, 12, 31))
    assert status_as_of(p, date(2026, 11, 25)) == "in_force"
    assert status_as_of(p, date(2027, 1, 1)) == "expired"


def test_no_dates_is_unknown_and_open_ended_is_in_force():
    assert status_as_of(_p(), date(2026, 1, 1)) == "unknown"
    assert status_as_of(_p(effective_from=date(2021, 1, 1)), date(2026, 1, 1)) == "in_force"


def test_seed_statuses_today():
    from assistant.corpus import load_corpus
    from tests.conftest import CORPUS

    got = {lp.policy.id: status_as_of(lp.policy, date(2026, 11, 25)) for lp in load_corpus(CORPUS)}
    assert got == {
        "suzhou-2020-172": "expired",
        "suzhou-2020-120": "expired",
        "jiangsu-platform": "in_force",
        "suzhou-anhui-2021": "in_force",
        "luan-draft": "draft",
    }
