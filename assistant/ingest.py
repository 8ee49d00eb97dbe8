"""Text out of the formats bureaus publish in: PDF (pdfplumber), Word .docx (python-docx), web pages
(trafilatura) and plain text (UTF-8 or GBK).

Each reader returns raw text with one paragraph per line where the format says where paragraphs are
(Word paragraphs, HTML blocks, indented first lines in a PDF); ``cleaning.clean`` then does the
same repairs as for the corpus. Bad files raise ``IngestError`` with a message for the person who
uploaded them: encrypted or scanned PDFs, zips renamed .docx, oversized or empty files.
"""

from __future__ import annotations

import io
import re
import statistics
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

FORMATS = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".txt": "txt"}
_MIN_CHINESE = 20  # fewer Chinese characters than this: no usable text layer


class IngestError(ValueError):
    """A file that cannot become a policy text; the message says why and what to do."""


@dataclass(frozen=True)
class Extracted:
    text: str  # raw text, one paragraph per line where the format marks paragraphs
    format: str  # pdf | docx | html | txt
    notes: tuple[str, ...] = ()  # e.g. "decoded as GB18030"


def extract_text(data: bytes, filename: str, max_bytes: int | None = None) -> Extracted:
    """Raw text of an uploaded or local file, by its extension (checked against its content)."""
    if not data.strip():
        raise IngestError(f"{filename}: the file is empty")
    if max_bytes is not None and len(data) > max_bytes:
        raise IngestError(
            f"{filename}: {len(data) / 2**20:.1f} MB is larger than the {max_bytes / 2**20:.0f} MB limit"
        )
    fmt = FORMATS.get(Path(filename).suffix.lower())
    if fmt is None:
        raise IngestError(f"{filename}: unsupported file type; use PDF, Word (.docx), HTML or TXT")
    extracted = {"pdf": _pdf, "docx": _docx, "html": _html, "txt": _txt}[fmt](data, filename)
    if len(re.findall(r"[\u4e00-\u9fff]", extracted.text)) < _MIN_CHINESE:
        hint = " (a scanned PDF needs OCR first)" if fmt == "pdf" else ""
        raise IngestError(f"{filename}: no Chinese policy text found in the file{hint}")
    return extracted


def read_source(path: Path) -> tuple[bytes, str]:
    """A local file's bytes and name (like ``fetch_url``), with a clear error when it cannot be read."""
    try:
        return path.read_bytes(), path.name
    except OSError as exc:
        raise IngestError(f"{path}: cannot read the file: {exc.strerror}") from None


def fetch_url(url: str, timeout_s: float = 20.0) -> tuple[bytes, str]:
    """A web page's bytes and a file name for it (opt-in: needs network access to the site)."""
    import httpx

    try:
        resp = httpx.get(url, timeout=timeout_s, follow_redirects=True)
        resp.raise_for_status()
    except httpx.HTTPError as exc:
        raise IngestError(f"{url}: could not fetch the page: {exc}") from None
    kind = resp.headers.get("content-type", "")
    suffix = ".pdf" if "pdf" in kind else ".docx" if "officedocument" in kind else ".html"
    name = Path(resp.url.path).name or "page"
    return resp.content, name if Path(name).suffix.lower() in FORMATS else name + suffix


# ---- PDF


def _pdf(data: bytes, filename: str) -> Extracted:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    if not data.startswith(b"%PDF"):
        raise IngestError(f"{filename}: not a PDF file (it does not start with %PDF)")
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [_page_lines(page) for page in pdf.pages]
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise IngestError(f"{filename}: the PDF is encrypted; upload an unprotected copy") from None
    except PDFSyntaxError as exc:
        raise IngestError(f"{filename}: the PDF is damaged: {exc}") from None
    except Exception as exc:  # pdfplumber wraps pdfminer's many kinds (PdfminerException(cause))
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError) or "password" in repr(cause).lower():
            raise IngestError(f"{filename}: the PDF is encrypted; upload an unprotected copy") from None
        raise IngestError(f"{filename}: the PDF cannot be read: {exc}") from None
    return Extracted(_paragraphs([ln for page in pages for ln in page]), "pdf")


@dataclass(frozen=True)
class _Line:
    text: str
    x0: float
    x1: float
    em: float  # font size


def _page_lines(page) -> list[_Line]:
    """A page's text lines with where they start and end; page numbers and footers dropped."""
    from assistant.cleaning import is_debris

    out = []
    for ln in page.extract_text_lines(layout=False, strip=True):
        if ln["text"].strip() and not is_debris(ln["text"]):
            sizes = [c["size"] for c in ln["chars"]] or [12.0]
            out.append(_Line(ln["text"], ln["x0"], ln["x1"], statistics.median(sizes)))
    return out


def _paragraphs(lines: list[_Line]) -> str:
    """Lines joined into paragraphs by layout, across page ends too.

    A line continues the paragraph above when it starts at the left margin and the line above ran to
    the right margin; an indented first line (首行缩进), a centred title or a short line above start a
    new paragraph. That is what a reader sees, and it needs no guess about the wording.
    """
    if not lines:
        return ""
    em = statistics.median(ln.em for ln in lines)
    # the document's margins: where most lines start, and how far the full lines reach
    left = Counter(round(ln.x0) for ln in lines).most_common(1)[0][0]
    right = sorted(ln.x1 for ln in lines)[int(0.95 * (len(lines) - 1))]
    out: list[str] = []
    prev: _Line | None = None
    for line in lines:
        at_margin = abs(line.x0 - left) < 0.5 * em
        if out and prev is not None and at_margin and right - prev.x1 < 1.5 * em:
            out[-1] += line.text
        else:
            out.append(line.text)
        prev = line
    return "\n".join(out) + "\n"


# ---- Word


def _docx(data: bytes, filename: str) -> Extracted:
    import docx

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise IngestError(f"{filename}: not a Word .docx file (an old .doc must be saved as .docx first)")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        if "word/document.xml" not in zf.namelist():
            raise IngestError(f"{filename}: a zip archive, not a Word document")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise IngestError(f"{filename}: the Word document cannot be read: {exc}") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:  # award tables: one row per line
        lines += ["　".join(cell.text for cell in row.cells) for row in table.rows]
    return Extracted("\n".join(lines) + "\n", "docx")


# ---- web pages


def _html(data: bytes, filename: str) -> Extracted:
    import trafilatura

    page = _decode(data, filename)[0]
    text = trafilatura.extract(
        page, include_comments=False, include_tables=True, favor_recall=True, deduplicate=False
    )
    if not text:
        raise IngestError(f"{filename}: no article text found in the web page")
    title = _page_title(page)
    lines = text.splitlines()
    rest = re.sub(r"\s+", "", "".join(lines[1:8]))
    if title and lines and re.sub(r"\s+", "", lines[0]) == title and title in rest:
        text = "\n".join(lines[1:])  # the page heading repeats the notice's own title block
    elif title and title not in re.sub(r"\s+", "", text[:400]):
        text = f"{title}\n{text}"  # the notice's title only in the page heading
    return Extracted(text + "\n", "html")


def _page_title(page: str) -> str:
    """The article's <h1> (the page <title> carries the site's name, so it is not used)."""
    import html

    m = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.IGNORECASE | re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>|\s+", "", m.group(1))) if m else ""


# ---- plain text


def _txt(data: bytes, filename: str) -> Extracted:
    text, note = _decode(data, filename)
    return Extracted(text, "txt", (note,) if note else ())


def _decode(data: bytes, filename: str) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "decoded as GB18030 (GBK); saved as UTF-8"
    except UnicodeDecodeError:
        raise IngestError(f"{filename}: the text is neither UTF-8 nor GBK; save it as UTF-8") from None
