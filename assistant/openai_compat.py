"""OpenAI-compatible ``/v1/models`` and ``/v1/chat/completions`` over the same answer chain.

The last user message is the question, earlier user/assistant turns its history. The reply text
carries the ``[n]`` markers and a 「依据」 list of the cited clauses; the whole answer contract travels
in the extra field ``policy_answer`` (non-streaming: on the response; streaming: on the last chunk).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from assistant.app import QuestionError
from assistant.chain import AnswerChain
from assistant.followup import Turn
from assistant.records import STATUS_LABELS, Answer
from assistant.settings import Settings

MODEL_ID = "policy-assistant"
STREAM_PIECE = 24  # characters per streamed chunk


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1, max_length=60)
    stream: bool = False
    temperature: float | None = None  # accepted for compatibility; answers are grounded either way
    max_tokens: int | None = None


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):  # [{"type": "text", "text": "…"}]
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def basis(answer: Answer) -> str:
    """「依据」: one line per cited clause (policy, 文号, clause path, status)."""
    if not answer.citations:
        return ""
    lines = [
        f"[{c.n}] 《{c.policy_title}》（{c.doc_number or '无文号'}）{c.clause_path}，{STATUS_LABELS[c.status]}"
        for c in answer.citations
    ]
    return "\n\n依据：\n" + "\n".join(lines)


def _error(status: int, message: str, kind: str, code: str) -> HTTPException:
    return HTTPException(status, {"error": {"message": message, "type": kind, "code": code}})


async def _final(events) -> Answer:
    answer = None
    async for event in iterate_in_threadpool(events):
        if event.type == "final":
            answer = event.data["answer"]
    assert answer is not None
    return answer


def build_router(settings: Settings, chain: AnswerChain, gate) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["openai-compatible"])

    def split(req: ChatRequest) -> tuple[str, list[Turn]]:
        if req.model != MODEL_ID:
            raise _error(
                404,
                f"The model '{req.model}' does not exist; use '{MODEL_ID}'.",
                "invalid_request_error",
                "model_not_found",
            )
        turns = [(m.role, _text(m.content)) for m in req.messages if m.role in ("user", "assistant")]
        if not turns or turns[-1][0] != "user":
            raise _error(
                400, "The last message must be the user's question.", "invalid_request_error", "no_question"
            )
        question = turns[-1][1]
        if len(question) > settings.max_question_chars:
            raise _error(
                400, f"问题过长（{len(question)}个字符）。", "invalid_request_error", "question_too_long"
            )
        return question, [Turn(role=r, content=t) for r, t in turns[:-1]]  # type: ignore[arg-type]

    @router.get("/models")
    async def models() -> dict:
        return {
            "object": "list",
            "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "policy-assistant"}],
        }

    @router.post("/chat/completions")
    async def completions(req: ChatRequest):
        question, history = split(req)
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        if req.stream:
            return await _stream(question, history, cid, created)
        try:
            async with gate.slot():
                answer = await run_in_threadpool(chain.ask, question, history)
        except QuestionError as exc:
            raise _error(400, str(exc), "invalid_request_error", "bad_question") from None
        return {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": MODEL_ID,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": answer.answer + basis(answer)},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "policy_answer": answer.model_dump(mode="json"),
        }

    async def _stream(question: str, history: list[Turn], cid: str, created: int) -> StreamingResponse:
        events = chain.stream(question, history)
        try:
            first = await run_in_threadpool(next, events)
        except QuestionError as exc:
            raise _error(400, str(exc), "invalid_request_error", "bad_question") from None

        def chunk(delta: dict, finish: str | None = None, extra: dict | None = None) -> str:
            body = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": MODEL_ID,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            } | (extra or {})
            return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

        async def body() -> AsyncIterator[str]:
            # An OpenAI client cannot take back text it has shown, so only the checked answer is sent:
            # the model's tokens are held until the guard rails have passed (or replaced) them.
            assert first.type == "meta"
            yield chunk({"role": "assistant", "content": ""})
            try:
                async with gate.slot():
                    answer = await _final(events)
            except HTTPException as exc:
                message = json.dumps(
                    {"error": {"message": exc.detail, "type": "server_busy"}}, ensure_ascii=False
                )
                yield f"data: {message}\n\n"
                yield "data: [DONE]\n\n"
                return
            text = answer.answer + basis(answer)
            for i in range(0, len(text), STREAM_PIECE):
                yield chunk({"content": text[i : i + STREAM_PIECE]})
            yield chunk({}, "stop", {"policy_answer": answer.model_dump(mode="json")})
            yield "data: [DONE]\n\n"

        return StreamingResponse(body(), media_type="text/event-stream")

    return router


def openai_error_handler(_request, exc: HTTPException):
    """OpenAI clients expect ``{"error": {...}}`` bodies; keep other errors as FastAPI shapes them."""
    if isinstance(exc.detail, dict) and "error" in exc.detail:
        return JSONResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
