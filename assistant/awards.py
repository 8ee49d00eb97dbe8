"""Award rules read from clause text, and the deterministic calculator over them.

Extraction parses the Chinese patterns of subsidy clauses into ``AwardRule`` records:

- fixed 「给予一次性奖补60万元」, cap only 「给予最高500万元的奖励」, floor only 「不低于100万元的奖励」;
- a share of a base 「按照项目设备购置额的8%给予奖补，最高100万元」 (also 贷款贴息 「每年最高…200万元」);
- an upper-bound share 「按照不超过合同额10%的比例…，最高100万元」 (minimum 0) and a lower-bound one
  「按照不低于项目贷款额的1%」 (no maximum);
- a rate range 「销售价格15%～30%给予不低于40万元…，最高不超过1000万元」;
- tiers by level/star/item 「L3、L4、L5…分别给予25万元、35万元、50万元」, 「分别给予不高于1万、5万、10万」,
  shares by tier 「分别给予上云费用30%、40%、50%的补贴」, and unnamed options 「给予3万、5万的一次性补贴」.

``calculate`` never guesses: a rule that needs a base gets one from the user or reports what is missing.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from assistant.amounts import AmountError, check_amount, format_rate, format_yuan
from assistant.records import Clause

Kind = Literal[
    "fixed", "cap", "floor", "share", "share_upto", "share_atleast", "range_share", "tiers", "tiers_share"
]

_NUM = r"\d+(?:\.\d+)?"
_YUAN = rf"({_NUM})\s*(亿|万)?元?"
_AWARD_VERB = re.compile(r"给予|予以|补贴最高|奖补|补助|资金支持")
_HAS_VALUE = re.compile(rf"{_NUM}\s*(?:万|亿|元|%)")
_CONTINUATION = re.compile(r"^(?:最高|单个|支持金额|支持额度|每年最高)")
_SENTENCE = re.compile(r"[^。；]+[。；]?")


class AwardRule(BaseModel):
    """One award a clause grants, in numbers."""

    id: str = Field(description="<clause_id>#<n>")
    clause_id: str
    policy_id: str
    kind: Kind
    text: str = Field(description="the part of the clause the rule was read from")
    subject: str = Field(description="who or what is rewarded")
    base: str | None = Field(default=None, description="what a share is taken of, in the clause's words")
    rate: float | None = None
    rate_max: float | None = None
    amount_yuan: float | None = None
    cap_yuan: float | None = None
    floor_yuan: float | None = None
    levels: list[str] = Field(default_factory=list, description="tier names (L3, 三星级, 省级智能工厂…)")
    tier_values: list[float] = Field(default_factory=list, description="yuan per tier, or a rate per tier")
    upto: bool = Field(default=False, description="不高于/不超过: the minimum is 0")
    one_off: bool = False
    scope: str | None = Field(default=None, description="单个项目 / 单个企业每年 / 每个 …")
    conditions: list[str] = Field(default_factory=list)

    @property
    def needs_base(self) -> bool:
        return self.kind in {"share", "share_upto", "share_atleast", "range_share", "tiers_share"}


class AwardResult(BaseModel):
    rule_id: str
    clause_id: str
    policy_id: str
    inputs: dict[str, float | str | None]
    min_yuan: float
    max_yuan: float | None = Field(description="None: the clause sets no upper limit")
    formula: str
    caveats: list[str] = Field(default_factory=list)


class CalculationError(ValueError):
    """The calculation cannot be made as asked; the message (Chinese) says what is missing or wrong."""


# ---------------------------------------------------------------- extraction


def _yuan(num: str, unit: str | None) -> float:
    return float(num) * {"亿": 1e8, "万": 1e4}.get(unit or "", 1.0)


def award_segments(sentence: str) -> list[str]:
    """Split a sentence into the parts that each grant one award (「…，最高100万元」 stays attached)."""
    groups: list[str] = []
    current, closed = "", False
    for piece in re.split(r"(?<=[，；])", sentence):
        if closed and _CONTINUATION.match(piece.strip("，；。 ")):
            groups[-1] += piece
            continue
        if closed:
            current, closed = "", False
        current += piece
        if _AWARD_VERB.search(current) and _HAS_VALUE.search(piece):
            groups.append(current)
            closed = True
    return groups


def _subject(segment: str) -> str:
    """Who is rewarded: the words between 「对」 and the award verb (「按…的r%」 trimmed off)."""
    verb = re.search(r"分别给予|一次性给予|给予|予以|补贴最高", segment)
    pre = segment[: verb.start()] if verb else segment
    for lead in ("对于", "对"):
        if lead in pre:
            pre = pre[pre.index(lead) + len(lead) :]
            break
    pre = re.sub(r"[，,]?(?:市级财政)?按照?[^，]*$", "", pre)
    return pre.strip("，；。 的")


def _conditions(subject: str) -> list[str]:
    parts = re.split(r"[、，]", subject)
    keep = re.compile(r"超\d|以上|不少于|前十|认定|获评|通过|入选|命名|完成|评选|建成|考核")
    return [p.strip("的 ") for p in parts if keep.search(p)]


def _caps(segment: str) -> tuple[float | None, float | None]:
    cap = re.search(rf"(?:最高(?:奖励额度)?(?:不超过)?|不超过|不高于){_YUAN}(?!\s*%)", segment)
    floor = re.search(rf"不低于{_YUAN}(?!\s*%)", segment)
    return (_yuan(*cap.groups()) if cap else None, _yuan(*floor.groups()) if floor else None)


def _levels(subject: str, count: int) -> list[str]:
    named = re.findall(r"L\d", subject) or re.findall(r"[一二三四五]星级", subject)
    if len(named) == count:
        return named
    items = [re.sub(r"^.*的", "", x).strip() for x in re.split(r"、|和", subject)]
    if len(items) == count and all(items):
        return items
    return [f"第{i}档" for i in range(1, count + 1)]


def parse_segment(segment: str) -> dict | None:
    """The numbers of one award segment, or None if it states none."""
    s = segment.replace("％", "%")
    cap, floor = _caps(s)
    base_words = r"([^，。；%\d]*?)的?"
    m = re.search(rf"({_NUM})%[～~至到\-－]({_NUM})%", s)
    if m:
        b = re.search(rf"按(?:照)?{base_words}{_NUM}%[～~至到\-－]", s)
        return dict(
            kind="range_share",
            base=_clean_base(b.group(1)) if b else None,
            rate=float(m.group(1)) / 100,
            rate_max=float(m.group(2)) / 100,
            cap_yuan=cap,
            floor_yuan=floor,
        )
    m = re.search(rf"分别给予([^，。；\d]*?)({_NUM}%(?:、{_NUM}%)+)", s)
    if m:
        rates = [float(x) / 100 for x in re.findall(_NUM, m.group(2))]
        return dict(kind="tiers_share", base=_clean_base(m.group(1)), tier_values=rates, cap_yuan=cap)
    m = re.search(rf"(?:按(?:照)?)?(不超过|不低于){base_words}({_NUM})%", s)
    if m:
        kind = "share_upto" if m.group(1) == "不超过" else "share_atleast"
        return dict(
            kind=kind,
            base=_clean_base(m.group(2)),
            rate=float(m.group(3)) / 100,
            cap_yuan=cap,
            floor_yuan=floor if kind == "share_upto" else None,
        )
    m = re.search(rf"按(?:照)?{base_words}({_NUM})%", s)
    if m:
        return dict(
            kind="share",
            base=_clean_base(m.group(1)),
            rate=float(m.group(2)) / 100,
            cap_yuan=cap,
            floor_yuan=floor,
        )
    m = re.search(rf"给予(不高于|不超过)?((?:{_NUM}\s*(?:万|亿)?元?、)+{_NUM}\s*(?:万|亿)?元?)", s)
    if m:
        values = [_yuan(n, u) for n, u in re.findall(rf"({_NUM})\s*(亿|万)?", m.group(2))]
        return dict(kind="tiers", tier_values=values, upto=bool(m.group(1)))
    m = re.search(rf"给予[^，。；\d]*?(?<!最高)(?<!不超过)(?<!不低于){_YUAN}", s)
    if m and not re.search(r"最高|不超过|不低于", s[: m.end()]):
        return dict(kind="fixed", amount_yuan=_yuan(m.group(1), m.group(2)))
    if cap is not None:
        return dict(kind="cap", cap_yuan=cap)
    if floor is not None:
        return dict(kind="floor", floor_yuan=floor)
    return None


def _clean_base(words: str | None) -> str | None:
    if not words:
        return None
    words = re.sub(r"^(?:产品)?", "", words.strip("，的 "))
    return words or None


def _scope(segment: str) -> str | None:
    m = re.search(r"(单个[^\d，。；最高不]*?(?:每年)?)(?=最高|不超过|奖励|补贴|支持)|/个", segment)
    if not m:
        return "每年" if re.search(r"每年最高", segment) else None
    return "每个" if m.group(0) == "/个" else m.group(1)


def extract_rules(clause: Clause) -> list[AwardRule]:
    """Every award rule in one clause, in text order."""
    rules: list[AwardRule] = []
    for sentence in _SENTENCE.findall(clause.text.replace("\n", "")):
        for segment in award_segments(sentence):
            parsed = parse_segment(segment)
            if parsed is None:
                continue
            subject = _subject(segment)
            conditions = _conditions(subject)
            if parsed["kind"] in {"tiers", "tiers_share"}:
                parsed["levels"] = _levels(subject, len(parsed["tier_values"]))
                conditions = [subject] if conditions else []  # the level list is not a condition
            rules.append(
                AwardRule(
                    id=f"{clause.id}#{len(rules) + 1}",
                    clause_id=clause.id,
                    policy_id=clause.policy_id,
                    text=segment.strip("，；"),
                    subject=subject,
                    one_off="一次性" in segment,
                    scope=_scope(segment),
                    conditions=conditions,
                    **parsed,
                )
            )
    return rules


# ---------------------------------------------------------------- calculation


def match_level(rule: AwardRule, text: str) -> str | None:
    """The tier a question names: L4, 四星/4星, or an item such as 数字化车间."""
    if not rule.levels:
        return None
    m = re.search(r"[Ll]\s*(\d)", text)
    if m and f"L{m.group(1)}" in rule.levels:
        return f"L{m.group(1)}"
    m = re.search(r"([一二三四五1-5])\s*星", text)
    if m:
        star = "一二三四五"["12345".index(m.group(1))] if m.group(1).isdigit() else m.group(1)
        if f"{star}星级" in rule.levels:
            return f"{star}星级"
    scored = [
        (sum(len(w) for w in re.findall(r"[\u4e00-\u9fff]{2,}", lv) if w in text), lv) for lv in rule.levels
    ]
    best = max(scored, default=(0, None))
    ties = [lv for s, lv in scored if s == best[0]]
    return best[1] if best[0] > 0 and len(ties) == 1 else None


def calculate(rule: AwardRule, base_yuan: float | None = None, level: str | None = None) -> AwardResult:
    """The award range under ``rule`` for a base figure and/or level (raises CalculationError)."""
    if base_yuan is not None:
        try:
            check_amount(base_yuan)
        except AmountError as exc:
            raise CalculationError(str(exc)) from None
    if rule.needs_base and base_yuan is None:
        raise CalculationError(f"需要提供{rule.base or '计算基数'}才能计算。")
    if level is not None and rule.levels and level not in rule.levels:
        raise CalculationError(f"条款未列出“{level}”这一档，可选：{'、'.join(rule.levels)}。")
    lo, hi, formula = _compute(rule, base_yuan, level)
    inputs: dict[str, float | str | None] = {"base_yuan": base_yuan, "base": rule.base, "level": level}
    return AwardResult(
        rule_id=rule.id,
        clause_id=rule.clause_id,
        policy_id=rule.policy_id,
        inputs={k: v for k, v in inputs.items() if v is not None},
        min_yuan=round(lo, 2),
        max_yuan=None if hi is None else round(hi, 2),
        formula=formula,
        caveats=_caveats(rule),
    )


def _clamp(value: float, floor: float | None, cap: float | None) -> float:
    if floor is not None:
        value = max(value, floor)
    if cap is not None:
        value = min(value, cap)
    return value


def _limits_text(raw: float, rule: AwardRule) -> str:
    parts = []
    if rule.floor_yuan is not None:
        parts.append(
            f"低于下限{format_yuan(rule.floor_yuan)}，按下限计"
            if raw < rule.floor_yuan
            else f"不低于下限{format_yuan(rule.floor_yuan)}"
        )
    if rule.cap_yuan is not None:
        parts.append(
            f"超过上限{format_yuan(rule.cap_yuan)}，按上限计"
            if raw > rule.cap_yuan
            else f"未超过上限{format_yuan(rule.cap_yuan)}"
        )
    return ("，" + "，".join(parts)) if parts else ""


def _compute(rule: AwardRule, base: float | None, level: str | None) -> tuple[float, float | None, str]:
    k = rule.kind
    if k == "fixed":
        return rule.amount_yuan or 0.0, rule.amount_yuan, f"定额{format_yuan(rule.amount_yuan or 0)}"
    if k == "cap":
        return 0.0, rule.cap_yuan, f"最高{format_yuan(rule.cap_yuan or 0)}（按评审结果核定，不超过该额度）"
    if k == "floor":
        return rule.floor_yuan or 0.0, None, f"不低于{format_yuan(rule.floor_yuan or 0)}（条款未设上限）"
    assert base is not None or k in {"tiers", "tiers_share"}
    if k in {"share", "share_upto", "share_atleast"}:
        raw = (base or 0) * (rule.rate or 0)
        head = f"{format_yuan(base or 0)} × {format_rate(rule.rate or 0)} = {format_yuan(raw)}"
        if k == "share":
            value = _clamp(raw, rule.floor_yuan, rule.cap_yuan)
            return value, value, head + _limits_text(raw, rule)
        if k == "share_upto":
            value = _clamp(raw, None, rule.cap_yuan)
            return 0.0, value, f"不超过 {head}{_limits_text(raw, rule)}，即0～{format_yuan(value)}"
        return raw, None, f"不低于 {head}（条款未设上限）"
    if k == "range_share":
        lo_raw, hi_raw = (base or 0) * (rule.rate or 0), (base or 0) * (rule.rate_max or 0)
        lo, hi = (
            _clamp(lo_raw, rule.floor_yuan, rule.cap_yuan),
            _clamp(hi_raw, rule.floor_yuan, rule.cap_yuan),
        )
        head = (
            f"{format_yuan(base or 0)} × {format_rate(rule.rate or 0)}～{format_rate(rule.rate_max or 0)}"
            f" = {format_yuan(lo_raw)}～{format_yuan(hi_raw)}"
        )
        limits = []
        if rule.floor_yuan is not None:
            limits.append(f"不低于{format_yuan(rule.floor_yuan)}")
        if rule.cap_yuan is not None:
            limits.append(f"最高{format_yuan(rule.cap_yuan)}")
        return lo, hi, f"{head}，按{'、'.join(limits)}调整后为{format_yuan(lo)}～{format_yuan(hi)}"
    return _tiers(rule, base, level)


def _tiers(rule: AwardRule, base: float | None, level: str | None) -> tuple[float, float | None, str]:
    if rule.kind == "tiers_share":
        if base is None:
            raise CalculationError(f"需要提供{rule.base or '计算基数'}才能计算。")
        values = [base * r for r in rule.tier_values]
        shown = [
            f"{lv}：{format_yuan(base)} × {format_rate(r)} = {format_yuan(v)}"
            for lv, r, v in zip(rule.levels, rule.tier_values, values, strict=True)
        ]
    else:
        values = list(rule.tier_values)
        shown = [
            f"{lv}：{'不高于' if rule.upto else ''}{format_yuan(v)}"
            for lv, v in zip(rule.levels, values, strict=True)
        ]
    if level is not None:
        i = rule.levels.index(level)
        return (0.0 if rule.upto else values[i]), values[i], shown[i]
    return (0.0 if rule.upto else min(values)), max(values), "；".join(shown) + "（未说明等级，列出各档）"


def _caveats(rule: AwardRule) -> list[str]:
    notes = []
    if rule.kind in {"cap", "share_upto"} or rule.upto or rule.cap_yuan is not None:
        notes.append("“最高”“不超过”是上限，不是承诺金额，实际以评审核定为准。")
    if rule.conditions:
        notes.append("需符合条款所列条件：" + "；".join(rule.conditions) + "。")
    if rule.scope:
        notes.append(f"适用范围：{rule.scope}。")
    return notes
