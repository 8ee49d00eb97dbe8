"""LangChain tools over the calculator, so a tool-calling chat model can compute amounts itself."""

from __future__ import annotations

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from assistant.awards import AwardRule, CalculationError, calculate, match_level


class CalculateAwardArgs(BaseModel):
    clause_id: str = Field(description="条款ID，如 suzhou-anhui-2021/p1/二/¶1 (a cited clause's clause_id)")
    base_yuan: float | None = Field(default=None, description="计算基数（元），如设备购置额、贷款额 (yuan)")
    level: str | None = Field(default=None, description="等级或档次，如 L4、四星级、数字化车间 (tier)")


def calculator_tool(rules_by_clause: dict[str, list[AwardRule]]) -> StructuredTool:
    """``calculate_award``: the award ranges under every rule of one clause, for a base and/or level."""

    def calculate_award(clause_id: str, base_yuan: float | None = None, level: str | None = None) -> dict:
        rules = rules_by_clause.get(clause_id)
        if not rules:
            return {"error": f"条款{clause_id}没有可计算的奖补规则"}
        results, errors = [], []
        for rule in rules:
            tier = match_level(rule, level) if (level and rule.levels) else None
            if rule.needs_base and base_yuan is None:
                errors.append(f"{rule.id}: 需要提供{rule.base}")
                continue
            try:
                results.append(calculate(rule, base_yuan if rule.needs_base else None, tier).model_dump())
            except CalculationError as exc:
                errors.append(f"{rule.id}: {exc}")
        return {"results": results, "errors": errors}

    return StructuredTool.from_function(
        func=calculate_award,
        name="calculate_award",
        description="按政策条款计算奖补金额（元）。Compute the award range in yuan under a clause's rules; "
        "never state an amount that this tool did not return.",
        args_schema=CalculateAwardArgs,
    )
