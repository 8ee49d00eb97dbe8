"""The admin API and page for bureau staff, separate from the public chat: upload, review, publish.

Mounted under ``/admin`` only when ``PA_ADMIN_TOKEN`` is set; every ``/admin/api/`` call needs
``Authorization: Bearer <token>`` (401 without, 403 when wrong) and names its user in ``X-Admin-User``
for the audit log. The routes are left out of the public OpenAPI schema, the widget never sees the
token (staff type it into the admin page, which keeps it in the tab's sessionStorage), and the page
cannot be framed. Publishing runs in a worker thread while the chat keeps answering from the serving
index; the chat's ``Assistant`` switches to the new build on its next question.
"""

from __future__ import annotations

import hmac
from datetime import date
from urllib.parse import unquote

from fastapi import APIRouter, Depends, FastAPI, File, Form, Header, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from assistant.chain import AnswerChain
from assistant.corpus import CorpusError
from assistant.index import IndexError_
from assistant.ingest import IngestError
from assistant.library import Draft, Library, LibraryError
from assistant.records import PolicyInfo
from assistant.settings import PROJECT_ROOT, Settings

PAGE = PROJECT_ROOT / "assistant" / "static" / "admin.html"


class DraftOut(BaseModel):
    id: str
    filename: str
    format: str
    uploaded_by: str
    uploaded_at: str
    metadata: dict
    missing: list[str]
    notes: dict[str, str]
    problems: list[str]
    clauses: int
    replaces: bool
    ready: bool


class Changes(BaseModel):
    """Metadata fields to correct; an empty string or null clears a field."""

    changes: dict[str, object] = Field(examples=[{"expires": "2026-12-31", "city": "苏州市"}])


class Unpublish(BaseModel):
    reason: str = Field(default="", max_length=500)


class BuildOut(BaseModel):
    build: str
    policies: int
    clauses: int
    embedded: int
    seconds: float


def _draft_out(d: Draft) -> DraftOut:
    return DraftOut(**{k: getattr(d, k) for k in DraftOut.model_fields})


def mount_admin(app: FastAPI, settings: Settings, chain: AnswerChain) -> None:
    """Add the admin page and API to ``app`` (nothing is added without an admin token)."""
    if settings.admin_token is None:
        return
    token = settings.admin_token.get_secret_value()
    library = Library(settings, embeddings=chain.assistant.embeddings)  # the model already loaded

    def actor(
        authorization: str | None = Header(default=None),
        x_admin_user: str | None = Header(default=None, max_length=400),
    ) -> str:
        if not authorization:
            raise HTTPException(
                401, "需要管理员令牌（Authorization: Bearer …）", {"WWW-Authenticate": "Bearer"}
            )
        given = authorization.removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(403, "管理员令牌不正确")
        return unquote(x_admin_user or "").strip()[:64] or "admin"  # the page sends it URL-encoded (中文)

    api = APIRouter(prefix="/admin/api", include_in_schema=False)

    async def call(action, *args):
        """A library action in a worker thread (the chat keeps answering); errors become 4xx naming the cause."""
        try:
            return await run_in_threadpool(action, *args)
        except IngestError as exc:
            raise HTTPException(422, str(exc)) from None
        except LibraryError as exc:
            raise HTTPException(409 if "cannot be published" in str(exc) else 404, str(exc)) from None
        except (CorpusError, IndexError_) as exc:
            raise HTTPException(409, f"{exc}；政策库未改动") from None

    @api.get("/policies", response_model=list[PolicyInfo])
    async def policies(as_of: date | None = None, who: str = Depends(actor)) -> list[PolicyInfo]:
        return await run_in_threadpool(chain.assistant.policy_infos, as_of or settings.today())

    @api.get("/drafts", response_model=list[DraftOut])
    async def drafts(who: str = Depends(actor)) -> list[DraftOut]:
        return [_draft_out(d) for d in await call(library.drafts)]

    @api.get("/drafts/{draft_id}", response_model=DraftOut)
    async def draft(draft_id: str, who: str = Depends(actor)) -> DraftOut:
        return _draft_out(await call(library.draft, draft_id))

    @api.post("/drafts", response_model=DraftOut, status_code=201)
    async def upload(
        file: UploadFile = File(..., description="PDF, Word (.docx), HTML or TXT"),
        policy_id: str | None = Form(default=None),
        who: str = Depends(actor),
    ) -> DraftOut:
        data = await file.read(settings.max_upload_bytes + 1)
        return _draft_out(await call(library.add, data, file.filename or "upload", who, policy_id or None))

    @api.patch("/drafts/{draft_id}", response_model=DraftOut)
    async def correct(draft_id: str, body: Changes, who: str = Depends(actor)) -> DraftOut:
        return _draft_out(await call(library.update, draft_id, body.changes, who))

    @api.delete("/drafts/{draft_id}", status_code=204)
    async def discard(draft_id: str, who: str = Depends(actor)) -> None:
        await call(library.discard, draft_id, who)

    @api.post("/drafts/{draft_id}/publish", response_model=BuildOut)
    async def publish(draft_id: str, who: str = Depends(actor)) -> BuildOut:
        report = await call(library.publish, draft_id, who)
        await run_in_threadpool(chain.assistant.refresh, True)
        return BuildOut(**vars(report))

    @api.post("/policies/{policy_id}/unpublish", response_model=BuildOut)
    async def unpublish(policy_id: str, body: Unpublish, who: str = Depends(actor)) -> BuildOut:
        report = await call(library.unpublish, policy_id, who, body.reason)
        await run_in_threadpool(chain.assistant.refresh, True)
        return BuildOut(**vars(report))

    @api.get("/audit")
    async def audit(limit: int = 200, who: str = Depends(actor)) -> list[dict]:
        return await call(library.audit_entries, max(1, min(limit, 2000)))

    app.include_router(api)

    @app.get("/admin", include_in_schema=False)
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE.read_text(encoding="utf-8"))
