"""Policy files in the formats bureaus publish, generated from the seed texts for the ingestion tests.

PDF: reportlab with its built-in CJK font STSong-Light, A4, paragraphs with an indented first line
(首行缩进) wrapped at the right margin, page footers 「— n —」 — the layout of a printed notice.
Word: one paragraph per paragraph. HTML: a government article page with navigation around it.
Each carries some of the debris real files have (〔〕 read as „‟, 设臵), which cleaning must repair.
"""

from __future__ import annotations

import html
import io

from docx import Document
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
SIZE = 12
MARGIN = 72


def _register() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def with_debris(text: str) -> str:
    """Put back debris that extraction leaves: 〔2020〕 as „2020‟, 设置 as 设臵 (once)."""
    return text.replace("〔", "„").replace("〕", "‟").replace("设置", "设臵", 1)


def _wrap(paragraph: str, width: float, indent: float) -> list[tuple[float, str]]:
    lines: list[tuple[float, str]] = []
    x, current = indent, ""
    for ch in paragraph:
        w = pdfmetrics.stringWidth(ch, FONT, SIZE)
        if current and x + w > width:
            lines.append((indent if not lines else 0.0, current))
            x, current = 0.0, ""
        current += ch
        x += w
    if current:
        lines.append((indent if not lines else 0.0, current))
    return lines


def make_pdf(text: str, encrypt: str | None = None) -> bytes:
    _register()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt)
    page_w, page_h = A4
    width = page_w - 2 * MARGIN
    lead = SIZE * 1.6
    y, page = page_h - MARGIN, 1

    def footer() -> None:
        pdf.setFont(FONT, SIZE - 2)
        pdf.drawCentredString(page_w / 2, MARGIN / 2, f"— {page} —")

    pdf.setFont(FONT, SIZE)
    for paragraph in text.splitlines():
        if not paragraph.strip():
            continue
        for dx, line in _wrap(paragraph.strip(), width, 2 * SIZE):
            if y < MARGIN:
                footer()
                pdf.showPage()
                page += 1
                pdf.setFont(FONT, SIZE)
                y = page_h - MARGIN
            pdf.drawString(MARGIN + dx, y, line)
            y -= lead
    footer()
    pdf.save()
    return buf.getvalue()


def make_scanned_pdf() -> bytes:
    """A PDF with pictures of text only (no text layer), as a scanner makes."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    for row in range(40):
        pdf.rect(MARGIN, 700 - row * 15, 400, 8, fill=1)
    pdf.save()
    return buf.getvalue()


def make_docx(text: str) -> bytes:
    document = Document()
    for paragraph in text.splitlines():
        if paragraph.strip():
            document.add_paragraph(paragraph)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def make_html(text: str, title: str) -> bytes:
    """An article page with the site's navigation, breadcrumbs and footer around the notice."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in text.splitlines() if p.strip())
    page = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{html.escape(title)}_政策文件_市工业和信息化局</title></head><body>
<nav><a href="/">首页</a> <a href="/zwgk">政务公开</a> <a href="/zcwj">政策文件</a> <a href="/hdjl">互动交流</a></nav>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 政策文件</div>
<article><h1>{html.escape(title)}</h1><div class="content">
{body}
</div></article>
<footer><p>主办单位：市工业和信息化局 地址：人民路1号 联系电话：0512-00000000</p>
<p>网站标识码：3205000001 备案号：苏ICP备00000000号</p></footer></body></html>"""
    return page.encode("utf-8")
