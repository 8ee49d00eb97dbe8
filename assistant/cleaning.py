"""Repair the debris that PDF/web extraction leaves in policy texts.

Pure functions. The output has one paragraph per line; cleaning a cleaned policy text changes
nothing (tested on every seed), so an already clean text can be dropped into the corpus as well.
"""

from __future__ import annotations

import re
import statistics
import unicodedata

# Characters that a GBK/PDF font mapping is known to swap for another.
_CHAR_FIXES = {"臵": "置"}
# 苏府„2020‟120号: the year brackets of a document number mis-decoded as low/high quotes.
_DOC_BRACKETS = re.compile(r"[„\[［【〈（(]\s*((?:19|20)\d{2})\s*[‟\]］】〉）)](?=\s*\d+\s*号)")
_PAGE_MARKER = re.compile(r"^\s*[—–\-－]{1,2}\s*\d{1,3}\s*[—–\-－]{1,2}\s*$")
# 「苏州市人民政府办公室                  2020年 6月 23日印发」: the print-shop footer line.
_FOOTER = re.compile(r"^\s*\S+\s{6,}\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日印发\s*$")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’—…"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[ \t]+|[ \t]+(?=[{_CJK}])")
# ASCII brackets that enclose Chinese or a clause number become full-width, as printed.
_ASCII_PARENS = re.compile(r"\(\s*([^()]*?[\u4e00-\u9fff0-9][^()]*?)\s*\)")
_PARA_END = "。！？；：…!?;:"
# A closing bracket ends a paragraph only where lines are paragraphs; in fixed-width text a full
# line ending in 「（套）」 runs on.
_CLOSERS = "）」”』〕》)"
# A clause heading or numbered item; a paragraph never starts in the middle of one.
MARKER = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}\s*[.．、](?!\d)"
    r"|[（(]\d{1,2}[）)]|——)"
)


# full-width digits/letters → ASCII, ideographic and no-break spaces → space, known mis-decodings
_TRANSLATE = str.maketrans(
    {
        chr(c): chr(c - 0xFEE0)
        for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
        for c in range(r[0], r[1] + 1)
    }
    | {"\u3000": " ", "\xa0": " "}
    | _CHAR_FIXES
)


def normalize_characters(text: str) -> str:
    """Full-width digits/letters to ASCII, known mis-decoded characters, invisible characters."""
    text = _ZERO_WIDTH.sub("", text.translate(_TRANSLATE))
    return _DOC_BRACKETS.sub(r"〔\1〕", _drop_controls(text))


def _drop_controls(text: str) -> str:
    """Control characters other than newline/tab carry no meaning in a policy text (category C)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not line.isprintable():  # C-speed check; only the rare line with a control char is filtered
            lines[i] = "".join(c for c in line if c == "\t" or unicodedata.category(c)[0] != "C")
    return "\n".join(lines)


def normalize_line(line: str) -> str:
    """Drop spaces next to Chinese text (``最高 500万元`` → ``最高500万元``) and fix bracket widths."""
    line = _SPACE_NEAR_CJK.sub("", line.strip())
    line = _ASCII_PARENS.sub(
        lambda m: f"（{m.group(1)}）" if _wants_fullwidth(m.group(1)) else m.group(0), line
    )
    return _SPACE_NEAR_CJK.sub("", line)


def _wants_fullwidth(inner: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", inner)) or inner.isdigit()


def is_debris(line: str) -> bool:
    return bool(_PAGE_MARKER.match(line) or _FOOTER.match(line))


def display_width(text: str) -> float:
    """Printed width in CJK cells: a Chinese character is 1, an ASCII character 0.5."""
    return sum(0.5 if ord(c) < 0x2E80 else 1.0 for c in text)


def _wrap_width(lines: list[str]) -> float:
    widths = sorted(display_width(x) for x in lines if x)
    if not widths:
        return 0.0
    return widths[int(0.9 * (len(widths) - 1))]


def _is_wrapped(lines: list[str]) -> bool:
    """True for fixed-width extraction: most lines stop mid-sentence at about the same width."""
    unterminated = [display_width(x) for x in lines if x[-1] not in _PARA_END]
    if len(lines) < 8 or len(unterminated) < 0.4 * len(lines):
        return False
    typical = statistics.median(unterminated)
    near = sum(1 for w in unterminated if abs(w - typical) <= 2.5)
    return near >= 0.6 * len(unterminated)


def unwrap(lines: list[str]) -> list[str]:
    """Join lines that a fixed page width broke mid-paragraph; keep headings and numbered items apart."""
    width = _wrap_width(lines)
    wrapped = _is_wrapped(lines)
    paragraphs: list[str] = []
    prev = ""
    for line in lines:
        if paragraphs and _continues(prev, line, width, wrapped):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
        prev = line
    return paragraphs


def _continues(prev: str, line: str, width: float, wrapped: bool) -> bool:
    """Whether physical line ``line`` continues the paragraph that physical line ``prev`` ended."""
    if MARKER.match(line):
        return False
    if prev.endswith(("年", "月")) and line[:1].isdigit():
        return True  # a date broken across lines
    if display_width(prev) < 0.8 * width:
        return False
    if not wrapped and prev[-1] in _CLOSERS:
        return False  # 「…（责任单位：市工信局）」 ends a paragraph in a one-paragraph-per-line text
    if prev[-1] not in _PARA_END:
        return True
    # A full line ending in 。 in a fixed-width text usually continues the paragraph.
    return wrapped and display_width(prev) >= 0.95 * width


def clean(text: str) -> str:
    """Clean one extracted policy text into one paragraph per line."""
    text = normalize_characters(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [normalize_line(x) for x in text.split("\n") if not is_debris(x)]
    lines = [x for x in lines if x]
    return "\n".join(unwrap(lines)) + ("\n" if lines else "")
