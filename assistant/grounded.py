"""The answer without a language model: quote the sentences of the top clauses that answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from assistant import prompts
from assistant.cleaning import MARKER
from assistant.records import STATUS_LABELS, Citation, Policy, Status
from assistant.retrieval import Hit
from assistant.tokenize import content_terms

_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
_AMOUNT = re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿|元|%)|[一二三四五六七八九十百千]+万")
# asks for money (not a count such as 多少家/多少次)
_ASKS_AMOUNT = re.compile(
    r"(?i:how much|subsid|award|grant)|钱|怎么[补奖]|如何[补奖]|金额|额度|补贴|补助|奖励|奖补|贴息|上限|最高|比例|能拿|能补|[补奖给]多少|多少万|资助|支持多少"
)
_ASKS_VALIDITY = re.compile(
    r"有效|失效|过期|到期|截止|废止|生效|施行|还能用|还能申请|还能按|期限|征求意见|草案|正式|为准|按哪个|"
    r"什么时候(?:开始)?(?:实施|执行)|开始(?:实施|执行)|\b(?:valid|in force|expire[sd]?|draft)\b",
    re.IGNORECASE,
)
QUOTE_WHOLE_BELOW = 160  # characters: a short clause is quoted whole


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def asks_amount(question: str) -> bool:
    return bool(_ASKS_AMOUNT.search(question))


def states_amount(text: str) -> bool:
    return bool(_AMOUNT.search(text))


def asks_validity(question: str) -> bool:
    return bool(_ASKS_VALIDITY.search(question))


def select_sentences(
    question: str, text: str, weight: Callable[[str], float] = lambda _t: 1.0, limit: int = 3
) -> str:
    """The clause sentences that answer the question, in document order (a short clause: all of it)."""
    first, _, rest = text.partition("\n")
    body = rest if rest and len(first) <= 40 else text  # drop a heading line of its own
    if len(body) <= QUOTE_WHOLE_BELOW:
        return body.replace("\n", "")
    sentences = [s.strip() for s in _SENTENCE.findall(body.replace("\n", "")) if s.strip()]
    if len(sentences) > 1 and MARKER.match(sentences[0]) and len(sentences[0]) <= 40:
        sentences = sentences[1:]  # the clause heading; the citation's path already shows it
    terms = content_terms(question)
    wants_amount = bool(_ASKS_AMOUNT.search(question))

    total = sum(weight(t) for t in terms) or 1.0

    def score(s: str) -> float:
        covered = sum(weight(t) for t in terms if t in s.lower()) / total
        return covered + (0.5 if wants_amount and _AMOUNT.search(s) else 0.0)

    scored = [score(s) for s in sentences]
    best = max(scored)
    if best <= 0:
        return sentences[0]
    # every sentence nearly as relevant as the best one: 「有哪些奖励」 lists all the awards
    chosen = sorted(sorted(range(len(sentences)), key=lambda i: -scored[i])[:limit])
    chosen = [i for i in chosen if scored[i] >= 0.6 * best]
    if wants_amount:
        # 「实行定向云券政策…」 names the measure; the next sentence usually states the amount
        chosen = sorted(
            set(chosen)
            | {
                i + 1
                for i in chosen
                if i + 1 < len(sentences)
                and not _AMOUNT.search(sentences[i])
                and _AMOUNT.search(sentences[i + 1])
            }
        )
    return "……".join(_join_runs(sentences, chosen))


def _join_runs(sentences: list[str], chosen: list[int]) -> list[str]:
    """Adjacent chosen sentences are quoted together; gaps between them become 「……」."""
    runs: list[list[int]] = []
    for i in chosen:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return ["".join(sentences[i] for i in run) for run in runs]


def validity_window(policy: Policy) -> str:
    if policy.draft:
        return "征求意见稿，尚未正式施行"
    start = policy.effective_from or policy.issued
    if start and policy.expires:
        return f"自{cn_date(start)}起至{cn_date(policy.expires)}"
    if policy.expires:
        return f"有效期至{cn_date(policy.expires)}"
    if start:
        return f"自{cn_date(start)}起执行，文中未载明截止日期"
    return "文中未载明有效期"


def status_note(policy: Policy, status: Status) -> str:
    note = prompts.STATUS_NOTES.get(status, "")
    start = policy.effective_from or policy.issued
    if "{expires}" in note:
        return note.format(expires=cn_date(policy.expires)) if policy.expires else ""
    if "{effective}" in note:
        return note.format(effective=cn_date(start)) if start else ""
    return note


def make_citation(n: int, hit: Hit, status: Status) -> Citation:
    p = hit.policy
    return Citation(
        n=n,
        clause_id=hit.clause.id,
        policy_id=p.id,
        policy_title=p.title,
        doc_number=p.doc_number or None,
        region=p.region,
        clause_path=hit.clause.path,
        text=hit.clause.text,
        status=status,
    )


def compose(
    question: str,
    hits: list[Hit],
    statuses: dict[str, Status],
    as_of: date,
    preface: str = "",
    weight: Callable[[str], float] = lambda _t: 1.0,
    extra: list[str] | None = None,
) -> tuple[str, list[Citation]]:
    """Answer text quoting each hit, marked [n], with the citations it refers to."""
    citations = [make_citation(n, h, statuses[h.policy.id]) for n, h in enumerate(hits, start=1)]
    lines = [preface] if preface else []
    lines.append(prompts.ANSWER_INTRO)
    for c, hit in zip(citations, hits, strict=True):
        source = "，".join(x for x in (c.doc_number, c.region, STATUS_LABELS[c.status]) if x)
        quote = select_sentences(question, hit.clause.text, weight)
        line = f"· 《{c.policy_title}》（{source}）{c.clause_path}：“{quote}”[{c.n}]"
        note = status_note(hit.policy, c.status)
        lines.append(line + (f" {note}" if note else ""))
    if asks_validity(question):
        seen: set[str] = set()
        for c, hit in zip(citations, hits, strict=True):
            if hit.policy.id in seen:
                continue
            seen.add(hit.policy.id)
            lines.append(
                prompts.VALIDITY_LINE.format(
                    title=c.policy_title,
                    window=validity_window(hit.policy),
                    as_of=cn_date(as_of),
                    label=STATUS_LABELS[c.status],
                )
                + f"[{c.n}]"
            )
    lines += extra or []
    lines.append(prompts.DISCLAIMER)
    return "\n".join(lines), citations
