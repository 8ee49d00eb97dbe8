"""Chinese money amounts: parse 「3000万元」「1.2亿」「五百万」「2,000,000元」 to yuan, and format yuan back."""

from __future__ import annotations

import re
from dataclasses import dataclass

import cn2an

MAX_YUAN = 1e13  # 10万亿元: anything above is not a real project figure

_CN_NUM = "零〇一二两三四五六七八九十百千万亿"
# a number (Arabic with separators/decimals, or Chinese numerals) followed by an optional unit
AMOUNT = re.compile(
    rf"(?P<sign>[-－负])?(?P<num>\d[\d,，]*(?:\.\d+)?|[{_CN_NUM}]+)\s*(?P<unit>亿元|万元|千万|百万|亿|万|元|块钱|块)?"
)
_MULT = {
    "亿元": 1e8,
    "亿": 1e8,
    "万元": 1e4,
    "万": 1e4,
    "千万": 1e7,
    "百万": 1e6,
    "元": 1.0,
    "块钱": 1.0,
    "块": 1.0,
}
# units that mark a number as something other than money
NON_MONEY_UNIT = re.compile(
    r"^\s*(?:台|套|个|家|次|人|名|项|年|月|日|天|件|吨|平方米|平米|平|亩|星|级|%|％|倍|条|户|元/|版|号|届|期|批|层"
    r"|米|度|千瓦|〕|\]|］)"
)
# words that make a bare year-like number (「设备购置额2020」) an amount after all
_MONEY_CONTEXT = re.compile(r"费|投入|投资|金额|贷款|购置|销售|价格|合同|营收|收入|额")


class AmountError(ValueError):
    """A figure that cannot be used as an amount of money; the message says why, in Chinese."""


def parse_amount(text: str) -> float:
    """One amount → yuan. 「800万元」→8e6, 「1.2亿」→1.2e8, 「五百万」→5e6, 「2,000,000元」→2e6."""
    m = AMOUNT.fullmatch(text.strip())
    if not m or not m.group("num"):
        raise AmountError(f"无法识别金额「{text}」")
    return _to_yuan(m)


def _to_yuan(m: re.Match[str]) -> float:
    num, unit = m.group("num"), m.group("unit") or ""
    if num[0].isdigit():
        value = float(num.replace(",", "").replace("，", ""))
    else:
        try:
            value = float(cn2an.cn2an(num, "smart"))
        except (ValueError, KeyError):
            raise AmountError(f"无法识别金额「{m.group(0)}」") from None
    value *= _MULT.get(unit, 1.0)
    return -value if m.group("sign") else value


@dataclass(frozen=True)
class Figure:
    """A money figure found in a question, with the words just before it (what it is)."""

    yuan: float
    text: str
    context: str
    start: int


@dataclass(frozen=True)
class NonMoney:
    text: str  # 「800台」: a number whose unit is not money


def find_figures(question: str) -> tuple[list[Figure], list[NonMoney]]:
    """Money figures in a question (with their context), and numbers that carry a non-money unit."""
    figures: list[Figure] = []
    others: list[NonMoney] = []
    for m in AMOUNT.finditer(question):
        num, unit = m.group("num"), m.group("unit")
        before, after = question[max(0, m.start() - 10) : m.start()], question[m.end() :]
        if re.search(r"[A-Za-z]$", before) or re.match(r"[A-Za-z]", after):
            continue  # L4, 5G, IPv6
        if not num[0].isdigit():
            if not (unit or re.search("[万亿]", num)):
                continue  # 三星级, 一次性, 前十: Chinese numerals that are not amounts
        elif not unit:
            if NON_MONEY_UNIT.match(after):
                unit_m = re.match(r"\s*(?:台|套|个|件|吨|亩|平方米|平米)", after)
                if unit_m:
                    others.append(NonMoney(question[m.start() : m.end() + unit_m.end()].strip()))
                continue
            value = float(num.replace(",", "").replace("，", ""))
            if value < 1000:
                continue  # 「第3条」: a small bare number is not money
            if re.fullmatch(r"(?:19|20)\d\d", num.rstrip(",，")) and not _MONEY_CONTEXT.search(before):
                continue  # 「成立于2015的企业」「2021版政策」: a year, not an amount
        try:
            yuan = _to_yuan(m)
        except AmountError:
            continue
        figures.append(Figure(yuan, m.group(0).strip(), before, m.start()))
    return figures, others


def check_amount(yuan: float) -> None:
    """Reject figures no calculation should use."""
    if yuan <= 0:
        raise AmountError("金额须为正数，请检查您提供的数字。")
    if yuan > MAX_YUAN:
        raise AmountError("金额超出合理范围（超过10万亿元），请检查单位是否有误。")


def format_yuan(yuan: float) -> str:
    """640000 → 「64万元」, 125000 → 「12.5万元」, 8000 → 「8000元」, 1.5e8 → 「15000万元」."""
    if abs(yuan) >= 1e4:
        return f"{_trim(yuan / 1e4)}万元"
    return f"{_trim(yuan)}元"


def format_rate(rate: float) -> str:
    return f"{_trim(rate * 100)}%"


def _trim(value: float) -> str:
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"
