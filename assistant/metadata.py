"""A metadata draft read off a cleaned policy text: title, 文号, issuer, region, dates, draft flag.

Pure functions. Government notices follow a fixed layout — 文号 line, title block ending in 「的通知」,
addressee line 「各…：」, transmittal paragraph naming the measures in 《》, signature organ and date,
closing provisions with 「自…起实施，有效期三年」 — and each field is read from the part of that
layout that states it. What the text does not state stays empty and is listed in ``missing``, so a
person fills it in; nothing is guessed from outside the text except supersession candidates, which
come from the library (earlier policies of the same place) and are marked as such.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import cn2an

from assistant.places import CITY_PROVINCE, PROVINCES, province_name
from assistant.records import Policy

_DATE = r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}〔\d{4}〕\d{1,4}号")
_ORGAN_END = ("政府", "办公室", "办公厅", "厅", "局", "委员会", "委", "管委会", "部")
_TRANSMITTAL = re.compile(r"^(?P<org>.*?)(?:关于)?印发(?P<body>.+)的通知$")
_BOOK_TITLE = re.compile(r"《([^《》]{4,80})》")
_RESPONSIBLE = re.compile(r"（(?:责任单位：|牵头单位：)?([^（）]{2,120}?)(?:按职责分工)?负责）")
_DRAFT = "征求意见稿"
# 「原有政策与本通知不一致的，按本通知执行」「与相关政策同类或者重复的，按照本政策实施」
_PREVAILS = re.compile(
    r"政策[^。；]{0,12}(?:不一致|同类或者重复|相冲突)的?，?按照?本(?:通知|政策|措施|意见|办法)(?:执行|实施)"
)
_REPEALS = re.compile(r"《([^《》]+)》（?([^（）《》]*?〔\d{4}〕\d+号)?）?(?:同时|即行|予以)?废止")


@dataclass
class MetadataDraft:
    """The fields found (``values``), the ones the text does not state (``missing``) and why."""

    values: dict[str, object]
    missing: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)  # field → where it came from


def extract_metadata(text: str, library: list[Policy] | None = None) -> MetadataDraft:
    """Read a metadata draft off a cleaned policy text (one paragraph per line)."""
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    notes: dict[str, str] = {}
    doc_number = _doc_number(lines)
    title_block, body_start = _title_block(lines, bool(doc_number))
    org, title, parts = _title(title_block, lines[body_start : body_start + 3])
    sig_organ, sig_date = _signature(lines)
    draft = _DRAFT in "".join(lines[:6])
    if draft and _DRAFT not in title:
        title += f"（{_DRAFT}）"
    units = _responsible_units(lines)
    province, city = _region(org, sig_organ, units, lines)
    issuer = _issuer(org, sig_organ, units, province, city, draft, notes)
    issued = sig_date or _meeting_date(lines)
    if issued:
        notes["issued"] = "signature date" if sig_date else "date the meeting adopted it"
    effective_from, expires = _validity(lines, issued, notes)
    values: dict[str, object] = {
        "title": title,
        "issuer": issuer,
        "province": province,
        "city": city,
        "doc_number": doc_number,
        "issued": issued,
        "effective_from": effective_from,
        "expires": expires,
        "draft": draft,
        "supersedes": _supersedes(lines, province, city, issued, library or [], notes),
        "repeals": _repeals(lines, library or []),
        "parts": parts,
    }
    missing = [k for k in ("title", "issuer", "province", "issued", "expires") if not values[k]]
    if not doc_number:
        notes["doc_number"] = "no 文号 printed"
    return MetadataDraft(values, missing, notes)


def _doc_number(lines: list[str]) -> str:
    for line in lines[:6]:
        m = _DOC_NUMBER.search(line)
        if m and len(line) <= len(m.group(0)) + 4:  # the 文号 line itself, not a mention in the text
            return m.group(0)
    return ""


def _title_block(lines: list[str], has_doc_number: bool) -> tuple[list[str], int]:
    """The title's lines and the index of the first body line after them."""
    start = 1 if has_doc_number else 0
    for i in range(start, min(len(lines), start + 8)):
        if lines[i].endswith("：") and lines[i].startswith("各"):  # the addressee line
            return lines[start:i], i + 1
    block = [lines[start]] if len(lines) > start else []
    if len(lines) > start + 1 and re.fullmatch(rf"[（(]{_DRAFT}[）)]", lines[start + 1]):
        block.append(lines[start + 1])
    return block, start + len(block)


def _title(block: list[str], after: list[str]) -> tuple[str, str, list[str]]:
    """(organ that issues it, title, bundled document titles) from the title block."""
    title = re.sub(rf"[（(]{_DRAFT}[）)]", "", "".join(block))
    m = _TRANSMITTAL.match(title)
    if not m:
        return "", title, []
    named = [t for line in after for t in _BOOK_TITLE.findall(line)]
    if len(named) > 1:
        return m.group("org"), named[0], named
    return m.group("org"), named[0] if named else m.group("body"), []


def _signature(lines: list[str]) -> tuple[str, date | None]:
    """The organ and date that sign the notice: an organ line followed by a line that is just a date."""
    for prev, line in zip(lines, lines[1:], strict=False):
        m = re.fullmatch(_DATE, line)
        if m and prev.endswith(_ORGAN_END) and len(prev) <= 30:
            return prev, _day(*m.groups())
    return "", None


def _meeting_date(lines: list[str]) -> date | None:
    for line in lines[:12]:
        m = re.search(rf"已经{_DATE}[^。]*?会议审议通过", line)
        if m:
            return _day(*m.groups())
    return None


def _region(org: str, sig_organ: str, units: list[str], lines: list[str]) -> tuple[str, str | None]:
    for organ in (org, sig_organ):
        city = next((c for c in CITY_PROVINCE if organ.startswith(c)), None)
        if city:
            return CITY_PROVINCE[city], city
        if organ.startswith(tuple(PROVINCES)):
            return province_name(next(p for p in PROVINCES if organ.startswith(p))), None
    if units and sum(u.startswith("省") for u in units) >= 0.5 * len(units):
        province = _most_named_province(lines)
        return (province, None) if province else ("", None)
    text = "".join(lines)
    cities = Counter({c: text.count(c) for c in CITY_PROVINCE if c in text})
    if cities:
        city = cities.most_common(1)[0][0]
        return CITY_PROVINCE[city], city
    return _most_named_province(lines) or "", None


def _issuer(
    org: str, sig_organ: str, units: list[str], province: str, city: str | None, draft: bool, notes: dict
) -> str:
    if sig_organ:
        notes["issuer"] = "signature"
        return sig_organ
    if org:
        notes["issuer"] = "title"
        return _expand_organ(org, province, city)
    if units:
        lead = Counter(units).most_common(1)[0][0]
        notes["issuer"] = "no issuer printed: the lead department of the 分工 notes"
        return _expand_organ(lead, province, city) + "等"
    notes["issuer"] = "no issuer printed"
    region = city or province
    return (
        f"{region}（{_DRAFT}，发文机关未载明）" if draft else f"{region}（发文机关未载明）" if region else ""
    )


def _expand_organ(organ: str, province: str, city: str | None) -> str:
    """市政府办公室 → 苏州市人民政府办公室; 省工业和信息化厅 → 江苏省工业和信息化厅."""
    organ = re.sub(r"^(市|省)政府", r"\1人民政府", organ)
    if organ.startswith("市") and city:
        return city + organ[1:]
    if organ.startswith("省") and province:
        return province + organ[1:]
    return organ


def _responsible_units(lines: list[str]) -> list[str]:
    """The first unit named in each 「（…负责）」 note: who leads each measure."""
    return [m.group(1).split("、")[0] for line in lines for m in _RESPONSIBLE.finditer(line)]


def _most_named_province(lines: list[str]) -> str | None:
    text = "".join(lines)
    counts = Counter({p: text.count(p) for p in PROVINCES if p in text})
    return province_name(counts.most_common(1)[0][0]) if counts else None


def _validity(lines: list[str], issued: date | None, notes: dict) -> tuple[date | None, date | None]:
    """(effective_from, expires) from the closing provisions."""
    text = "".join(lines)
    start: date | None = None
    if m := re.search(rf"自{_DATE}起(?:实施|施行|执行|生效)", text):
        start = _day(*m.groups())
        notes["effective_from"] = m.group(0)
    elif m := re.search(r"自(\d{4})年(?:起)?(?:开始)?(?:执行|实施|施行)", text):
        start = date(int(m.group(1)), 1, 1)
        notes["effective_from"] = m.group(0) + " (from 1 January)"
    elif (m := re.search(r"自印发之日起(?:施行|实施|执行|生效)", text)) and issued:
        start = issued
        notes["effective_from"] = m.group(0)
    end: date | None = None
    if m := re.search(rf"至{_DATE}", text):
        end = _day(*m.groups())
        notes["expires"] = m.group(0)
    elif m := re.search(r"有效期([一二两三四五六七八九十\d]+)年", text):
        start = start or issued  # 「有效期三年」 with no other start counts from issuance
        if start:
            years = int(cn2an.cn2an(m.group(1), "smart")) if not m.group(1).isdigit() else int(m.group(1))
            end = _add_years(start, years) - timedelta(days=1)
            notes["expires"] = f"{m.group(0)} from {start.isoformat()}"
            notes.setdefault("effective_from", "issue date (「有效期」 counts from it)")
    return start, end


def _supersedes(
    lines: list[str], province: str, city: str | None, issued: date | None, library: list[Policy], notes: dict
) -> list[str]:
    """Earlier library policies of the same place, when the text says it prevails over older ones."""
    if not _PREVAILS.search("".join(lines)) or not issued:
        return []
    earlier = [
        p.id
        for p in library
        if p.province == province and p.city == city and p.issued and p.issued < issued and not p.draft
    ]
    if earlier:
        notes["supersedes"] = "「…不一致的，按本通知执行」: earlier policies of the same place in the library"
    return earlier


def _repeals(lines: list[str], library: list[Policy]) -> list[str]:
    """Library policies the text repeals by name or 文号 (「《…》（…〔2020〕172号）同时废止」)."""
    out = []
    for m in _REPEALS.finditer("".join(lines)):
        name, number = m.group(1), m.group(2) or ""
        out += [p.id for p in library if (number and p.doc_number == number) or p.title == name]
    return sorted(set(out))


def _day(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
