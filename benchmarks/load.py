"""HTTP benchmark of the server in grounded mode (`--llm none`): startup time and POST /api/ask under load.

    .venv/bin/python benchmarks/load.py                       # writes benchmarks/results-http.md
    .venv/bin/python benchmarks/load.py --levels 1,10,50 --duration 20 --workers 1
    .venv/bin/python benchmarks/load.py --python-client        # the httpx client instead of wrk

Starts its own server on a free loopback port with ``PA_RATE_LIMIT=1000000/minute`` (the default 30/minute
per client would turn the benchmark into a 429 test) and the index in ``--index`` (default: the
project's ``index/``).

1. **Startup**: from launching ``python -m assistant serve --llm none`` until ``GET /api/health`` answers
   200, median of ``--startup-runs`` (3) launches.
2. **Load**: ``wrk`` (a C load generator, so the client does not take the server's two cores) with
   ``benchmarks/ask.lua`` at each concurrency level, two workloads:
   - *popular*: the ten questions of ``ask.lua`` over and over (query embeddings cached after the first);
   - *new*: every request is a question the server has not seen: each gold question with harmless
     variations (「请问」 in front, 「？」「吗？」「…」 at the end) that leave the tokens, places and figures
     unchanged, so retrieval and the answer are the same work but the query embedding is computed.
   ``--python-client`` runs the httpx client instead (every gold question in turn; the client shares
   the two cores with the server).

Traffic goes only to 127.0.0.1; every run is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
GOLD = [
    json.loads(line)["question"]
    for line in (ROOT / "evals" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
WRK = shutil.which("wrk") or "/usr/bin/wrk"
WORK = Path(tempfile.gettempdir()) / "pa-bench"
PREFIXES = ("", "请问", "请问，", "请问一下，", "请问：")
SUFFIXES = ("", "？", "?", "？？", "。", "！", "呢？", "吗？", "…", "……", "?？", "！？", "～")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- the server


class Server:
    """``python -m assistant serve`` in a child process on a free loopback port."""

    def __init__(self, llm: str = "none", workers: int = 1, env: dict[str, str] | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = os.environ | {"PA_RATE_LIMIT": "1000000/minute"} | (env or {}) | {"PA_PORT": str(self.port)}
        self.started = time.perf_counter()
        self.log = open(WORK / f"server-{self.port}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "assistant", "serve", "--llm", llm, "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 180) -> float:
        """Seconds from launch until /api/health answered 200."""
        while True:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=2).status_code == 200:
                    return time.perf_counter() - self.started
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}; see {self.log.name}")
            if time.perf_counter() - self.started > timeout:
                self.stop()
                raise SystemExit("server did not start")
            time.sleep(0.05)

    def stop(self) -> float:
        """Stop the server (if it still runs); returns its peak RSS in MB (from wait4, also after a crash)."""
        if self.proc.returncode is not None:
            self.log.close()
            return float("nan")
        # os.kill, not Popen.terminate(): its poll() would reap a crashed server before wait4 sees it
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGTERM)
        deadline = time.perf_counter() + 30
        pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
        while not pid and time.perf_counter() < deadline:
            time.sleep(0.1)
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
        if not pid:
            os.kill(self.proc.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.log.close()
        return usage.ru_maxrss / 1024


def measure_startup(runs: int, llm: str, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        server = Server(llm, env=env)
        try:
            times.append(server.wait_ready())
        finally:
            server.stop()
    return times


# ---------------------------------------------------------------- workloads


def new_question_bodies() -> list[str]:
    """Request bodies with questions the server has not seen; each keeps its gold question's tokens."""
    from assistant.amounts import find_figures
    from assistant.places import detect_places
    from assistant.tokenize import tokenize

    per_question: list[list[str]] = []
    for q in GOLD:
        stem = q.rstrip("？?。！")
        variants = []
        for p in PREFIXES:
            for s in SUFFIXES:
                v = p + (stem + s if s else q)
                same = tokenize(v) == tokenize(q) and detect_places(v) == detect_places(q)
                if v != q and same and find_figures(v) == find_figures(q):
                    variants.append(v)
        per_question.append(list(dict.fromkeys(variants)))
    # round-robin over the questions, so consecutive requests ask different things
    bodies = []
    for i in range(max(len(v) for v in per_question)):
        bodies += [json.dumps({"question": v[i]}, ensure_ascii=False) for v in per_question if i < len(v)]
    return bodies


def popular_bodies() -> list[str]:
    lua = (ROOT / "benchmarks" / "ask.lua").read_text(encoding="utf-8")
    block = lua[lua.index("local questions = {") : lua.index("}")]
    return [json.dumps({"question": q}, ensure_ascii=False) for q in re.findall(r'"([^"]+)"', block)]


def run_wrk(base: str, clients: int, seconds: int, bodies_file: Path, offset: int) -> dict:
    threads = min(2, clients)
    cmd = [
        WRK, f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s", "-s",
        str(ROOT / "benchmarks" / "ask.lua"), base, "--", str(bodies_file), str(offset), str(threads),
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT ")) | {"clients": clients}


async def run_python_level(base: str, clients: int, per_client: int, offset: int) -> dict:
    latencies: list[float] = []
    codes: dict[int, int] = {}

    async def client(i: int, http: httpx.AsyncClient) -> None:
        for j in range(per_client):
            q = GOLD[(i * per_client + j + offset) % len(GOLD)]
            start = time.perf_counter()
            r = await http.post(f"{base}/api/ask", json={"question": q})
            latencies.append((time.perf_counter() - start) * 1000)
            codes[r.status_code] = codes.get(r.status_code, 0) + 1

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=clients)) as http:
        await asyncio.gather(*(client(i, http) for i in range(clients)))
    wall = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "clients": clients,
        "requests": len(latencies),
        "p50": q[49],
        "p95": q[94],
        "p99": q[98],
        "rps": len(latencies) / wall,
        "non2xx": sum(n for c, n in codes.items() if c >= 300),
        "codes": codes,
    }


# ---------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description="HTTP startup and load benchmark (grounded mode)")
    ap.add_argument("--levels", default="1,10,50", help="concurrent clients, comma-separated")
    ap.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    ap.add_argument(
        "--workers", type=int, default=int(os.environ.get("WORKERS", "1")), help="server processes"
    )
    ap.add_argument("--startup-runs", type=int, default=3)
    ap.add_argument("--index", type=Path, default=ROOT / "index", help="built index folder")
    ap.add_argument("--python-client", action="store_true", help="httpx client, all gold questions in turn")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-http.md")
    ap.add_argument("--startup-only", action="store_true", help="only the startup measurement (printed)")
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    levels = [int(x) for x in args.levels.split(",")]
    env = {"PA_INDEX_DIR": str(args.index)}

    startup = measure_startup(args.startup_runs, "none", env) if args.startup_runs else []
    if args.startup_only:
        print(f"startup with {args.index}: median {statistics.median(startup):.1f} s of {startup}")
        return
    server = Server("none", args.workers, env)
    ready = server.wait_ready()
    rows: list[tuple[str, dict]] = []
    try:
        if args.python_client:
            offset = 0
            for c in levels:
                rows.append(
                    (
                        "gold questions in turn (httpx)",
                        asyncio.run(run_python_level(server.base, c, 10, offset)),
                    )
                )
                offset += c * 10
        else:
            popular, new = WORK / "bodies-popular.txt", WORK / "bodies-new.txt"
            popular.write_text("\n".join(popular_bodies()) + "\n", encoding="utf-8")
            bodies = new_question_bodies()
            new.write_text("\n".join(bodies) + "\n", encoding="utf-8")
            run_wrk(server.base, 2, 3, popular, 0)  # warm-up: lazy imports, first requests
            offset = 0
            for c in levels:
                r = run_wrk(server.base, c, args.duration, new, offset)
                offset += r["requests"]
                r["wrapped"] = offset > len(bodies)  # ran out of unseen questions (then some were cached)
                rows.append(("new questions", r))
            for c in levels:
                rows.append(
                    ("popular (10 questions, cached)", run_wrk(server.base, c, args.duration, popular, 0))
                )
    finally:
        server.stop()

    load = os.getloadavg()
    lines = [
        f"# HTTP: startup and load, grounded mode (`--llm none`), {args.workers} server process(es)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} on this machine ({os.cpu_count()} cores; load average at the "
        f"end {load[0]:.1f}; other engineers' tests ran at the same time). Server started with "
        "`PA_RATE_LIMIT=1000000/minute`. Reproduce: `.venv/bin/python benchmarks/load.py"
        f"{' --python-client' if args.python_client else ''} --levels {args.levels} --duration {args.duration}"
        f"{f' --workers {args.workers}' if args.workers > 1 else ''}"
        f"{f' --index {args.index}' if args.index != ROOT / 'index' else ''}`.",
        "",
    ]
    if startup:
        lines += [
            f"Startup (launch → `GET /api/health` 200, index `{args.index.name}/`): median "
            f"{statistics.median(startup):.1f} s of {len(startup)} ({', '.join(f'{s:.1f}' for s in startup)} s); "
            f"the load server: {ready:.1f} s.",
            "",
        ]
    client = "httpx (Python, same machine)" if args.python_client else "wrk"
    lines += [
        "| workload | concurrent clients | requests | p50 | p95 | p99 | throughput | non-2xx | client |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows:
        note = " (ran out of unseen questions)" if r.get("wrapped") else ""
        lines.append(
            f"| {name}{note} | {r['clients']} | {r['requests']} | {r['p50']:.0f} ms | {r['p95']:.0f} ms | "
            f"{r['p99']:.0f} ms | {r['rps']:.1f} req/s | {r['non2xx']} | {client} |"
        )
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
