"""The Gradio web chat, mounted by the server at /chat/ (``make run``; ``python -m assistant serve``).

Chinese UI; answers stream in; every citation opens to the whole clause with its policy, 文号, path
and a status badge; a calculation card shows inputs, formula and range; a place filter; example
questions; a clear button. Everything shown is escaped (clause text is data, never markup).
"""

from __future__ import annotations

import html
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # closed network: no telemetry calls

import gradio as gr  # noqa: E402

from assistant.amounts import format_yuan  # noqa: E402
from assistant.app import QuestionError  # noqa: E402
from assistant.chain import AnswerChain  # noqa: E402
from assistant.followup import Turn  # noqa: E402
from assistant.places import detect_places  # noqa: E402
from assistant.records import STATUS_LABELS, Answer  # noqa: E402

EXAMPLES = [
    "宿州设备购置额800万元能拿多少奖补？",
    "苏州的中小企业上云有什么补贴？",
    "江苏省对新入选国家级双跨平台奖励多少？",
    "六安的工业互联网政策正式生效了吗？",
]
PLACES = {
    "全部": "",
    "江苏省": "江苏省",
    "苏州": "苏州",
    "宿州": "宿州",
    "六安": "六安",
}  # the seed library's


def places_of(policies) -> dict[str, str]:
    """The place filter's choices: every province and city the library has policies for."""
    out = {"全部": ""}
    for p in policies:
        out.setdefault(p.province, p.province)
        if p.city:
            out.setdefault(p.city.removesuffix("市"), p.city.removesuffix("市"))
    return out


CSS = """
.pa-badge { display:inline-block; padding:0 6px; border-radius:8px; font-size:12px; color:#fff; margin-left:4px; }
.pa-in_force { background:#2e7d32; } .pa-expired { background:#757575; } .pa-draft { background:#ef6c00; }
.pa-unknown { background:#5d4037; } .pa-expiring { background:#f9a825; color:#222; }
.pa-repealed { background:#455a64; } .pa-not_yet { background:#0277bd; }
.pa-library table { border-collapse:collapse; width:100%; font-size:14px; }
.pa-library th, .pa-library td { border-bottom:1px solid #eee; padding:4px 6px; text-align:left; }
.pa-cite summary { cursor:pointer; color:#1565c0; } .pa-cite { margin:4px 0; }
.pa-calc { border:1px solid #c8e6c9; background:#f1f8e9; border-radius:8px; padding:6px 10px; margin:6px 0; }
.pa-note { color:#666; font-size:13px; }
footer { display:none !important; }
.gradio-container { max-width:100% !important; overflow-x:hidden; }
"""


def _esc(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def badge(status: str) -> str:
    return f'<span class="pa-badge pa-{html.escape(status)}">{STATUS_LABELS.get(status, status)}</span>'


def render(answer: Answer) -> str:
    """The answer, a calculation card per result and one expandable block per cited clause."""
    parts = [_esc(answer.answer)]
    if answer.fallback:
        parts.append('<p class="pa-note">（模型回答未通过核验，已改用条款原文回答。）</p>')
    for calc in answer.calculations:
        base = calc.inputs.get("base_yuan")
        given = "；".join(
            x
            for x in (
                f"{calc.inputs.get('base', '基数')}：{format_yuan(float(base))}" if base is not None else "",
                f"等级：{calc.inputs['level']}" if calc.inputs.get("level") else "",
            )
            if x
        )
        top = "不设上限" if calc.max_yuan is None else format_yuan(calc.max_yuan)
        parts.append(
            f'<div class="pa-calc"><b>测算 [{calc.citation}]</b><br>'
            + (f"输入：{_esc(given)}<br>" if given else "")
            + f"公式：{_esc(calc.formula)}<br>结果：{_esc(format_yuan(calc.min_yuan))} ～ {_esc(top)}</div>"
        )
    for c in answer.citations:
        head = f"[{c.n}] 《{c.policy_title}》{c.doc_number or '（无文号）'} · {c.region} · {c.clause_path}"
        parts.append(
            f'<details class="pa-cite"><summary>{_esc(head)}{badge(c.status)}</summary>{_esc(c.text)}</details>'
        )
    return "\n".join(parts)


def library_table(rows) -> str:
    """The 政策库 tab: every policy with its status, dates and clause count (escaped)."""
    head = "<tr><th>政策</th><th>文号</th><th>地区</th><th>状态</th><th>施行日期</th><th>有效期至</th><th>条款数</th></tr>"
    body = "".join(
        f"<tr><td>{_esc(r.title)}</td><td>{_esc(r.doc_number or '（无）')}</td><td>{_esc(r.region)}</td>"
        f"<td>{badge(r.status)}</td><td>{r.effective_from or r.issued or '未载明'}</td>"
        f"<td>{r.expires or '未载明'}</td><td>{r.clauses}</td></tr>"
        for r in rows
    )
    return f'<div class="pa-library"><table>{head}{body}</table></div>'


def with_place(question: str, place: str, places: dict[str, str] | None = None) -> str:
    """The place filter applies when the question names no place of its own."""
    prefix = (places or PLACES).get(place, "")
    return question if not prefix or detect_places(question).named else f"{prefix}{question}"


def _turns(history: list) -> list[Turn]:
    turns = []
    for m in history or []:
        role = m.get("role") if isinstance(m, dict) else getattr(m, "role", None)
        content = m.get("content") if isinstance(m, dict) else getattr(m, "content", "")
        if role in ("user", "assistant") and isinstance(content, str):
            turns.append(Turn(role=role, content=content))
    return turns


def build_ui(chain: AnswerChain) -> gr.Blocks:
    places = places_of(chain.assistant.index.policies.values())

    def respond(message: str, history: list, place: str):
        history = list(history or [])
        question = with_place(message or "", place, places)
        past = _turns(history)
        history.append({"role": "user", "content": _esc(message or "")})  # shown as text, never markup
        history.append({"role": "assistant", "content": "……"})
        yield history, ""
        try:
            streamed = ""
            for event in chain.stream(question, past):
                if event.type == "token":
                    streamed += event.data["text"]
                    history[-1] = {"role": "assistant", "content": _esc(streamed)}
                    yield history, ""
                elif event.type == "final":
                    history[-1] = {"role": "assistant", "content": render(event.data["answer"])}
                    yield history, ""
        except QuestionError as exc:
            history[-1] = {"role": "assistant", "content": _esc(str(exc))}
            yield history, ""

    with gr.Blocks(title="政策助手") as demo:
        gr.Markdown(
            "### 政策助手 · 工业互联网扶持政策问答\n回答摘自政策原文并标注出处，金额由计算器按条款算出。"
        )
        with gr.Tab("问答", elem_id="pa-tab-chat"):
            place = gr.Dropdown(list(places), value="全部", label="地区", elem_id="pa-place")
            chatbot = gr.Chatbot(label="对话", height=460, elem_id="pa-chat", buttons=["copy"])
            with gr.Row():
                box = gr.Textbox(
                    placeholder="例如：宿州设备购置额800万元能拿多少奖补？",
                    show_label=False,
                    scale=5,
                    elem_id="pa-input",
                    max_lines=4,
                )
                send = gr.Button("发送", variant="primary", scale=1, min_width=60, elem_id="pa-send")
            clear = gr.Button("清空对话", elem_id="pa-clear")
            gr.Examples(EXAMPLES, inputs=box, label="示例问题")
        with gr.Tab("政策库", elem_id="pa-tab-library") as library_tab:
            gr.Markdown(
                f"收录的全部政策及截至今天的效力状态（即将失效：{chain.assistant.settings.expiring_days}天内到期）。"
            )
            library = gr.HTML(elem_id="pa-library")
        send.click(respond, [box, chatbot, place], [chatbot, box])
        box.submit(respond, [box, chatbot, place], [chatbot, box])
        clear.click(lambda: ([], ""), None, [chatbot, box])
        show_library = lambda: library_table(chain.assistant.policy_infos(chain.assistant.settings.today()))  # noqa: E731
        library_tab.select(show_library, None, library)
        demo.load(show_library, None, library)
    demo.respond = respond  # the handler, for tests
    return demo
