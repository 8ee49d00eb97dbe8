"""Routing from a question to the calculator: which rule of a cited clause, which figure, which level."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.amounts import AmountError, Figure, check_amount, find_figures
from assistant.awards import AwardResult, AwardRule, CalculationError, calculate, match_level
from assistant.tokenize import content_terms

# category: (words in a rule's base, words people use for it), in order of precedence
BASES: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("rnd", ("研发投资",), ("研发",)),
    ("cloud", ("上云",), ("上云", "云")),
    ("loan", ("贷款",), ("贷款", "借款", "贷了", "贷")),
    ("equipment", ("设备购置",), ("设备", "购置", "技改")),
    ("price", ("销售价格",), ("售价", "单价", "销售价格", "卖", "价格")),
    ("sales", ("销售总额",), ("销售总额", "销售额", "销售收入")),
    ("revenue", ("营业收入",), ("营业收入", "营收", "收入")),
    ("contract", ("合同额",), ("合同",)),
    ("investment", ("投资",), ("总投资", "投资", "投了")),
    ("cost", ("投入", "费用"), ("费用", "投入", "花了", "花费", "支出")),
]
_COMPATIBLE = [{"price", "sales"}, {"investment", "cost", "rnd"}, {"cloud", "cost"}]
# 「补贴是8888万元」「已获奖励300万元」: the award the user claims or got, never a base to compute one from
_AWARD_CLAIM = re.compile(r"(?:补贴|补助|奖励|奖补|资助|扶持)(?:资金|金额)?(?:是|为|有|了|共|达|就是)?\s*$")


def base_category(words: str | None, user: bool = False) -> str | None:
    if not words:
        return None
    for name, rule_words, user_words in BASES:
        if any(w in words for w in (user_words if user else rule_words)):
            return name
    return None


def compatible(rule_cat: str | None, figure_cat: str | None) -> bool:
    if figure_cat is None or rule_cat is None or rule_cat == figure_cat:
        return True
    return any(rule_cat in group and figure_cat in group for group in _COMPATIBLE)


@dataclass
class Plan:
    results: list[tuple[int, AwardResult]] = field(default_factory=list)  # (citation n, result)
    notes: list[str] = field(default_factory=list)


def _pick_figure(rule: AwardRule, figures: list[Figure]) -> Figure | None:
    cat = base_category(rule.base)
    labelled = [f for f in figures if base_category(f.context, user=True) == cat]
    if labelled:
        return labelled[0]
    loose = [
        f
        for f in figures
        if compatible(cat, base_category(f.context, user=True)) and not _AWARD_CLAIM.search(f.context)
    ]
    return loose[0] if len(figures) == 1 and loose else None


def _score(rule: AwardRule, question: str, figures: list[Figure], weight: Callable[[str], float]) -> float:
    terms = content_terms(question)
    total = sum(weight(t) for t in terms) or 1.0
    score = sum(weight(t) for t in terms if t in rule.text) / total
    if rule.needs_base and _pick_figure(rule, figures):
        score += 2.0
    if rule.levels and match_level(rule, question):
        score += 2.0
    return score


# beneficiaries that are not the asking firm: a platform's or service provider's award is no answer to
# 「我们企业上云补贴多少」 (宿州: 上云企业 up to 30万, 优秀平台及云服务商 up to 50万, in one clause)
_PROVIDERS = re.compile(r"平台|服务商|服务机构|云服务|安全服务|服务企业|为企业服务")
_PROVIDER_SUBJECT = re.compile(r"(?:平台|服务商|服务机构)$")  # the head noun: 「…贷款的企业」 is a firm


def _for_others(rule: AwardRule, question: str) -> bool:
    return bool(rule.subject and _PROVIDER_SUBJECT.search(rule.subject) and not _PROVIDERS.search(question))


def plan(
    question: str,
    cited: list[tuple[int, list[AwardRule]]],
    weight: Callable[[str], float] = lambda _t: 1.0,
    always: set[int] | None = None,
) -> Plan:
    """Calculations for the rules of the cited clauses that the question is about.

    ``always``: citations computed even when less relevant than the first (the same measure in a
    policy that replaced, or was replaced by, another cited one).
    """
    figures, non_money = find_figures(question)
    out = Plan()
    for fig in figures:
        try:
            check_amount(fig.yuan)
        except AmountError as exc:
            out.notes.append(f"您提供的金额无法用于计算：{exc}")
            return out
    scored_clauses = []
    for n, all_rules in cited:
        rules = [r for r in all_rules if not _for_others(r, question)]
        scores = [_score(r, question, figures, weight) for r in rules]
        if scores:
            scored_clauses.append((n, rules, scores))
    if not scored_clauses:
        return out
    lead = max(scored_clauses[0][2])
    for n, rules, scores in scored_clauses:
        best = max(scores)
        if n != scored_clauses[0][0] and best < 0.6 * lead and n not in (always or set()):
            continue  # a clause cited for context, not one the question is about
        # rules nearly as relevant as the best (the city and county 贴息 of one clause) are all computed
        chosen = [r for r, s in zip(rules, scores, strict=True) if s >= best - 0.3][:3]
        for rule in chosen:
            _run(rule, n, question, figures, non_money, out)
    return out


def _run(rule: AwardRule, n: int, question: str, figures: list[Figure], non_money, out: Plan) -> None:
    level = match_level(rule, question) if rule.levels else None
    figure = _pick_figure(rule, figures) if rule.needs_base else None
    if rule.needs_base and figure is None:
        if non_money:
            out.notes.append(f"您给出的是数量（如台、套、个），不是金额，无法据此计算[{n}]。")
        out.notes.append(f"按该条款测算需提供{rule.base or '计算基数'}的金额（元或万元）[{n}]。")
        return
    try:
        result = calculate(rule, figure.yuan if figure else None, level)
    except CalculationError as exc:
        out.notes.append(f"{exc}[{n}]")
        return
    out.results.append((n, result))
