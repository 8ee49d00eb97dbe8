"""The admin API: token checks, upload → review → publish while the chat answers, bad uploads."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.app import Assistant
from assistant.chain import AnswerChain
from assistant.corpus import load_corpus
from assistant.index import current_build
from assistant.settings import Settings
from tests import docgen
from tests.conftest import CORPUS

SEEDS = {lp.policy.id: lp for lp in load_corpus(CORPUS)}
NEW = "suzhou-2020-120"
TOKEN = "s3cret-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-Admin-User": "%E7%8E%8B%E7%A7%91%E9%95%BF"}  # 王科长


@pytest.fixture
def setup(withheld_library):
    settings_for, emb = withheld_library
    settings = settings_for(admin_token=TOKEN, rate_limit="1000/minute", as_of="2022-06-01")
    app = create_app(settings, AnswerChain(Assistant(settings, embeddings=emb)), with_ui=False)
    with TestClient(app) as client:
        yield client, settings


def _library_state(settings: Settings):
    files = {p.name: p.read_bytes() for p in sorted(settings.corpus_dir.iterdir())}
    return files, current_build(settings.index_dir)


def test_token_missing_wrong_right(setup):
    client, _ = setup
    assert client.get("/admin/api/drafts").status_code == 401
    assert client.get("/admin/api/drafts", headers={"Authorization": "Bearer nope"}).status_code == 403
    assert client.get("/admin/api/drafts", headers=AUTH).json() == []


def test_admin_routes_stay_out_of_the_public_api(setup):
    client, _ = setup
    paths = client.get("/openapi.json").json()["paths"]
    assert not any(p.startswith("/admin") for p in paths)
    page = client.get("/admin")
    assert page.status_code == 200 and TOKEN not in page.text
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert TOKEN not in client.get("/embed.js").text


def test_no_admin_without_a_token_setting(withheld_library):
    settings_for, emb = withheld_library
    settings = settings_for()
    app = create_app(settings, AnswerChain(Assistant(settings, embeddings=emb)), with_ui=False)
    with TestClient(app) as client:
        assert client.get("/admin").status_code == 404
        assert client.get("/admin/api/drafts", headers=AUTH).status_code == 404


def test_upload_review_publish_while_the_chat_answers(setup):
    client, settings = setup
    question = {"question": "苏州定向云券能补多少？"}
    before = client.post("/api/ask", json=question).json()
    assert {c["policy_id"] for c in before["citations"]} == {"suzhou-2020-172"}

    files = {"file": ("120号文.docx", docgen.make_docx(SEEDS[NEW].text), "application/octet-stream")}
    draft = client.post("/admin/api/drafts", files=files, headers=AUTH).json()
    assert draft["id"] == NEW and draft["ready"] and draft["metadata"]["doc_number"] == "苏府〔2020〕120号"
    assert client.post("/api/ask", json=question).json()["citations"] == before["citations"]  # not yet live

    fixed = client.patch(
        f"/admin/api/drafts/{NEW}", json={"changes": {"source": "https://www.suzhou.gov.cn/"}}, headers=AUTH
    )
    assert fixed.status_code == 200 and fixed.json()["metadata"]["source"] == "https://www.suzhou.gov.cn/"
    report = client.post(f"/admin/api/drafts/{NEW}/publish", headers=AUTH).json()
    assert report["embedded"] == len(SEEDS[NEW].clauses)

    after = client.post("/api/ask", json=question).json()
    assert {c["policy_id"] for c in after["citations"]} == {NEW, "suzhou-2020-172"}
    assert "以苏府〔2020〕120号为准" in after["answer"]  # as of 2022-06-01 both are in force
    rows = {p["id"]: p for p in client.get("/api/policies").json()}
    assert rows[NEW]["clauses"] == len(SEEDS[NEW].clauses) and rows[NEW]["supersedes"] == ["suzhou-2020-172"]

    audit = client.get("/admin/api/audit", headers=AUTH).json()
    assert [(e["actor"], e["action"]) for e in audit] == [
        ("王科长", "publish"),
        ("王科长", "edit"),
        ("王科长", "add"),
    ]


def test_unpublish_removes_the_policy_from_answers(setup):
    client, _ = setup
    resp = client.post(
        "/admin/api/policies/luan-draft/unpublish", json={"reason": "已正式印发"}, headers=AUTH
    )
    assert resp.status_code == 200
    assert "luan-draft" not in {p["id"] for p in client.get("/api/policies").json()}
    answer = client.post("/api/ask", json={"question": "六安工业互联网标识解析二级节点奖励多少？"}).json()
    assert answer["refused"]


def test_a_draft_with_problems_is_not_published(setup):
    client, settings = setup
    before = _library_state(settings)
    files = {"file": ("120.docx", docgen.make_docx(SEEDS[NEW].text), "application/octet-stream")}
    client.post("/admin/api/drafts", files=files, headers=AUTH)
    client.patch(f"/admin/api/drafts/{NEW}", json={"changes": {"province": ""}}, headers=AUTH)
    resp = client.post(f"/admin/api/drafts/{NEW}/publish", headers=AUTH)
    assert resp.status_code == 409 and "province" in resp.json()["detail"]
    assert _library_state(settings) == before


@pytest.mark.parametrize(
    ("name", "data", "status", "message"),
    [
        ("locked.pdf", lambda: docgen.make_pdf(SEEDS[NEW].text, encrypt="pw"), 422, "encrypted"),
        ("scan.pdf", docgen.make_scanned_pdf, 422, "OCR"),
        ("renamed.docx", lambda: _zip(), 422, "not a Word document"),
        ("huge.pdf", lambda: b"%PDF" + b"0" * (50 * 1024 * 1024), 413, "过大"),
    ],
)
def test_bad_uploads_change_nothing(setup, name, data, status, message):
    client, settings = setup
    before = _library_state(settings)
    resp = client.post(
        "/admin/api/drafts", files={"file": (name, data(), "application/octet-stream")}, headers=AUTH
    )
    assert resp.status_code == status and message in resp.json()["detail"]
    assert _library_state(settings) == before
    assert client.get("/admin/api/drafts", headers=AUTH).json() == []


def _zip() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "not a document")
    return buf.getvalue()


def test_the_chat_keeps_answering_while_a_policy_is_published(setup):
    import threading

    client, _ = setup
    files = {"file": ("120.docx", docgen.make_docx(SEEDS[NEW].text), "application/octet-stream")}
    client.post("/admin/api/drafts", files=files, headers=AUTH)
    result: dict = {}
    publisher = threading.Thread(
        target=lambda: result.update(resp=client.post(f"/admin/api/drafts/{NEW}/publish", headers=AUTH))
    )
    publisher.start()
    statuses = []
    while publisher.is_alive() or len(statuses) < 3:
        statuses.append(
            client.post("/api/ask", json={"question": "宿州设备购置额800万元能拿多少奖补？"}).status_code
        )
    publisher.join()
    assert result["resp"].status_code == 200
    assert set(statuses) == {200}
    answer = client.post("/api/ask", json={"question": "苏州120号文的定向云券补多少？"}).json()
    assert answer["citations"][0]["policy_id"] == NEW
