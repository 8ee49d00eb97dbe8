"""Warm `ask` latency in grounded mode and index build time, on this machine.

    .venv/bin/python benchmarks/ask_latency.py            # writes benchmarks/results.md

Not a test: timings vary with the machine and its load.
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from assistant.app import Assistant, QuestionError
from assistant.embeddings import load_embeddings
from assistant.evaluation import load_gold
from assistant.index import build_index
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    settings = Settings()
    t0 = time.perf_counter()
    embeddings = load_embeddings(settings.embedding_model)
    load_s = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        full = build_index(settings.corpus_dir, Path(tmp) / "index", embeddings)
        again = build_index(settings.corpus_dir, Path(tmp) / "index", embeddings)

    assistant = Assistant(settings, embeddings=embeddings)
    questions = [g.question for g in load_gold(ROOT / "evals" / "gold.jsonl")]
    for q in questions[:5]:
        assistant.ask(q, as_of=date(2026, 11, 25))  # warm-up
    times = []
    for q in questions:
        start = time.perf_counter()
        with contextlib.suppress(QuestionError):
            assistant.ask(q, as_of=date(2026, 11, 25))
        times.append((time.perf_counter() - start) * 1000)

    lines = [
        "# Benchmarks",
        "",
        f"Machine: this workplace's 2-core box. Embedding model: `{settings.embedding_model}` (loaded in {load_s:.2f} s).",
        "",
        "| what | result |",
        "|---|---|",
        f"| index build, full ({full.clauses} clauses) | {full.seconds:.1f} s |",
        f"| index build, nothing changed (incremental) | {again.seconds:.2f} s |",
        f"| warm `ask` (grounded), {len(times)} gold questions | p50 {pct(times, 50):.0f} ms, "
        f"p95 {pct(times, 95):.0f} ms, max {max(times):.0f} ms |",
    ]
    out = ROOT / "benchmarks" / "results.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
