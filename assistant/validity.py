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


def repealed_by(policy: Policy, library: dict[str, Policy], as_of: date) -> Policy | None:
    """The policy in force on ``as_of`` that wholly repeals ``policy``, if any."""
    for other in library.values():
        if policy.id in other.repeals and status_as_of(other, as_of) in ("in_force", "expiring"):
            return other
    return None


def library_statuses(
    library: dict[str, Policy], as_of: date, expiring_days: int = EXPIRING_DAYS
) -> dict[str, Status]:
    """Status of every policy in the library, with repeals applied."""
    out: dict[str, Status] = {}
    for pid, policy in library.items():
        status = status_as_of(policy, as_of, expiring_days)
        if status not in ("draft", "expired") and repealed_by(policy, library, as_of):
            status = "repealed"
        out[pid] = status
    return out
