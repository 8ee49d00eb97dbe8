"""The admin page and the 政策库 tab in a real browser (Debian chromium via Playwright).

Staff log in with the token, upload a PDF, see the metadata draft, correct a field, publish, and the
new policy shows in the public chat's 政策库 tab with its status; a hostile file name stays text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import uvicorn

from assistant.api import create_app
from assistant.app import Assistant
from assistant.chain import AnswerChain
from assistant.corpus import load_corpus
from tests import docgen
from tests.conftest import CORPUS
from tests.test_browser import ARTIFACTS, _free_port, _serve_in_thread, browser  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e
NEW = "suzhou-2020-120"
TOKEN = "admin-browser-token"


@pytest.fixture
def admin_site(tmp_path: Path, withheld_library):
    settings_for, emb = withheld_library
    settings = settings_for(admin_token=TOKEN, as_of="2026-11-25")
    app = create_app(settings, AnswerChain(Assistant(settings, embeddings=emb)))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    _serve_in_thread(server)
    pdf = tmp_path / "苏府2020-120号.pdf"
    pdf.write_bytes(docgen.make_pdf({lp.policy.id: lp for lp in load_corpus(CORPUS)}[NEW].text))
    hostile = tmp_path / "<img src=x onerror=alert(1)>.txt"
    hostile.write_text("无关内容" * 3, encoding="utf-8")
    yield f"http://127.0.0.1:{port}", pdf, hostile, settings
    server.should_exit = True


def test_upload_review_publish_in_the_admin_page(admin_site, browser):  # noqa: F811 - the fixture
    base, pdf, hostile, settings = admin_site
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1200, "height": 1000})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base}/admin")

    page.fill("#token", "wrong")
    page.click("#login")
    page.get_by_text("管理员令牌不正确").wait_for(timeout=10_000)

    page.fill("#token", TOKEN)
    page.fill("#user", "王科长")
    page.click("#login")
    page.get_by_text("已登录").wait_for(timeout=10_000)
    assert page.locator("#policies tr").count() == 4

    page.set_input_files("#file", str(hostile))
    page.click("#upload")
    page.get_by_text("no Chinese policy text", exact=False).wait_for(timeout=10_000)
    assert "<img src=x onerror=alert(1)>.txt" in page.locator("#status").inner_text()  # shown as text

    page.set_input_files("#file", str(pdf))
    page.click("#upload")
    form = page.locator(f".draft[data-id='{NEW}']")
    form.wait_for(timeout=20_000)
    assert form.locator("input[name=doc_number]").input_value() == "苏府〔2020〕120号"
    assert form.locator("input[name=supersedes]").input_value() == "suzhou-2020-172"
    assert "元数据校验通过" in form.inner_text()
    form.locator("input[name=expires]").fill("2023-12-30")
    form.get_by_role("button", name="保存修改").click()
    page.get_by_text(f"已保存 {NEW}").wait_for(timeout=10_000)
    form = page.locator(f".draft[data-id='{NEW}']")
    assert form.locator("input[name=expires]").input_value() == "2023-12-30"
    page.screenshot(path=str(ARTIFACTS / "admin-review.png"), full_page=True)

    form.get_by_role("button", name="发布").click()
    page.get_by_text(f"已发布 {NEW}", exact=False).wait_for(timeout=60_000)
    assert page.locator("#policies tr").count() == 5
    assert "苏府〔2020〕120号" in page.locator("#policies").inner_text()
    audit = page.locator("#audit").inner_text()
    assert "王科长" in audit and "publish" in audit and "edit" in audit
    assert dialogs == []

    chat = browser.new_page(viewport={"width": 1200, "height": 900})
    chat.goto(f"{base}/chat/")
    chat.get_by_role("tab", name="政策库").click()
    table = chat.locator("#pa-library")
    table.get_by_text("关于推进制造业智能化改造和数字化转型的若干措施").wait_for(timeout=20_000)
    chat.wait_for_function(
        "!document.querySelector('#pa-library').className.includes('pending')", timeout=20_000
    )
    text = table.inner_text()
    assert "即将失效" in text and "2023-12-30" in text and "苏府〔2020〕120号" in text
    chat.screenshot(path=str(ARTIFACTS / "library-tab.png"), full_page=True)
    assert TOKEN not in chat.content()
