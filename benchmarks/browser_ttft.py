"""Time to first streamed token and to the full answer in a real browser, with the local model.

.venv/bin/python benchmarks/browser_ttft.py     # starts `serve --llm local` on loopback; writes benchmarks/results-browser.md
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "宿州设备购置额800万元能拿多少奖补？",
    "江苏省对新入选国家级双跨平台奖励多少？",
    "苏州的中小企业上云有什么补贴？",
]


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {"PA_PORT": str(port)}
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--llm", "local"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--no-first-run",
                ],
            )
            page = browser.new_page()
            page.goto(f"{base}/chat/")
            page.wait_for_selector("#pa-input textarea", timeout=60_000)
            for q in QUESTIONS:
                page.locator("#pa-clear").click()
                page.wait_for_timeout(300)
                page.locator("#pa-input textarea").fill(q)
                start = time.perf_counter()
                page.locator("#pa-send").click()
                first = None
                while time.perf_counter() - start < 300:
                    # the chat shows 「……」 until the first token arrives
                    text = page.locator("#pa-chat").inner_text()
                    if first is None and q in text and "……" not in text:
                        first = time.perf_counter() - start
                    if page.locator("#pa-chat details.pa-cite").count():
                        break
                    time.sleep(0.05)
                page.screenshot(path=str(ROOT / "test-artifacts" / f"ttft-{len(rows)}.png"))
                rows.append((q, first or float("nan"), time.perf_counter() - start))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = [
        "# Web chat with the local model, measured in Chromium",
        "",
        "Local model (Qwen2.5-Coder-1.5B Q4_K_M, llama.cpp, 2 threads) on this 2-core machine. "
        "Reproduce: `.venv/bin/python benchmarks/browser_ttft.py`.",
        "",
        "| question | first streamed token | full answer (citations shown) |",
        "|---|---|---|",
    ]
    lines += [f"| {q} | {a:.1f} s | {b:.1f} s |" for q, a, b in rows]
    out = ROOT / "benchmarks" / "results-browser.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
