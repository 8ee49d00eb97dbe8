"""Which of two linked policies governs on a date, and why, for answers that cite both.

A policy ``supersedes`` another where they conflict (「原有政策与本通知不一致的，按本通知执行」) or
``repeals`` it wholly (「同时废止」). When an answer cites both — the 苏州 定向云券 is 30%/40%/50% of
fees in 172号 but 1万/5万/10万 in 120号 — it must say which one applies as of the asked date.
"""

from __future__ import annotations

from datetime import date

from assistant import prompts
from assistant.grounded import cn_date
from assistant.records import IN_FORCE, Policy, Status


def _name(p: Policy) -> str:
    return p.doc_number or f"《{p.title}》"


def governing_lines(
    cited: list[str], policies: dict[str, Policy], statuses: dict[str, Status], as_of: date
) -> list[str]:
    """One line per cited (newer, older) pair: which governs on ``as_of`` and why, with [n] markers.

    ``cited``: the policy id of each citation in order (citation n is ``cited[n - 1]``).
    """
    first_n: dict[str, int] = {}
    for n, policy_id in enumerate(cited, start=1):
        first_n.setdefault(policy_id, n)
    lines = []
    for newer_id, n_new in first_n.items():
        newer = policies[newer_id]
        for older_id in newer.supersedes + newer.repeals:
            if older_id not in first_n or older_id not in policies:
                continue
            older, n_old = policies[older_id], first_n[older_id]
            lines.append(_line(newer, older, statuses, as_of, n_new, n_old))
    return lines


def _line(
    newer: Policy, older: Policy, statuses: dict[str, Status], as_of: date, n_new: int, n_old: int
) -> str:
    s_new, s_old = statuses[newer.id], statuses[older.id]
    why = (prompts.WHY_REPEALS if older.id in newer.repeals else prompts.WHY_SUPERSEDES).format(
        newer=_name(newer), older=_name(older)
    )
    fields = {
        "as_of": cn_date(as_of),
        "newer": _name(newer),
        "older": _name(older),
        "why": why,
        "n_new": n_new,
        "n_old": n_old,
    }
    if s_new in IN_FORCE:
        return prompts.GOVERNS_NEWER.format(**fields)
    start = newer.effective_from or newer.issued
    if s_new == "not_yet" and s_old in IN_FORCE and start:
        return prompts.GOVERNS_OLDER_UNTIL.format(**fields, start=cn_date(start))
    if s_new == "draft" and s_old in IN_FORCE:
        return prompts.GOVERNS_OLDER_DRAFT.format(**fields)
    if s_old in IN_FORCE:
        return prompts.GOVERNS_OLDER.format(**fields)
    return prompts.GOVERNS_NONE.format(**fields)
