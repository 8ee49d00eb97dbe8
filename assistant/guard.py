"""The number guard: every number in an answer must come from a cited clause, the cited policies'
metadata (dates, 文号) or a calculator result. Units are normalised first (640000元 = 64万元)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from assistant.records import Answer, Policy

log = logging.getLogger(__name__)

_NUMBER = re.compile(
    r"(?<![A-Za-z\d.])(\d[\d,]*(?:\.\d+)?)\s*(亿元|万元|亿|万|元|%|％)?"
    r"|([零一二两三四五六七八九十百千]+)\s*(亿元|万元|亿|万)"
)
_CN = "零一二两三四五六七八九"


@dataclass(frozen=True)
class Number:
    raw: str
    value: float
    percent: bool


def _cn_value(text: str) -> float:
    import cn2an

    return float(cn2an.cn2an(text, "smart"))


def numbers_in(text: str) -> list[Number]:
    """Numbers in a text with their unit applied (「64万元」→640000, 「8%」→8 percent)."""
    text = re.sub(r"\[\d+\]", "", text)  # citation markers are not claims
    out = []
    for m in _NUMBER.finditer(text):
        if m.group(1):
            value, unit = float(m.group(1).replace(",", "")), m.group(2) or ""
        else:
            try:
                value, unit = _cn_value(m.group(3)), m.group(4)
            except (ValueError, KeyError):
                continue
        value *= 1e8 if unit.startswith("亿") else 1e4 if unit.startswith("万") else 1.0
        out.append(Number(m.group(0).strip(), round(value, 2), unit in ("%", "％")))
    return out


def _date_texts(d: date | None) -> list[str]:
    return [f"{d.year}年{d.month}月{d.day}日", d.isoformat()] if d else []


def provenance(
    answer: Answer, policies: Iterable[Policy], as_of: date | None = None
) -> set[tuple[float, bool]]:
    """The numbers an answer may state: from its citations, calculations and cited policies' metadata."""
    texts = [c.text for c in answer.citations] + [c.clause_path for c in answer.citations]
    for calc in answer.calculations:
        texts.append(calc.formula)
        texts += [str(v) for v in calc.inputs.values() if v is not None]
        texts += [str(v) for v in (calc.min_yuan, calc.max_yuan) if v is not None]
    for p in policies:
        texts += [p.doc_number, p.title]
        for d in (p.issued, p.effective_from, p.expires):
            texts += _date_texts(d)
    texts += _date_texts(as_of)
    if answer.refused:
        texts.append(answer.question)  # 「未找到文号为〔2019〕88号的政策」 echoes the asker's own 文号
    return {(n.value, n.percent) for t in texts for n in numbers_in(t)} | {(0.0, False)}


def unsupported_numbers(text: str, allowed: set[tuple[float, bool]]) -> list[str]:
    """Numbers in ``text`` whose value appears nowhere in ``allowed``."""
    return [n.raw for n in numbers_in(text) if (n.value, n.percent) not in allowed]


def guard(
    candidate: str, grounded: Answer, policies: Iterable[Policy], as_of: date | None = None
) -> tuple[str, list[str]]:
    """``candidate`` if all its numbers have provenance in ``grounded``'s sources, else the grounded text.

    Returns the text to show and the offending numbers (logged; empty when the candidate passed).
    """
    bad = unsupported_numbers(candidate, provenance(grounded, policies, as_of))
    if bad:
        log.warning("number guard replaced an answer: unsupported numbers %s", bad)
        return grounded.answer, bad
    return candidate, []
