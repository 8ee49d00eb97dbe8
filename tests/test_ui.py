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


def test_chat_streams_and_follows_the_conversation(fake_assistant):
    import ui
    from assistant.chain import AnswerChain

    demo = ui.build_ui(AnswerChain(fake_assistant))
    assert demo.title == "政策助手"
    history = [
        {"role": "user", "content": "苏州中小企业上云补贴多少？"},
        {"role": "assistant", "content": "…"},
    ]
    shown = [
        h[-1]["content"] for h, _ in demo.respond("那宿州呢？", history, "全部")
    ]  # as each yield shows it
    final = shown[-1]
    assert shown[0] == "……"  # a placeholder first, while the answer is prepared
    assert "安徽省宿州市" in final and "<details" in final
    empty = list(demo.respond("   ", [], "全部"))[-1][0][-1]["content"]
    assert empty == "问题不能为空，请输入您想咨询的政策问题。"


def test_place_filter_applies_only_when_the_question_names_no_place():
    import ui

    assert ui.with_place("上云补贴多少？", "宿州") == "宿州上云补贴多少？"
    assert ui.with_place("苏州上云补贴多少？", "宿州") == "苏州上云补贴多少？"
    assert ui.with_place("上云补贴多少？", "全部") == "上云补贴多少？"


def test_calculation_card_shows_inputs_formula_and_range(fake_assistant):
    import ui

    answer = fake_assistant.ask("宿州设备购置额800万元能拿多少奖补？")
    out = ui.render(answer)
    assert "输入：项目设备购置额：800万元" in out and "结果：64万元 ～ 64万元" in out and "pa-in_force" in out


def test_library_tab_lists_every_policy_with_status_dates_and_clauses(fake_assistant):
    from datetime import date

    import ui

    rows = fake_assistant.policy_infos(date(2026, 11, 25))
    table = ui.library_table(rows)
    assert table.count("<tr>") == 1 + len(rows) == 6
    assert "即将失效" in table and "2026-12-31" in table  # 江苏 platform measures end within 60 days
    assert "征求意见稿" in table and "苏府〔2020〕120号" in table
    jiangsu = next(r for r in rows if r.id == "jiangsu-platform")
    assert f"<td>{jiangsu.clauses}</td>" in table


def test_library_tab_escapes_titles():
    from datetime import date

    import ui
    from assistant.records import PolicyInfo

    row = PolicyInfo(
        id="x",
        title="<img src=x onerror=alert(1)>",
        doc_number=None,
        region="江苏省",
        issuer="某局",
        issued=date(2025, 1, 1),
        effective_from=None,
        expires=None,
        status="in_force",
        status_label="现行有效",
        clauses=3,
    )
    table = ui.library_table([row])
    assert "<img" not in table and "&lt;img" in table


def test_place_filter_follows_the_library(fake_assistant):
    import ui

    places = ui.places_of(fake_assistant.index.policies.values())
    assert set(places) == {"全部", "江苏省", "安徽省", "苏州", "宿州", "六安"}
    assert ui.with_place("上云补贴多少？", "宿州") == "宿州上云补贴多少？"
    assert ui.with_place("苏州上云补贴多少？", "宿州") == "苏州上云补贴多少？"
    assert ui.with_place("上云补贴多少？", "全部") == "上云补贴多少？"
    assert ui.with_place("上云有什么补贴", "六安", places) == "六安上云有什么补贴"
