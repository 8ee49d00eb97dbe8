"""The Gradio web chat (minimal for now: the embeddable widget and JSON API come with the web-chat issue).

Run with ``make run`` (installs, builds the index if needed, starts this on http://127.0.0.1:7860).
"""

from __future__ import annotations

import html
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # closed network: no telemetry calls

import gradio as gr  # noqa: E402

from assistant.app import Assistant, QuestionError  # noqa: E402
from assistant.chain import AnswerChain  # noqa: E402
from assistant.followup import Turn  # noqa: E402
from assistant.llm import make_chat_model  # noqa: E402
from assistant.records import STATUS_LABELS, Answer  # noqa: E402
from assistant.settings import Settings  # noqa: E402

EXAMPLES = [
    "宿州设备购置额800万元能拿多少奖补？",
    "苏州的中小企业上云有什么补贴？",
    "江苏省对新入选国家级双跨平台奖励多少？",
    "六安的工业互联网政策正式生效了吗？",
]


def render(answer: Answer) -> str:
    """The answer followed by each cited clause in a collapsible block (all text escaped)."""
    parts = [html.escape(answer.answer).replace("\n", "<br>")]
    if answer.fallback:
        parts.append("<i>（模型回答未通过核验，已改用条款原文回答。）</i>")
    for c in answer.citations:
        head = f"[{c.n}] {c.policy_title}（{c.doc_number or '无文号'}，{c.region}，{STATUS_LABELS[c.status]}）{c.clause_path}"
        parts.append(f"<details><summary>{html.escape(head)}</summary>{html.escape(c.text)}</details>")
    return "\n".join(parts)


def _history(history: list) -> list[Turn]:
    """Gradio's messages (dicts or message objects) → the conversation turns the chain understands."""
    turns = []
    for m in history or []:
        role = m.get("role") if isinstance(m, dict) else getattr(m, "role", None)
        content = m.get("content") if isinstance(m, dict) else getattr(m, "content", "")
        if role in ("user", "assistant") and isinstance(content, str):
            turns.append(Turn(role=role, content=content))
    return turns


def build_ui(chain: AnswerChain) -> gr.Blocks:
    def respond(message: str, history: list):
        try:
            streamed = ""
            for event in chain.stream(message, _history(history)):
                if event.type == "token":
                    streamed += event.data["text"]
                    yield html.escape(streamed)
                elif event.type == "final":
                    yield render(event.data["answer"])
        except QuestionError as exc:
            yield html.escape(str(exc))

    return gr.ChatInterface(
        respond,
        title="政策助手 · 工业互联网扶持政策问答",
        description="回答均摘自政策原文并标注出处，金额由计算器按条款算出；政策库中没有依据的问题会直接说明。",
        examples=EXAMPLES,
        examples_label="示例问题",
        flagging_mode="never",
    )


def make_chain() -> AnswerChain:
    """The web chat's chain: the local model by default (PA_LLM=none for the grounded answer only)."""
    settings = Settings(llm=os.environ.get("PA_LLM", "local"))
    return AnswerChain(Assistant(settings), make_chat_model(settings), settings.llm_timeout_s)


if __name__ == "__main__":
    demo = build_ui(make_chain())
    demo.launch(
        server_name=os.environ.get("PA_HOST", "127.0.0.1"),
        server_port=int(os.environ.get("PA_PORT", "7860")),
        share=False,
    )
