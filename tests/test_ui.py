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


def test_chat_interface_builds_over_the_assistant(fake_assistant):
    import ui

    demo = ui.build_ui(fake_assistant)
    assert demo.title.startswith("政策助手")
