import html

from assistant.records import Answer, Citation


def test_render_escapes_everything_it_shows():
    import ui

    answer = Answer(
        question="q",
        answer="见<script>alert(1)</script>[1]",
        refused=False,
        citations=[
            Citation(
                n=1,
                clause_id="x/一",
                policy_id="x",
                policy_title="<b>政策</b>",
                doc_number=None,
                region="江苏省",
                clause_path="一、总则",
                text="<img src=x onerror=alert(1)>",
                status="draft",
            )
        ],
    )
    out = ui.render(answer)
    assert "<script>" not in out and "<img" not in out and "<b>政策</b>" not in out
    assert html.escape("<script>") in out and "征求意见稿" in out and "无文号" in out


def test_chat_interface_streams_and_follows_the_conversation(fake_assistant):
    import ui
    from assistant.chain import AnswerChain

    demo = ui.build_ui(AnswerChain(fake_assistant))
    assert demo.title.startswith("政策助手")
    history = [
        {"role": "user", "content": "苏州中小企业上云补贴多少？"},
        {"role": "assistant", "content": "…"},
    ]
    outputs = list(demo.fn("那宿州呢？", history))
    assert "安徽省宿州市" in outputs[-1] and "<details>" in outputs[-1]
    assert list(demo.fn("   ", []))[-1] == "问题不能为空，请输入您想咨询的政策问题。"
