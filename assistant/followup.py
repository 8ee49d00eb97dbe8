"""Resolve a follow-up question against the conversation before retrieval (deterministic).

「那宿州呢？」 after 「苏州上云补贴多少？」 → 「宿州上云补贴多少？」; 「如果贷款是5000万呢？」 after
「苏州贷款3亿搞智能化改造，贴息多少？」 → the same question with 5000万; 「这个政策还有效吗？」 →
the policy the previous answer cited first, named by its 文号 or title; 「设备补贴呢？」 after a 宿州
question → 「宿州设备补贴呢？」. A place swaps whether or not the library covers it (「那无锡呢？」 must be
refused, not answered from 苏州), and a question naming no place or 文号 keeps the conversation's place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel

from assistant.amounts import find_figures
from assistant.places import detect_places, place_terms, place_words
from assistant.records import Policy
from assistant.tokenize import content_terms

_FOLLOWUP_START = re.compile(r"^(?:那|那么|如果|假如|要是|若|这个|该|它|此|上述|换成|改成|换作)")
_REFERS_BACK = re.compile(r"这个政策|该政策|这个文件|该文件|这项政策|它还|这个规定|上面的政策|这条")
_CITED = re.compile(r"《([^》]+)》（([^）]*)）")
_SHORT = 14  # characters: a question this short leans on the conversation
_LEVEL = re.compile(r"L\d|[三四五345]星级?")
_ENDS_WITH_NE = re.compile(r"呢[？?。！!\s]*$")  # 「设备补贴呢？」 asks on from the last question
_FOLLOWUP_WORDS = {
    "换成",
    "改成",
    "换作",
    "如果",
    "假如",
    "要是",
    "那么",
    "我问",
    "问的",
    "的话",
    "不是",
    "而是",
}


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


def _is_followup(question: str) -> bool:
    """It refers back, opens like a follow-up (「那…」「如果…」), or is short with at most one topic word."""
    if _REFERS_BACK.search(question) or _FOLLOWUP_START.match(question):
        return True
    if len(question) > _SHORT:
        return False
    return bool(_ENDS_WITH_NE.search(question)) or len(content_terms(question) - place_terms()) <= 1


def _places_in(text: str, library: list[Policy] | None) -> tuple[str, list[str]]:
    """The text (curly apostrophes straightened, as place_words reads them) and its place words."""
    text = text.replace("’", "'")
    return text, place_words(text, library)


def _new_topic(question: str, words: list[str], previous: str) -> set[str]:
    """Topic words the follow-up brings that the previous question lacks (its place ``words`` and
    levels aside)."""
    text = _LEVEL.sub("", question)
    for word in words:
        text = text.replace(word, " ")
    return content_terms(text) - place_terms() - _FOLLOWUP_WORDS - content_terms(previous)


def _place_span(text: str, words: list[str]) -> str:
    """「安徽宿州」「宿州和六安」: from the first place word to the last."""
    if not words:
        return ""
    return text[text.find(words[0]) : text.rfind(words[-1]) + len(words[-1])]


def resolve(question: str, history: list[Turn] | None, library: Iterable[Policy] | None = None) -> str:
    """The question with what it leaves implicit filled in from the conversation.

    ``library``: the policies served, so a place only a published policy names is still a place.
    """
    history = history or []
    users = [t.content for t in history if t.role == "user"]
    if not users:
        return question
    library = list(library) if library is not None else None
    previous = resolve(users[-1], [Turn(role="user", content=u) for u in users[:-1]], library)
    if not _is_followup(question):
        return _with_place_of(previous, question, library)
    if _REFERS_BACK.search(question):
        return _name_policy(question, history, previous, library)
    rewritten = previous
    text, words = _places_in(question, library)
    new_place, new_topic = _place_span(text, words), _new_topic(text, words, previous)
    if new_place and new_topic:
        return question  # 「那宿州的设备补贴呢？」 says all it asks
    previous_text, previous_words = _places_in(previous, library)
    if new_place:
        for old in previous_words:
            rewritten = rewritten.replace(old, "", 1)
        rewritten = new_place + rewritten
    new_figures, _ = find_figures(question)
    old_figures, _ = find_figures(previous)
    for new, old in zip(new_figures, old_figures, strict=False):
        rewritten = rewritten.replace(old.text, new.text, 1)
    if new_figures and not old_figures:
        rewritten = rewritten.rstrip("？?。") + f"，{question.strip('？?。')}？"
    level = _LEVEL.search(question)
    if level and not new_place and not new_figures:
        rewritten = _LEVEL.sub(level.group(0), rewritten, count=1)
        if level.group(0) not in rewritten:
            rewritten = rewritten.rstrip("？?。") + f"，{level.group(0)}？"
    if rewritten == previous:
        old_place = _place_span(previous_text, previous_words)
        if new_topic and old_place:
            return f"{old_place}{question}"  # 「设备补贴呢？」 after a 宿州 question: 宿州's
        return f"{previous.rstrip('？?。')}，{question}"  # nothing to substitute: ask both together
    return rewritten


def _with_place_of(previous: str, question: str, library: list[Policy] | None) -> str:
    """「我们公司在宿州」 then 「上云补贴多少？」: a question naming no place or 文号 asks about the
    conversation's place (never silently about every city)."""
    if place_words(question, library) or detect_places(question, library).doc_numbers:
        return question
    return _place_span(*_places_in(previous, library)) + question


def _name_policy(question: str, history: list[Turn], previous: str, library: list[Policy] | None) -> str:
    """「这个政策还有效吗」: name the policy the last answer cited first."""
    answers = [t.content for t in history if t.role == "assistant"]
    m = _CITED.search(answers[-1]) if answers else None
    if m:
        title, source = m.group(1), m.group(2)
        doc = re.search(r"[^，]*〔\d{4}〕\d+号", source)
        named = doc.group(0) if doc else f"{''.join(place_words(previous, library)[:1])}《{title}》"
        return f"{named}{question}"
    places = detect_places(previous, library)
    return f"{''.join(place_words(previous, library)[:1])}{question}" if places.named else question
