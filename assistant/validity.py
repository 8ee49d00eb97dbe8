"""Validity status of a policy as of a date, derived from its metadata alone."""

from __future__ import annotations

from datetime import date

from assistant.records import Policy, Status


def status_as_of(policy: Policy, as_of: date) -> Status:
    """``draft`` for a draft; ``expired`` after ``expires``; ``in_force`` once in effect.

    A policy is in force from ``effective_from`` (else ``issued``) to ``expires`` inclusive. Without
    any start date it counts as in force only when it names an end date still ahead (「自印发之日起
    至2026年12月31日」); with no date at all its status is ``unknown``. Before its start it is
    ``unknown`` too (not yet in force).
    """
    if policy.draft:
        return "draft"
    if policy.expires and as_of > policy.expires:
        return "expired"
    start = policy.effective_from or policy.issued
    if start:
        return "in_force" if as_of >= start else "unknown"
    return "in_force" if policy.expires else "unknown"
