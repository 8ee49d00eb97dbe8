"""Real-browser tests: Debian's chromium driven by Playwright (never a downloaded browser).

A host page on another localhost origin embeds the widget with one script tag; the chat answers a
宿州 amount question with the 宿州 clause and a calculation card while the answer streams in; a
phone-width screen has no horizontal scrolling; an origin outside the allow-list cannot frame the
chat; whatever a user types, a model writes or a policy's text holds is shown as text, never run (in
the chat and in the widget). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.api import create_app
from assistant.chain import AnswerChain
from assistant.settings import Settings

pytestmark = pytest.mark.e2e
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
QUESTION = "宿州设备购置额800万元能拿多少奖补？"
MODEL_WORDS = "宿州对设备技术改造按项目设备购置额的8%给予奖补，最高100万元；按您的800万元测算为64万元[1]。"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve_in_thread(server: uvicorn.Server) -> threading.Thread:
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.1)
    return thread


class _HostPage(http.server.BaseHTTPRequestHandler):
    script_src = ""

    def do_GET(self):  # noqa: N802 - the stdlib's name
        body = (
            "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'><title>某经信局</title></head>"
            f"<body><h1>某市经济和信息化局</h1><p>欢迎访问。</p><script src='{self.script_src}' defer></script></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def sites(fake_assistant):
    """The assistant on one port; an allowed host page and a disallowed one on two others."""
    api_port, allowed_port, other_port = _free_port(), _free_port(), _free_port()
    allowed = f"http://127.0.0.1:{allowed_port}"
    model = FakeListChatModel(responses=[MODEL_WORDS] * 20, sleep=0.03)  # streams character by character
    app = create_app(
        Settings(embed_origins=[allowed], llm_timeout_s=60), AnswerChain(fake_assistant, model, 60)
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=api_port, log_level="warning"))
    _serve_in_thread(server)
    _HostPage.script_src = f"http://127.0.0.1:{api_port}/embed.js"
    hosts = [http.server.ThreadingHTTPServer(("127.0.0.1", p), _HostPage) for p in (allowed_port, other_port)]
    for h in hosts:
        threading.Thread(target=h.serve_forever, daemon=True).start()
    yield {
        "api": f"http://127.0.0.1:{api_port}",
        "allowed": allowed,
        "other": f"http://localhost:{other_port}",
    }
    server.should_exit = True
    for h in hosts:
        h.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "install Debian's chromium (make test does: apt-get install chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


def _ask_in(frame, question: str) -> None:
    frame.locator("#pa-input textarea").fill(question)
    frame.locator("#pa-send").click()


def test_widget_on_a_bureau_page_answers_with_the_suzhou_clause_and_a_calculation(sites, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(sites["allowed"])
    page.locator("#policy-assistant-launcher").click()
    frame = page.frame_locator("#policy-assistant-frame")
    _ask_in(frame, QUESTION)
    chat = frame.locator("#pa-chat")
    # the model's words appear bit by bit before the final answer (with its card) replaces them
    chat.get_by_text("宿州对设备技术改造", exact=False).first.wait_for(timeout=30_000)
    assert frame.locator(".pa-calc").count() == 0
    frame.locator(".pa-calc").first.wait_for(timeout=60_000)
    card = frame.locator(".pa-calc").first.inner_text()
    assert "800万元 × 8% = 64万元" in card and "64万元 ～ 64万元" in card
    cite = frame.locator("details.pa-cite").first
    assert "安徽省宿州市" in cite.inner_text() and "第1段" in cite.inner_text()
    cite.locator("summary").click()
    assert "按照项目设备购置额的8%给予奖补" in cite.inner_text() and "现行有效" in cite.inner_text()
    page.screenshot(path=str(ARTIFACTS / "embed-answer.png"), full_page=True)
    assert dialogs == []
    page.close()


def test_a_follow_up_to_a_place_without_policies_is_refused_in_the_chat(sites, browser):
    """「那无锡呢？」 after a 苏州 question: the worst failure would be 苏州's clauses shown for 无锡."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(sites["allowed"])
    page.locator("#policy-assistant-launcher").click()
    frame = page.frame_locator("#policy-assistant-frame")
    _ask_in(frame, "苏州中小企业上云补贴多少？")
    frame.locator("details.pa-cite").first.wait_for(timeout=60_000)
    cited_before = frame.locator("details.pa-cite").count()
    _ask_in(frame, "那无锡呢？")
    frame.locator("#pa-chat").get_by_text("政策库中未找到无锡", exact=False).first.wait_for(timeout=60_000)
    assert frame.locator("details.pa-cite").count() == cited_before  # the refusal cites nothing
    page.screenshot(path=str(ARTIFACTS / "follow-up-refused.png"), full_page=True)
    page.close()


def test_phone_width_has_no_horizontal_scrolling(sites, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(sites["api"] + "/chat/")
    _ask_in(page, QUESTION)
    page.locator(".pa-calc").first.wait_for(timeout=60_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "phone-chat.png"), full_page=True)
    host = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    host.goto(sites["allowed"])
    host.locator("#policy-assistant-launcher").click()
    box = host.locator("#policy-assistant-frame").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert host.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()
    host.close()


def test_an_origin_outside_the_allow_list_cannot_frame_the_chat(sites, browser):
    page = browser.new_page()
    page.goto(sites["other"])
    page.locator("#policy-assistant-launcher").click()
    page.wait_for_timeout(3000)
    frame = page.locator("#policy-assistant-frame").element_handle().content_frame()
    assert frame is None or frame.locator("#pa-input").count() == 0
    page.close()


def test_what_a_user_types_is_shown_not_run(sites, browser):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(sites["api"] + "/chat/")
    _ask_in(page, "<img src=x onerror=alert(1)><script>alert(2)</script>宿州设备购置额800万元能拿多少奖补？")
    page.locator(".pa-calc").first.wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "markup-question.png"), full_page=True)
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.locator("#pa-chat img[src='x']").count() == 0
    page.close()


# ---- markup in a question, in a model's answer and in a policy's own text is shown, never run

XSS_TEXT = (
    "测试市工业互联网专项政策\n一、支持企业上云。<img src=x onerror=\"window.__xss='clause';alert('clause')\">"
    "对上云企业给予最高18万元补贴。<script>window.__xss='script';alert('script')</script>\n"
)
XSS_META = (
    'id = "xss-city"\ntitle = "测试市<img src=x onerror=window.__xss=\'title\'>工业互联网专项政策"\n'
    'issuer = "测试市人民政府"\nprovince = "江苏省"\ncity = "测试市"\nissued = 2026-01-05\n'
)
XSS_MODEL_WORDS = (
    "测试市对上云企业给予最高18万元补贴[1]。<img src=x onerror=\"window.__xss='model';alert('model')\">"
    "<script>window.__xss='model-script'</script><svg onload=\"window.__xss='svg'\"></svg>"
)
XSS_QUESTION = "<img src=x onerror=\"window.__xss='question';alert('question')\">测试市企业上云补贴多少？"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """A library with a policy whose title and clause carry markup (a pasted web page, or an attack), a
    model that writes markup into its answer, and a bureau page embedding the widget."""
    import shutil

    from assistant.app import Assistant
    from assistant.index import build_index
    from tests.conftest import CORPUS
    from tests.fakes import HashEmbeddings

    root = tmp_path_factory.mktemp("xss")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "xss-city.txt").write_text(XSS_TEXT, encoding="utf-8")
    (corpus / "xss-city.toml").write_text(XSS_META, encoding="utf-8")
    emb = HashEmbeddings()
    build_index(corpus, root / "index", emb)
    assistant = Assistant(Settings(index_dir=root / "index", embedding_model="hash-test"), embeddings=emb)
    api_port, host_port = _free_port(), _free_port()
    host = f"http://127.0.0.1:{host_port}"
    model = FakeListChatModel(responses=[XSS_MODEL_WORDS] * 20, sleep=0.005)
    app = create_app(Settings(embed_origins=[host], llm_timeout_s=60), AnswerChain(assistant, model, 60))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=api_port, log_level="warning"))
    _serve_in_thread(server)
    page_handler = type("_XssHostPage", (_HostPage,), {"script_src": f"http://127.0.0.1:{api_port}/embed.js"})
    host_server = http.server.ThreadingHTTPServer(("127.0.0.1", host_port), page_handler)
    threading.Thread(target=host_server.serve_forever, daemon=True).start()
    yield {"api": f"http://127.0.0.1:{api_port}", "host": host, "assistant": assistant}
    server.should_exit = True
    host_server.shutdown()


def _shows_markup_as_text(chat, evaluate) -> None:
    """The answer (model words + quoted clause) is there, its markup as visible text, and nothing ran."""
    chat.locator("details.pa-cite").first.wait_for(timeout=60_000)
    cite = chat.locator("details.pa-cite").first
    cite.locator("summary").click()
    text = chat.inner_text()
    assert "测试市对上云企业给予最高18万元补贴" in text  # the model's words passed the guard rails
    assert "<img src=x onerror=\"window.__xss='model'" in text  # ... and their markup is plain text
    assert "<script>window.__xss='script'" in cite.inner_text()  # so is the clause's own
    assert "<img src=x onerror=window.__xss='title'>" in cite.inner_text()  # and the title's
    assert "<img src=x onerror=\"window.__xss='question'" in text  # and what the user typed
    assert chat.locator("img[src='x'], script, svg[onload], [onerror]").count() == 0
    assert evaluate("typeof window.__xss") == "undefined"


def test_markup_in_questions_answers_and_clauses_never_runs_in_the_chat(hostile_site, browser):
    answer = hostile_site["assistant"].ask(XSS_QUESTION)
    assert (
        answer.citations[0].policy_id == "xss-city" and "<script>" in answer.answer
    )  # the data does carry it
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_site["api"] + "/chat/")
    _ask_in(page, XSS_QUESTION)
    _shows_markup_as_text(page.locator("#pa-chat"), page.evaluate)
    page.screenshot(path=str(ARTIFACTS / "markup-answer.png"), full_page=True)
    page.wait_for_timeout(500)
    assert dialogs == [] and page.evaluate("typeof window.__xss") == "undefined"
    page.close()


def test_markup_never_runs_in_the_embedded_widget_or_its_host_page(hostile_site, browser):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_site["host"])
    page.locator("#policy-assistant-launcher").click()
    frame = page.frame_locator("#policy-assistant-frame")
    _ask_in(frame, XSS_QUESTION)
    inner = page.locator("#policy-assistant-frame").element_handle().content_frame()
    _shows_markup_as_text(frame.locator("#pa-chat"), inner.evaluate)
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.evaluate("typeof window.__xss") == "undefined"
    page.close()
