"""Resolve a follow-up question against the conversation before retrieval (deterministic).

「那宿州呢？」 after 「苏州上云补贴多少？」 → 「宿州上云补贴多少？」; 「如果贷款是5000万呢？」 after
「苏州贷款3亿搞智能化改造，贴息多少？」 → the same question with 5000万; 「这个政策还有效吗？」 →
the policy the previous answer cited first, named by its 文号 or title.
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


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


def _is_followup(question: str) -> bool:
    """It refers back, opens like a follow-up (「那…」「如果…」), or is short with at most one topic word."""
    if _REFERS_BACK.search(question) or _FOLLOWUP_START.match(question):
        return True
    topic = content_terms(question) - place_terms()
    return len(topic) <= 1 and len(question) <= _SHORT


def resolve(question: str, history: list[Turn] | None, library: Iterable[Policy] | None = None) -> str:
    """The question with what it leaves implicit filled in from the conversation.

    ``library``: the policies served, so a place only a published policy names is still a place.
    """
    history = history or []
    users = [t.content for t in history if t.role == "user"]
    if not users or not _is_followup(question):
        return question
    library = list(library) if library is not None else None
    previous = resolve(users[-1], [Turn(role="user", content=u) for u in users[:-1]], library)
    if _REFERS_BACK.search(question):
        return _name_policy(question, history, previous, library)
    rewritten = previous
    new_places = place_words(question, library)
    if new_places:
        for old in place_words(previous, library):
            rewritten = rewritten.replace(old, "", 1)
        rewritten = new_places[0] + rewritten
    new_figures, _ = find_figures(question)
    old_figures, _ = find_figures(previous)
    for new, old in zip(new_figures, old_figures, strict=False):
        rewritten = rewritten.replace(old.text, new.text, 1)
    if new_figures and not old_figures:
        rewritten = rewritten.rstrip("？?。") + f"，{question.strip('？?。')}？"
    level = _LEVEL.search(question)
    if level and not new_places and not new_figures:
        rewritten = _LEVEL.sub(level.group(0), rewritten, count=1)
        if level.group(0) not in rewritten:
            rewritten = rewritten.rstrip("？?。") + f"，{level.group(0)}？"
    if rewritten == previous:
        return f"{previous.rstrip('？?。')}，{question}"  # nothing to substitute: ask both together
    return rewritten


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
