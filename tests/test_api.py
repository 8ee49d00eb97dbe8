import asyncio
import json

import httpx
import pytest
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.api import create_app
from assistant.chain import AnswerChain
from assistant.settings import Settings

QUESTION = "宿州设备购置额800万元能拿多少奖补？"


def client_for(fake_assistant, model=None, **settings) -> TestClient:
    app = create_app(Settings(**settings), AnswerChain(fake_assistant, model, 30), with_ui=False)
    return TestClient(app)


@pytest.fixture
def client(fake_assistant):
    return client_for(
        fake_assistant,
        embed_origins=["https://gxj.example.gov.cn"],
        cors_origins=["https://gxj.example.gov.cn"],
    )


def test_ask_returns_the_answer_contract(client):
    r = client.post("/api/ask", json={"question": QUESTION, "as_of": "2026-11-25"})
    assert r.status_code == 200
    data = r.json()
    assert data["citations"][0]["policy_id"] == "suzhou-anhui-2021"
    assert data["calculations"][0]["max_yuan"] == 640000 and data["fallback"] is False


def test_ask_with_history_resolves_the_follow_up(client):
    history = [
        {"role": "user", "content": "苏州中小企业上云补贴多少？"},
        {"role": "assistant", "content": "…"},
    ]
    data = client.post("/api/ask", json={"question": "那宿州呢？", "history": history}).json()
    assert data["resolved_question"] == "宿州中小企业上云补贴多少？"
    assert data["citations"][0]["region"] == "安徽省宿州市"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"question": "   "}, 400, "问题不能为空"),
        ({"question": "补" * 5000}, 400, "问题过长"),
        ({"question": 42}, 422, None),
        ({}, 422, None),
    ],
)
def test_bad_questions_get_clear_4xx(client, body, status, message):
    r = client.post("/api/ask", json=body)
    assert r.status_code == status
    if message:
        assert message in r.json()["detail"]


def test_oversized_body_is_refused(client):
    r = client.post(
        "/api/ask",
        content=json.dumps({"question": "补" * 40000}),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["detail"] == "请求内容过大。"


def test_rate_limit_per_client(fake_assistant):
    c = client_for(fake_assistant, rate_limit="3/minute")
    codes = [c.post("/api/ask", json={"question": QUESTION}).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    r = c.post("/api/ask", json={"question": QUESTION})
    assert r.json()["detail"] == "请求过于频繁，请稍后再试。" and r.headers["retry-after"] == "60"


def test_stream_sends_meta_tokens_then_final(fake_assistant):
    c = client_for(
        fake_assistant, FakeListChatModel(responses=["最高100万元，按您的800万元测算为64万元[1]。"])
    )
    with c.stream("POST", "/api/ask/stream", json={"question": QUESTION}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [
            line.removeprefix("event: ").strip() for line in r.iter_lines() if line.startswith("event:")
        ]
    assert events[0] == "meta" and events[-1] == "final" and events.count("token") > 3


def test_stream_rejects_a_bad_question_before_streaming(client):
    assert client.post("/api/ask/stream", json={"question": ""}).status_code == 400


def test_policies_with_status(client):
    rows = {p["id"]: p for p in client.get("/api/policies", params={"as_of": "2026-11-25"}).json()}
    assert rows["luan-draft"]["status_label"] == "征求意见稿"
    assert rows["suzhou-2020-120"]["status"] == "expired"
    # 江苏 platform measures end 2026-12-31: within 60 days of 2026-11-25
    assert rows["jiangsu-platform"]["status"] == "expiring"
    assert rows["jiangsu-platform"]["status_label"] == "即将失效"
    assert rows["suzhou-anhui-2021"]["clauses"] == 44


def test_health_and_docs(client):
    assert client.get("/api/health").json()["clauses"] == 118
    assert client.get("/openapi.json").json()["paths"]["/api/ask"]["post"]


def test_embed_script_and_frame_policy(client):
    js = client.get("/embed.js")
    assert (
        js.headers["content-type"].startswith("application/javascript")
        and "policy-assistant-frame" in js.text
    )
    demo = client.get("/embed-demo")
    assert demo.headers["content-security-policy"] == "frame-ancestors 'self' https://gxj.example.gov.cn"
    assert "/embed.js" in demo.text


def test_cors_only_for_allowed_origins(client):
    ok = client.options(
        "/api/ask", headers={"Origin": "https://gxj.example.gov.cn", "Access-Control-Request-Method": "POST"}
    )
    assert ok.headers.get("access-control-allow-origin") == "https://gxj.example.gov.cn"
    bad = client.options(
        "/api/ask", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in bad.headers


def test_model_generation_is_capped_and_a_burst_sheds_with_503(fake_assistant):
    slow = FakeListChatModel(responses=["最高100万元[1]。"] * 10, sleep=0.1)
    settings = Settings(llm_concurrency=1, llm_queue_timeout_s=0.3)
    app = create_app(settings, AnswerChain(fake_assistant, slow, 30), with_ui=False)

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            calls = [c.post("/api/ask", json={"question": QUESTION}) for _ in range(3)]
            return sorted(r.status_code for r in await asyncio.gather(*calls))

    codes = asyncio.run(burst())
    assert codes == [200, 503, 503]  # one generates (about 1 s), the others give up after 0.3 s


def test_no_secret_reaches_the_browser(fake_assistant):
    c = client_for(fake_assistant, openai_api_key="sk-very-secret")
    for path in ("/embed.js", "/embed-demo", "/api/health", "/openapi.json"):
        assert "sk-very-secret" not in c.get(path).text
