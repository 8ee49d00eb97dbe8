"""Validity status of a policy as of a date, derived from metadata alone."""

from __future__ import annotations

from datetime import date, timedelta

from assistant.records import Policy, Status

EXPIRING_DAYS = 60


def status_as_of(policy: Policy, as_of: date, expiring_days: int = EXPIRING_DAYS) -> Status:
    """The status of one policy on ``as_of`` (repeal by another policy: see ``library_statuses``).

    ``draft`` for a draft; ``expired`` after ``expires``; ``not_yet`` before ``effective_from``
    (else ``issued``); ``expiring`` when in force and ``expires`` is at most ``expiring_days`` away;
    else ``in_force``. Without any start date a policy counts as in force only when it names an end
    date still ahead (「自印发之日起至2026年12月31日」); with no date at all its status is ``unknown``.
    """
    if policy.draft:
        return "draft"
    if policy.expires and as_of > policy.expires:
        return "expired"
    start = policy.effective_from or policy.issued
    if start and as_of < start:
        return "not_yet"
    if not start and not policy.expires:
        return "unknown"
    if policy.expires and expiring_days > 0 and policy.expires - as_of <= timedelta(days=expiring_days):
        return "expiring"
    return "in_force"


def library_statuses(
    library: dict[str, Policy], as_of: date, expiring_days: int = EXPIRING_DAYS
) -> dict[str, Status]:
    """Status of every policy in the library, with repeals applied (one pass over the library)."""
    own = {pid: status_as_of(p, as_of, expiring_days) for pid, p in library.items()}
    repealed = {
        old for pid, p in library.items() if own[pid] in ("in_force", "expiring") for old in p.repeals
    }
    return {
        pid: "repealed" if pid in repealed and status not in ("draft", "expired") else status
        for pid, status in own.items()
    }
