"""A burst of concurrent questions to a server with the local model (`--llm local`): gate, 503s, no crash.

    .venv/bin/python benchmarks/llm_burst.py                 # 12 at once; writes benchmarks/results-llm-burst.md
    .venv/bin/python benchmarks/llm_burst.py --burst 12 --concurrency 2 --queue-timeout 20

Starts ``python -m assistant serve --llm local`` on a free loopback port with the default protection
settings (rate limit ``PA_RATE_LIMIT`` 30/minute per client, ``PA_LLM_CONCURRENCY`` generations at once,
``PA_LLM_QUEUE_TIMEOUT_S`` wait for a slot, then 503), fires ``--burst`` different answerable gold
questions at ``POST /api/ask`` at the same moment, and records each status and latency, then checks that
``GET /api/health`` still answers 200 and the process is alive. The local model needs ~10 s per answer
on two cores, so a burst takes about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from load import WORK, Server  # noqa: E402


def questions(n: int) -> list[str]:
    gold = [
        json.loads(x) for x in (ROOT / "evals" / "gold.jsonl").read_text(encoding="utf-8").splitlines() if x
    ]
    answerable = [g["question"] for g in gold if not g["refuse"] and g["kind"] != "calculation"]
    step = max(1, len(answerable) // n)
    return answerable[::step][:n]


async def burst(base: str, qs: list[str]) -> list[dict]:
    async def one(q: str, http: httpx.AsyncClient) -> dict:
        start = time.perf_counter()
        try:
            r = await http.post(f"{base}/api/ask", json={"question": q})
        except httpx.HTTPError as exc:  # the server went away (or never answered)
            return {
                "status": type(exc).__name__,
                "s": time.perf_counter() - start,
                "fallback": None,
                "retry_after": None,
            }
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        return {
            "status": r.status_code,
            "s": time.perf_counter() - start,
            "fallback": body.get("fallback"),
            "retry_after": r.headers.get("retry-after"),
        }

    async with httpx.AsyncClient(timeout=300, limits=httpx.Limits(max_connections=len(qs))) as http:
        return await asyncio.gather(*(one(q, http) for q in qs))


def run_once(args: argparse.Namespace, slots: int, queue: float, rate_limit: str) -> list[str]:
    """One server, one burst; returns the markdown section."""
    env = {
        "PA_INDEX_DIR": str(args.index),
        "PA_RATE_LIMIT": rate_limit,  # the default protection, not the load benchmark's
        "PA_LLM_CONCURRENCY": str(slots),
        "PA_LLM_QUEUE_TIMEOUT_S": str(queue),
    }
    server = Server("local", env=env)
    ready = server.wait_ready(timeout=300)
    try:
        qs = questions(args.burst)
        started = time.perf_counter()
        results = asyncio.run(burst(server.base, qs))
        wall = time.perf_counter() - started
        t = time.perf_counter()
        try:
            health_status: int | str = httpx.get(f"{server.base}/api/health", timeout=30).status_code
        except httpx.HTTPError as exc:
            health_status = type(exc).__name__
        health_s = time.perf_counter() - t
        # look without reaping, so stop() still gets the peak RSS from wait4
        dead = os.waitid(os.P_PID, server.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        alive = dead is None
        exit_code = None if dead is None else dead.si_status
        killed = dead is not None and dead.si_code != os.CLD_EXITED
    finally:
        peak = server.stop()
    crash = ""
    if not alive:
        log = Path(server.log.name).read_text(encoding="utf-8", errors="replace")
        assertion = next((x.strip() for x in log.splitlines() if "GGML_ASSERT" in x), "")
        crash = f" ({'killed by signal' if killed else 'exit code'} {exit_code}" + (
            f"; server log: `{assertion.split('/')[-1]}`)" if assertion else ")"
        )
    codes: dict[int | str, int] = {}
    for r in results:
        codes[r["status"]] = codes.get(r["status"], 0) + 1
    lines = [
        f"## `PA_LLM_CONCURRENCY={slots}`, `PA_LLM_QUEUE_TIMEOUT_S={queue:g}`",
        "",
        f"- server ready (model and index loaded, health 200) {ready:.1f} s after launch; peak RSS {peak:.0f} MB",
        f"- {len(qs)} requests: {', '.join(f'{c}: {n}' for c, n in sorted(codes.items(), key=str))}; "
        f"burst wall time {wall:.1f} s",
    ]
    for code in sorted(codes, key=str):
        mine = [r for r in results if r["status"] == code]
        lat = sorted(r["s"] for r in mine)
        extra = ""
        if code == 200:
            extra = f"; {sum(bool(r['fallback']) for r in mine)} grounded fallbacks"
        elif mine[0]["retry_after"]:
            extra = f"; Retry-After {mine[0]['retry_after']} s"
        lines.append(
            f"- {code}: latency min {lat[0]:.1f} s, median {statistics.median(lat):.1f} s, max {lat[-1]:.1f} s{extra}"
        )
    lines += [
        f"- afterwards `GET /api/health`: {health_status} ({health_s * 1000:.0f} ms); server process alive: "
        f"{'yes' if alive else 'NO'}{crash}",
        "",
        "| # | status | latency | fallback |",
        "|---|---|---|---|",
    ]
    for i, r in enumerate(sorted(results, key=lambda r: r["s"]), start=1):
        lines.append(f"| {i} | {r['status']} | {r['s']:.1f} s | {r['fallback']} |")
    return lines + [""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--burst", type=int, default=12)
    ap.add_argument(
        "--concurrency",
        default=None,
        help="PA_LLM_CONCURRENCY values, comma-separated, one server and burst each (default: the setting's)",
    )
    ap.add_argument(
        "--queue-timeout", type=float, default=None, help="PA_LLM_QUEUE_TIMEOUT_S (default: the setting's)"
    )
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-llm-burst.md")
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    from assistant.settings import Settings

    defaults = Settings()
    levels = [int(x) for x in (args.concurrency or str(defaults.llm_concurrency)).split(",")]
    queue = args.queue_timeout or defaults.llm_queue_timeout_s
    lines = [
        "# Burst against the local model (`serve --llm local`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} on this machine ({os.cpu_count()} cores, other engineers' "
        f"tests running). {args.burst} different answerable gold questions sent to `POST /api/ask` at the same "
        f"moment from one client, `PA_RATE_LIMIT={defaults.rate_limit}` (the default), model "
        f"`{defaults.llm_model_path.name}` with {defaults.llm_threads} threads; one fresh server per setting. "
        f"Reproduce: `.venv/bin/python benchmarks/llm_burst.py --burst {args.burst}"
        f"{f' --concurrency {args.concurrency}' if args.concurrency else ''}`.",
        "",
    ]
    for slots in levels:
        lines += run_once(args, slots, queue, defaults.rate_limit)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
