"""followup.resolve: what a follow-up leaves implicit, filled in from the conversation (pure function)."""

import pytest

from assistant.followup import Turn, resolve


def after(first: str, question: str) -> str:
    return resolve(question, [Turn(role="user", content=first), Turn(role="assistant", content="…")])


@pytest.mark.parametrize(
    ("first", "question", "resolved"),
    [
        ("苏州上云补贴多少？", "那宿州呢？", "宿州上云补贴多少？"),
        (
            "苏州上云补贴多少？",
            "那无锡呢？",
            "无锡上云补贴多少？",
        ),  # a place without policies is still a place
        ("苏州上云补贴多少？", "那江阴呢？", "江阴上云补贴多少？"),
        ("苏州上云补贴多少？", "我问的是安徽宿州", "安徽宿州上云补贴多少？"),  # the whole place, not 安徽
        ("苏州上云补贴多少？", "宿州和六安呢？", "宿州和六安上云补贴多少？"),
        ("苏州上云补贴多少？", "不是苏州，是宿州", "宿州上云补贴多少？"),
        ("苏州上云补贴多少？", "换成六安", "六安上云补贴多少？"),
        ("宿州上云补贴多少？", "设备补贴呢？", "宿州设备补贴呢？"),  # a new topic keeps the place
        ("苏州上云补贴多少？", "那宿州的设备补贴呢？", "那宿州的设备补贴呢？"),  # new place and topic
        (
            "苏州贷款3亿搞智能化改造，贴息多少？",
            "如果贷款是5000万呢？",
            "苏州贷款5000万搞智能化改造，贴息多少？",
        ),
        ("宿州上云补贴多少？", "那Kunshan呢？", "Kunshan上云补贴多少？"),  # a place in pinyin
        ("宿州上云补贴多少？", "Lu’an的呢", "Lu'an上云补贴多少？"),
        ("我们公司在宿州", "上云补贴多少？", "宿州上云补贴多少？"),  # the conversation's place carries on
        ("我们公司在宿州", "172号文的上云补贴多少？", "172号文的上云补贴多少？"),  # a 文号 names its place
        ("上云补贴有哪些？", "设备补贴有哪些？", "设备补贴有哪些？"),  # no place to carry
    ],
)
def test_follow_ups(first, question, resolved):
    assert after(first, question) == resolved


def test_a_question_that_stands_on_its_own_is_kept():
    assert (
        after("苏州上云补贴多少？", "江苏省对工业互联网平台有什么奖励？")
        == "江苏省对工业互联网平台有什么奖励？"
    )
