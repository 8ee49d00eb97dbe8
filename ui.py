"""The Gradio web chat (minimal for now: the embeddable widget and JSON API come with the web-chat issue).

Run with ``make run`` (installs, builds the index if needed, starts this on http://127.0.0.1:7860).
"""

from __future__ import annotations

import html
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # closed network: no telemetry calls

import gradio as gr  # noqa: E402

from assistant.app import Assistant, QuestionError  # noqa: E402
from assistant.records import STATUS_LABELS, Answer  # noqa: E402

EXAMPLES = [
    "宿州设备购置额800万元能拿多少奖补？",
    "苏州的中小企业上云有什么补贴？",
    "江苏省对新入选国家级双跨平台奖励多少？",
    "六安的工业互联网政策正式生效了吗？",
]


def render(answer: Answer) -> str:
    """The answer followed by each cited clause in a collapsible block (all text escaped)."""
    parts = [html.escape(answer.answer).replace("\n", "<br>")]
    for c in answer.citations:
        head = f"[{c.n}] {c.policy_title}（{c.doc_number or '无文号'}，{c.region}，{STATUS_LABELS[c.status]}）{c.clause_path}"
        parts.append(f"<details><summary>{html.escape(head)}</summary>{html.escape(c.text)}</details>")
    return "\n".join(parts)


def build_ui(assistant: Assistant) -> gr.Blocks:
    def respond(message: str, history: list) -> str:
        try:
            return render(assistant.ask(message))
        except QuestionError as exc:
            return html.escape(str(exc))

    return gr.ChatInterface(
        respond,
        title="政策助手 · 工业互联网扶持政策问答",
        description="回答均摘自政策原文并标注出处；政策库中没有依据的问题会直接说明。",
        examples=EXAMPLES,
        examples_label="示例问题",
        flagging_mode="never",
    )


if __name__ == "__main__":
    demo = build_ui(Assistant())
    demo.launch(
        server_name=os.environ.get("PA_HOST", "127.0.0.1"),
        server_port=int(os.environ.get("PA_PORT", "7860")),
        share=False,
    )
