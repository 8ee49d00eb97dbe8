"""Model Context Protocol server: the assistant's tools for MCP clients (stdio, and streamable HTTP at /mcp/).

Tools: ``search_policies``, ``calculate_award``, ``list_policies``, ``ask``. Every amount comes from
the calculator; every clause carries its policy, 文号, path and validity status.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from mcp.server.mcpserver import MCPServer

from assistant.chain import AnswerChain
from assistant.places import detect_places
from assistant.records import STATUS_LABELS
from assistant.tools import calculator_tool


def _day(as_of: str | None, default: date) -> date:
    return date.fromisoformat(as_of) if as_of else default


def build_mcp(chain: AnswerChain) -> MCPServer:
    assistant = chain.assistant
    server = MCPServer(
        name="policy-assistant",
        title="政策助手 Policy assistant",
        instructions="查询工业互联网扶持政策条款、计算奖补金额。Search industrial-internet support policy clauses "
        "(Jiangsu/Suzhou, Anhui/Suzhou 宿州, Lu'an) and compute award amounts deterministically.",
    )
    calculator = calculator_tool(assistant.index.rules)

    @server.tool(
        description="按问题检索政策条款（可限定地区、有效期日期）。Search policy clauses for a query, optionally "
        "limited to a region (苏州/宿州/六安/江苏省…) and judged valid as of a date (YYYY-MM-DD)."
    )
    def search_policies(
        query: str, region: str | None = None, as_of: str | None = None, limit: int = 5
    ) -> list[dict]:
        day = _day(as_of, assistant.settings.today())
        text = f"{region or ''}{query}"
        hits = assistant.retrieve(
            text, detect_places(text, assistant.index.policies.values()), k=max(1, min(limit, 20))
        )
        statuses = assistant.statuses(day)
        out = []
        for h in hits:
            status = statuses[h.policy.id]
            out.append(
                {
                    "clause_id": h.clause.id,
                    "policy_id": h.policy.id,
                    "policy_title": h.policy.title,
                    "doc_number": h.policy.doc_number or None,
                    "region": h.policy.region,
                    "clause_path": h.clause.path,
                    "status": status,
                    "status_label": STATUS_LABELS[status],
                    "text": h.clause.text,
                    "award_rules": len(assistant.index.rules.get(h.clause.id, [])),
                }
            )
        return out

    @server.tool(
        description="按条款计算奖补金额（元）：clause_id 来自 search_policies；base_yuan 为计算基数（元）；level 为等级"
        "（如 L4、四星级）。Compute the award range in yuan under a clause's rules; never state amounts it did not return."
    )
    def calculate_award(
        clause_id: str, base_yuan: float | None = None, level: str | None = None
    ) -> dict[str, Any]:
        return calculator.invoke({"clause_id": clause_id, "base_yuan": base_yuan, "level": level})

    @server.tool(
        description="列出政策库中的全部政策及其有效状态。List every policy in the library with its status as of a date."
    )
    def list_policies(as_of: str | None = None) -> list[dict]:
        day = _day(as_of, assistant.settings.today())
        statuses = assistant.statuses(day)
        out = []
        for p in assistant.index.policies.values():
            status = statuses[p.id]
            out.append(
                {
                    "id": p.id,
                    "title": p.title,
                    "doc_number": p.doc_number or None,
                    "region": p.region,
                    "expires": p.expires.isoformat() if p.expires else None,
                    "status": status,
                    "status_label": STATUS_LABELS[status],
                }
            )
        return out

    @server.tool(
        description="回答一个政策问题，返回带引用条款和计算结果的完整答复。Answer a policy question: the answer "
        "contract with cited clauses, calculations and a refusal flag."
    )
    def ask(question: str) -> dict:
        return chain.ask(question).model_dump(mode="json")

    return server


def run_stdio() -> None:
    """``python -m assistant mcp``: the tools over stdio, grounded answers (no chat model needed)."""
    from assistant.app import Assistant
    from assistant.settings import Settings

    build_mcp(AnswerChain(Assistant(Settings()))).run("stdio")
