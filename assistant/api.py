"""One FastAPI server: the JSON API, server-sent events, the embeddable widget and the Gradio chat.

Routes: ``POST /api/ask``, ``POST /api/ask/stream`` (SSE), ``GET /api/policies``, ``GET /api/health``,
``GET /embed.js``, ``GET /embed-demo``, the chat under ``/chat/`` and OpenAPI docs under ``/docs``.
Protection for a public endpoint: per-client rate limit (429), body-size and question-length limits
(413/400), a cap on concurrent model generation (wait, then 503), access logs without question text,
``Content-Security-Policy: frame-ancestors`` from the embed allow-list and CORS for the API.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from limits import parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from assistant import prompts
from assistant.app import QuestionError
from assistant.chain import AnswerChain
from assistant.followup import Turn
from assistant.records import Answer, PolicyInfo
from assistant.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)
access_log = logging.getLogger("assistant.access")
STATIC = PROJECT_ROOT / "assistant" / "static"


class AskRequest(BaseModel):
    question: str = Field(description="用户的问题", examples=["宿州设备购置额800万元能拿多少奖补？"])
    history: list[Turn] = Field(
        default_factory=list, max_length=40, description="earlier turns, oldest first"
    )
    as_of: date | None = Field(default=None, description="validity date (default today)")


class Gate:
    """At most ``slots`` model generations at once; a request waits ``timeout_s`` for a slot, then 503.

    Disabled (every request passes at once) when answers come without a model: they take milliseconds.
    """

    def __init__(self, slots: int, timeout_s: float, enabled: bool = True):
        self.semaphore = asyncio.Semaphore(slots)
        self.timeout_s = timeout_s
        self.enabled = enabled

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if not self.enabled:
            yield
            return
        try:
            await asyncio.wait_for(self.semaphore.acquire(), self.timeout_s)
        except TimeoutError:
            raise HTTPException(503, prompts.SERVER_BUSY, headers={"Retry-After": "10"}) from None
        try:
            yield
        finally:
            self.semaphore.release()


def create_app(
    settings: Settings | None = None, chain: AnswerChain | None = None, with_ui: bool = True
) -> FastAPI:
    """The whole server; ``chain`` is injected in tests, built from the settings otherwise."""
    settings = settings or Settings()
    if chain is None:
        from assistant.app import Assistant
        from assistant.llm import make_chat_model

        chain = AnswerChain(Assistant(settings), make_chat_model(settings), settings.llm_timeout_s)
    from assistant.mcp_server import build_mcp

    mcp = build_mcp(chain)
    mcp_app = mcp.streamable_http_app(streamable_http_path="/", stateless_http=True, json_response=True)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with mcp.session_manager.run():  # the MCP transport's task group
            yield

    app = FastAPI(
        title="政策助手 policy-assistant API",
        version="0.1.0",
        description="工业互联网扶持政策问答：引用条款、确定性计算奖补金额。",
        lifespan=lifespan,
    )
    app.state.chain = chain
    uses_model = chain.chain is not None
    # the local llama.cpp model generates one answer at a time (assistant/llm.py); a server may do more
    slots = 1 if settings.llm == "local" else settings.llm_concurrency
    gate = Gate(slots, settings.llm_queue_timeout_s, enabled=uses_model)
    try:  # memory:// counts per process; several API processes share a limit through e.g. redis://
        storage = storage_from_string(settings.rate_limit_storage)
    except ConfigurationError as exc:
        raise ValueError(f"PA_RATE_LIMIT_STORAGE={settings.rate_limit_storage!r}: {exc}") from None
    limiter, limit = MovingWindowRateLimiter(storage), parse(settings.rate_limit)
    frame_ancestors = " ".join(["'self'", *settings.embed_origins])

    storage_failed_at = [-60.0]

    def _within_limit(client: str) -> bool:
        """Fails open: a shared counter store (redis) that is down must not take the answers down with it."""
        try:
            return limiter.hit(limit, client)
        except Exception as exc:  # the storage backends raise their own connection errors
            if time.monotonic() - storage_failed_at[0] >= 60:  # once a minute, not once per request
                storage_failed_at[0] = time.monotonic()
                log.error(
                    "rate-limit storage %s failed (%s); requests go through unlimited until it is back",
                    settings.rate_limit_storage,
                    exc,
                )
            return True

    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
    )

    @app.middleware("http")
    async def protect(request: Request, call_next):
        started = time.perf_counter()
        client = request.client.host if request.client else "-"
        path = request.url.path
        response: Response
        declared = request.headers.get("content-length")
        # policy files are uploaded to the admin API; everything else is a small JSON body
        max_bytes = (
            settings.max_upload_bytes + 65_536 if path.startswith("/admin/api/") else settings.max_body_bytes
        )
        if declared and declared.isdigit() and int(declared) > max_bytes:
            response = JSONResponse({"detail": prompts.BODY_TOO_LARGE}, status_code=413)
        elif path.startswith(("/v1/", "/mcp")) and not _authorized(request):
            response = JSONResponse(
                {"error": {"message": "Invalid API key.", "code": "invalid_api_key"}}, 401
            )
        elif path.startswith(("/api/ask", "/v1/", "/mcp", "/admin/api/")) and not _within_limit(client):
            response = JSONResponse(
                {"detail": prompts.RATE_LIMITED}, status_code=429, headers={"Retry-After": "60"}
            )
        else:
            response = await call_next(request)
        if path.startswith("/admin"):
            response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"  # staff only, never framed
            response.headers["Cache-Control"] = "no-store"
        elif not path.startswith("/api"):
            response.headers["Content-Security-Policy"] = f"frame-ancestors {frame_ancestors}"
        response.headers["X-Content-Type-Options"] = "nosniff"
        access_log.info(
            json.dumps(
                {
                    "client": client,
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                }
            )
        )
        return response

    def _authorized(request: Request) -> bool:
        key = settings.api_key
        return key is None or request.headers.get("authorization") == f"Bearer {key.get_secret_value()}"

    def _check(req: AskRequest) -> None:
        if len(req.question) > settings.max_question_chars:
            raise HTTPException(
                400, prompts.TOO_LONG_QUESTION.format(n=len(req.question), limit=settings.max_question_chars)
            )

    @app.post("/api/ask", response_model=Answer, tags=["ask"])
    async def ask(req: AskRequest) -> Answer:
        """The answer contract for one question (with optional conversation ``history``)."""
        _check(req)
        try:
            async with gate.slot():
                return await run_in_threadpool(chain.ask, req.question, req.history, req.as_of)
        except QuestionError as exc:
            raise HTTPException(400, str(exc)) from None

    @app.post("/api/ask/stream", tags=["ask"])
    async def ask_stream(req: AskRequest) -> EventSourceResponse:
        """Server-sent events: ``meta`` (citations, calculations) → ``token``… → ``final`` (the contract)."""
        _check(req)
        events = chain.stream(req.question, req.history, req.as_of)
        try:
            first = await run_in_threadpool(next, events)  # a bad question fails here, as a 400
        except QuestionError as exc:
            raise HTTPException(400, str(exc)) from None

        async def publish() -> AsyncIterator[dict]:
            yield _sse(first)
            try:
                async with gate.slot():
                    async for event in iterate_in_threadpool(events):
                        yield _sse(event)
            except HTTPException as exc:  # no free model slot: the stream is already open, so say it here
                yield {"event": "error", "data": json.dumps({"detail": exc.detail}, ensure_ascii=False)}

        return EventSourceResponse(publish())

    from assistant.openai_compat import build_router, openai_error_handler

    app.include_router(build_router(settings, chain, gate))
    app.add_exception_handler(HTTPException, openai_error_handler)

    app.mount("/mcp", mcp_app)

    from assistant.admin import mount_admin

    mount_admin(app, settings, chain)  # only with PA_ADMIN_TOKEN set

    @app.get("/api/policies", response_model=list[PolicyInfo], tags=["policies"])
    async def policies(as_of: date | None = None) -> list[PolicyInfo]:
        """Every policy in the library with its validity status (default: today), dates and clause count.

        ``status``: in_force 现行有效 · expiring 即将失效 (ends within ``PA_EXPIRING_DAYS``, default 60) ·
        expired 已失效 · repealed 已废止 · draft 征求意见稿 · not_yet 尚未生效 · unknown 效力未知.
        """
        return await run_in_threadpool(chain.assistant.policy_infos, as_of or settings.today())

    @app.get("/api/health", tags=["health"])
    async def health() -> dict:
        chain.assistant.refresh()
        index = chain.assistant.index
        return {
            "status": "ok",
            "index": index.build.name,
            "clauses": len(index.entries),
            "policies": len(index.policies),
            "llm": settings.llm if uses_model else "none",
        }

    @app.get("/embed.js", include_in_schema=False)
    async def embed_js() -> Response:
        return Response(
            (STATIC / "embed.js").read_text(encoding="utf-8"), media_type="application/javascript"
        )

    @app.get("/embed-demo", include_in_schema=False)
    async def embed_demo() -> HTMLResponse:
        return HTMLResponse((STATIC / "embed-demo.html").read_text(encoding="utf-8"))

    @app.get("/", include_in_schema=False)
    async def root() -> Response:
        return Response(status_code=307, headers={"Location": "/chat/"})

    if with_ui:
        import sys

        import gradio as gr

        sys.path.insert(0, str(PROJECT_ROOT))  # ui.py lives at the project root
        from ui import CSS, build_ui

        app = gr.mount_gradio_app(
            app, build_ui(chain), path="/chat", css=CSS, footer_links=[], ssr_mode=False
        )
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` / several worker processes: settings from the environment."""
    return create_app(Settings())


def _sse(event) -> dict:
    data = event.data
    if event.type == "final":
        data = {"answer": data["answer"].model_dump(mode="json")}
    return {"event": event.type, "data": json.dumps(data, ensure_ascii=False, default=str)}
