"""PDF, Word and web-page versions of the seed policies give the same clauses as the TXT originals."""

from __future__ import annotations

import io
import zipfile

import pdfplumber
import pytest

from assistant.chunking import chunk_policy
from assistant.cleaning import clean
from assistant.corpus import load_corpus
from assistant.ingest import IngestError, extract_text
from tests import docgen
from tests.conftest import CORPUS

SEEDS = {lp.policy.id: lp for lp in load_corpus(CORPUS)}


def _fixture(fmt: str, policy_id: str) -> bytes:
    lp = SEEDS[policy_id]
    if fmt == "pdf":
        return docgen.make_pdf(lp.text)  # STSong-Light has no „‟: the PDF keeps 〔〕
    if fmt == "docx":
        return docgen.make_docx(docgen.with_debris(lp.text))
    return docgen.make_html(docgen.with_debris(lp.text), lp.policy.title)


@pytest.mark.parametrize("fmt", ["pdf", "docx", "html"])
@pytest.mark.parametrize("policy_id", sorted(SEEDS))
def test_clauses_match_the_txt_original(fmt, policy_id):
    lp = SEEDS[policy_id]
    extracted = extract_text(_fixture(fmt, policy_id), f"{policy_id}.{fmt}")
    assert extracted.format == fmt
    clauses = chunk_policy(lp.policy, clean(extracted.text))
    assert [c.model_dump() for c in clauses] == [c.model_dump() for c in lp.clauses]


def test_debris_is_repaired_in_word_files():
    raw = extract_text(_fixture("docx", "suzhou-2020-120"), "120.docx").text
    assert "苏府„2020‟120号" in raw  # the fixture carries the mis-decoded brackets
    assert "苏府〔2020〕120号" in clean(raw)


def test_pdf_keeps_paragraphs_across_page_breaks():
    lp = SEEDS["suzhou-2020-120"]
    data = docgen.make_pdf(lp.text)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) > 3  # paragraphs run over page ends and page footers 「— n —」
    assert clean(extract_text(data, "120.pdf").text) == lp.text


def test_gbk_text_is_decoded_and_noted():
    lp = SEEDS["luan-draft"]
    extracted = extract_text(lp.text.encode("gb18030"), "luan.txt")
    assert clean(extracted.text) == lp.text
    assert any("GB18030" in n for n in extracted.notes)


def _zip_named_docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("policy.txt", "苏州市工业互联网政策")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("locked.pdf", lambda: docgen.make_pdf(SEEDS["luan-draft"].text, encrypt="secret"), "encrypted"),
        ("scan.pdf", docgen.make_scanned_pdf, "OCR"),
        ("renamed.docx", _zip_named_docx, "not a Word document"),
        ("notes.docx", lambda: b"just text, not a zip", "not a Word .docx"),
        ("broken.pdf", lambda: b"%PDF-1.4\n garbage", "cannot be read"),
        ("fake.pdf", lambda: "苏州市工业互联网政策".encode(), "not a PDF"),
        ("old.doc", lambda: b"\xd0\xcf\x11\xe0 binary", "unsupported file type"),
        ("empty.txt", lambda: b" \n\n", "empty"),
        ("huge.pdf", lambda: b"%PDF" + b"0" * (50 * 1024 * 1024), "larger than"),
        ("latin1.txt", lambda: b"politique" * 10 + b"\xff\xfe\xfa", "neither UTF-8 nor GBK"),
    ],
)
def test_bad_files_get_a_clear_error(name, make, message):
    with pytest.raises(IngestError) as err:
        extract_text(make(), name, max_bytes=20 * 1024 * 1024)
    assert name in str(err.value) and message in str(err.value)
