"""Split a cleaned policy text into one chunk per clause along its numbering hierarchy.

Numbering styles (一、 / （一） / 1. 1． / （1） / ——) are nested in the order a document first uses
them, as drafters do. Text before the first clause is the 序言; closing provisions (有效期, 解释,
支持范围 after the last clause) form 附则; 附件 and everything after it form 附件. A heading that only
names a section (「一、支持工业互联网平台建设」) and carries several unnumbered paragraphs yields one
chunk per paragraph (¶1, ¶2…), since each paragraph is then a measure of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.records import Clause, Policy

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

_STYLES: list[tuple[str, re.Pattern[str]]] = [
    ("cn", re.compile(r"^([一二三四五六七八九十]+)、")),
    ("paren_cn", re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]")),
    ("arabic", re.compile(r"^(\d{1,2})\s*[.．、](?!\d)")),
    ("paren_arabic", re.compile(r"^[（(](\d{1,2})[）)]")),
    ("dash", re.compile(r"^——")),
]
_CLOSING = re.compile(r"^本(?:通知|措施|政策措施|政策|意见|办法|细则|计划)|制定具体实施细则|负责解释")
_APPENDIX = re.compile(r"^附件[：:\s]|^附件$")


class ChunkingError(ValueError):
    """The text cannot be split into clauses (e.g. it has no numbered clause at all)."""


def cn_to_int(numeral: str) -> int:
    """一..九十九 in Chinese numerals (as used by clause numbers) → int."""
    if numeral.isdigit():
        return int(numeral)
    if "十" not in numeral:
        return _CN_DIGITS[numeral]
    tens, _, units = numeral.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


@dataclass
class Marker:
    style: str
    value: int
    label: str  # 「（四）着力推动中小企业上云用平台」
    key: str  # id component: 四 / (四) / 4 / (4) / —3


def parse_marker(paragraph: str, dash_count: int = 0) -> Marker | None:
    for style, pattern in _STYLES:
        m = pattern.match(paragraph)
        if not m:
            continue
        rest = paragraph[m.end() :].strip()
        title = re.split(r"[。；：]", rest, maxsplit=1)[0]
        head = paragraph[: m.end()].strip()
        if style == "dash":
            value = dash_count + 1
            key = f"—{value}"
        else:
            value = cn_to_int(m.group(1))
            key = {"cn": m.group(1), "paren_cn": f"({m.group(1)})", "paren_arabic": f"({value})"}.get(
                style, str(value)
            )
        label = head + (title if len(title) <= 30 else title[:30] + "…")
        return Marker(style, value, label, key)
    return None


def _is_title_only(paragraph: str, marker: Marker) -> bool:
    """「一、工作目标」 or 「（一）指导思想。」: a heading with no text of its own."""
    body = paragraph[len(marker.label) :].strip("。 ")
    return not body and len(paragraph) <= 40


@dataclass
class _Open:
    """The clause being accumulated."""

    keys: list[str]
    labels: list[str]
    paragraphs: list[str] = field(default_factory=list)
    title_only: bool = False


class _Builder:
    def __init__(self, policy: Policy, prefix_key: str | None, prefix_label: str | None):
        self.policy = policy
        self.prefix_keys = [prefix_key] if prefix_key else []
        self.prefix_labels = [prefix_label] if prefix_label else []
        self.clauses: list[Clause] = []
        self.order_start = 0

    def emit(self, keys: list[str], labels: list[str], paragraphs: list[str]) -> None:
        text = join_paragraphs(paragraphs)
        if not text:
            return
        clause_id = "/".join([self.policy.id, *self.prefix_keys, *keys])
        path = " > ".join([*self.prefix_labels, *labels])
        self.clauses.append(
            Clause(id=clause_id, policy_id=self.policy.id, path=path, text=text, order=len(self.clauses))
        )

    def flush(self, node: _Open | None) -> None:
        if node is None or not node.paragraphs:
            return
        body = node.paragraphs[1:] if node.title_only else []
        if node.title_only and not body:
            return  # a bare section heading: it lives on in its children's paths
        if node.title_only and len(body) > 1:
            # a section heading over several unnumbered measures: one chunk per measure
            for i, para in enumerate(body, start=1):
                self.emit([*node.keys, f"¶{i}"], [*node.labels, f"第{i}段"], [para])
        elif node.title_only:
            self.emit(node.keys, node.labels, [node.paragraphs[0] + "\n" + join_paragraphs(body)])
        else:
            self.emit(node.keys, node.labels, node.paragraphs)


def join_paragraphs(paragraphs: list[str]) -> str:
    """Join paragraphs; one that stops mid-sentence (a page break) runs on without a newline."""
    out = ""
    for para in paragraphs:
        if out and out[-1] not in "。！？；：）」”…":
            out += para
        else:
            out += ("\n" if out else "") + para
    return out.strip()


def _chunk_part(policy: Policy, paragraphs: list[str], builder: _Builder) -> None:
    stack: list[Marker] = []
    node: _Open | None = _Open(keys=["序言"], labels=["序言"])
    dash_count = 0
    for para in paragraphs:
        marker = parse_marker(para, dash_count)
        if marker and node is not None and node.keys[-1] in {"附件"}:
            marker = None  # numbering inside an appendix (a name list) is not a clause
        if marker:
            builder.flush(node)
            dash_count = marker.value if marker.style == "dash" else 0
            stack = _place(stack, marker)
            node = _Open(
                keys=[m.key for m in stack],
                labels=[m.label for m in stack],
                paragraphs=[para],
                title_only=_is_title_only(para, marker),
            )
        elif _APPENDIX.match(para) or (node is not None and node.keys[-1] == "附件"):
            if node is None or node.keys[-1] != "附件":
                builder.flush(node)
                node = _Open(keys=["附件"], labels=["附件"])
            node.paragraphs.append(para)
        elif stack and _CLOSING.search(para) and (node is None or node.keys[-1] != "附则"):
            builder.flush(node)
            node = _Open(keys=["附则"], labels=["附则"], paragraphs=[para])
        else:
            assert node is not None
            node.paragraphs.append(para)
    builder.flush(node)


def _place(stack: list[Marker], marker: Marker) -> list[Marker]:
    """Put ``marker`` into the heading stack: as a sibling of its style, or as a child."""
    styles = [m.style for m in stack]
    if marker.style in styles:
        return [*stack[: styles.index(marker.style)], marker]
    top = stack[-1] if stack else None
    # 「（一）指导思想 … （2）发展目标」: a misprinted number that continues its sibling sequence.
    if (
        top
        and top.style.startswith("paren")
        and marker.style.startswith("paren")
        and marker.value == top.value + 1
    ):
        return [*stack[:-1], marker]
    return [*stack, marker]


def _split_parts(policy: Policy, paragraphs: list[str]) -> list[tuple[str | None, list[str]]]:
    """Split a file bundling several documents at their titles (``policy.parts``)."""
    if not policy.parts:
        return [(None, paragraphs)]
    starts: list[int] = []
    for title in policy.parts:
        want = re.sub(r"\s", "", title)
        for i in range(starts[-1] + 1 if starts else 0, len(paragraphs)):
            joined = "".join(paragraphs[i : i + 3])
            if joined.startswith(want) and len(paragraphs[i]) <= len(want):
                starts.append(i)
                break
        else:
            raise ChunkingError(f"part title {title!r} not found in the text of {policy.id}")
    pieces: list[tuple[str | None, list[str]]] = []
    if starts[0] > 0:
        pieces.append(("印发通知", paragraphs[: starts[0]]))
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(paragraphs)
        pieces.append((policy.parts[n], paragraphs[start:end]))
    return pieces


def chunk_policy(policy: Policy, cleaned_text: str) -> list[Clause]:
    """Clauses of one policy, in document order, with stable ids and heading paths."""
    paragraphs = [p for p in cleaned_text.split("\n") if p.strip()]
    if not any(parse_marker(p) for p in paragraphs):
        raise ChunkingError(f"{policy.id}: no numbered clause (一、/（一）/1./（1）/——) found")
    clauses: list[Clause] = []
    for title, paras in _split_parts(policy, paragraphs):
        if title == "印发通知":
            builder = _Builder(policy, None, None)
            builder.emit(["印发通知"], ["印发通知"], paras)
        else:
            key = f"p{policy.parts.index(title) + 1}" if title else None
            builder = _Builder(policy, key, title)
            _chunk_part(policy, paras, builder)
        clauses.extend(builder.clauses)
    return [c.model_copy(update={"order": i}) for i, c in enumerate(clauses)]
