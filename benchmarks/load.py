"""HTTP load on POST /api/ask (grounded mode): p50/p95 latency and throughput at several concurrencies.

    .venv/bin/python benchmarks/load.py            # starts its own server on loopback, writes benchmarks/results-http.md

Traffic goes only to 127.0.0.1; every loop is bounded in requests and time.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# every gold question in turn (so the query-embedding cache sees few repeats, as with real traffic)
QUESTIONS = [
    json.loads(line)["question"]
    for line in (ROOT / "evals" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
]
LEVELS = (1, 10, 20, 50)
REQUESTS_PER_CLIENT = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run_level(base: str, clients: int, offset: int) -> dict:
    latencies: list[float] = []
    codes: dict[int, int] = {}

    async def client(i: int, http: httpx.AsyncClient) -> None:
        for j in range(REQUESTS_PER_CLIENT):
            q = QUESTIONS[(i * REQUESTS_PER_CLIENT + j + offset) % len(QUESTIONS)]
            start = time.perf_counter()
            r = await http.post(f"{base}/api/ask", json={"question": q})
            latencies.append((time.perf_counter() - start) * 1000)
            codes[r.status_code] = codes.get(r.status_code, 0) + 1

    started = time.perf_counter()
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        await asyncio.gather(*(client(i, http) for i in range(clients)))
    wall = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {
        "clients": clients,
        "n": len(latencies),
        "p50": q[49],
        "p95": q[94],
        "rps": len(latencies) / wall,
        "codes": codes,
    }


def main() -> None:
    port = free_port()
    env = os.environ | {"PA_RATE_LIMIT": "1000000/minute", "PA_PORT": str(port)}
    workers = os.environ.get("WORKERS", "1")
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--llm", "none", "--workers", workers],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - started > 120:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        startup = time.perf_counter() - started
        rows, offset = [], 0
        for c in LEVELS:
            rows.append(asyncio.run(run_level(base, c, offset)))
            offset += c * REQUESTS_PER_CLIENT
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = [
        f"# HTTP load, grounded mode (`--llm none`), {workers} worker process(es)",
        "",
        f"One server process on this 2-core machine; {REQUESTS_PER_CLIENT} requests per client, cycling through "
        f"the {len(QUESTIONS)} gold questions (a question repeats only after all others). Server ready (index and models loaded) {startup:.1f} s after start. "
        f"Reproduce: `WORKERS={workers} .venv/bin/python benchmarks/load.py`.",
        "",
        "| concurrent clients | requests | p50 | p95 | throughput | status codes |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['clients']} | {r['n']} | {r['p50']:.0f} ms | {r['p95']:.0f} ms | {r['rps']:.1f} req/s | {r['codes']} |"
        )
    out = ROOT / "benchmarks" / f"results-http-{workers}w.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
