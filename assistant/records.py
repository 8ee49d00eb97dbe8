"""Typed records that flow through the pipeline: Policy → Clause → Citation → Answer."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["in_force", "expiring", "expired", "repealed", "draft", "not_yet", "unknown"]

STATUS_LABELS: dict[str, str] = {
    "in_force": "现行有效",
    "expiring": "即将失效",  # in force, but its last day is near (settings.expiring_days)
    "expired": "已失效",
    "repealed": "已废止",  # wholly replaced by a policy in force (its ``repeals``)
    "draft": "征求意见稿",
    "not_yet": "尚未生效",
    "unknown": "效力未知",
}
IN_FORCE: frozenset[str] = frozenset({"in_force", "expiring"})


class Policy(BaseModel):
    """One policy document's metadata record (``corpus/<id>.toml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="stable slug, also the file stem")
    title: str = Field(min_length=2)
    issuer: str = Field(min_length=2)
    province: str = Field(min_length=2, description="e.g. 江苏省")
    city: str | None = Field(default=None, description="e.g. 苏州市; None for a province-wide policy")
    doc_number: str = Field(
        default="", description="文号, e.g. 苏府〔2020〕120号; empty when none is printed"
    )
    issued: date | None = None
    effective_from: date | None = None
    expires: date | None = Field(default=None, description="last day in force")
    draft: bool = False
    supersedes: list[str] = Field(
        default_factory=list,
        description="ids this policy replaces where they conflict (「不一致的，按本通知执行」)",
    )
    repeals: list[str] = Field(
        default_factory=list,
        description="ids this policy replaces wholly, from its effective date (「同时废止」)",
    )
    source: str = ""
    parts: list[str] = Field(
        default_factory=list, description="titles of the documents bundled in one file, in order"
    )

    @property
    def region(self) -> str:
        return f"{self.province}{self.city or ''}"


class Clause(BaseModel):
    """One chunk: a numbered clause (or preamble / closing provisions) of a policy."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="stable id: <policy_id>/<marker>/<marker>…")
    policy_id: str
    path: str = Field(description="heading path, e.g. 二、工作举措 > （四）着力推动中小企业上云用平台")
    text: str = Field(description="the whole clause text, cleaned")
    order: int = Field(description="position within the policy")


class Citation(BaseModel):
    n: int
    clause_id: str
    policy_id: str
    policy_title: str
    doc_number: str | None
    region: str
    clause_path: str
    text: str
    status: Status


class Calculation(BaseModel):
    """A calculator result for a cited clause (``citation`` is its ``n``)."""

    citation: int
    inputs: dict[str, float | str | None]
    min_yuan: float
    max_yuan: float | None = Field(description="None when the clause sets no upper limit (「不低于…」)")
    formula: str


class Answer(BaseModel):
    """The answer contract shared by the CLI and the JSON API."""

    question: str
    answer: str
    refused: bool
    citations: list[Citation] = Field(default_factory=list)
    calculations: list[Calculation] = Field(default_factory=list)
    fallback: bool = Field(
        default=False,
        description="a language model's answer failed a check (or the model failed): grounded answer",
    )
    resolved_question: str | None = Field(
        default=None,
        description="the follow-up question as resolved against the conversation, when it differs",
    )


class PolicyInfo(BaseModel):
    """One row of the library listing (``GET /api/policies``, the chat's 政策库 tab)."""

    id: str
    title: str
    doc_number: str | None
    region: str
    issuer: str
    issued: date | None
    effective_from: date | None
    expires: date | None
    draft: bool = False
    status: Status
    status_label: str
    clauses: int
    supersedes: list[str] = Field(default_factory=list)
    repeals: list[str] = Field(default_factory=list)
