"""Answer quality and latency per --llm backend on gold questions (the local model is slow: ~10–30 s each).

    .venv/bin/python benchmarks/llm_backends.py --backend local --limit 30   # writes evals/llm_report.md

Measures, per backend: answer-fact accuracy, fallback rate, answers with unsupported numbers, median
time to first token and to the full answer; and the follow-up conversations in evals/conversations.jsonl.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from assistant.app import Assistant
from assistant.chain import AnswerChain
from assistant.evaluation import EVAL_AS_OF, load_gold, run_conversations
from assistant.guard import provenance, unsupported_numbers
from assistant.llm import make_chat_model
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def run_backend(backend: str, questions, assistant: Assistant) -> dict:
    settings = Settings(llm=backend)
    chain = AnswerChain(assistant, make_chat_model(settings), settings.llm_timeout_s)
    facts_ok, fallbacks, unsupported, ttft, total = 0, 0, 0, [], []
    for g in questions:
        start = time.perf_counter()
        first = None
        for event in chain.stream(g.question, as_of=g.as_of or EVAL_AS_OF):
            if event.type == "token" and first is None:
                first = time.perf_counter() - start
            if event.type == "final":
                answer = event.data["answer"]
        total.append(time.perf_counter() - start)
        ttft.append(first or total[-1])
        facts_ok += all(f in answer.answer for f in g.answer_facts)
        fallbacks += answer.fallback
        cited = [assistant.index.policies[c.policy_id] for c in answer.citations]
        unsupported += bool(
            unsupported_numbers(answer.answer, provenance(answer, cited, g.as_of or EVAL_AS_OF))
        )
    n = len(questions)
    return {
        "backend": backend,
        "n": n,
        "fact_accuracy": facts_ok / n,
        "fallback_rate": fallbacks / n,
        "unsupported": unsupported,
        "ttft_median_s": statistics.median(ttft),
        "total_median_s": statistics.median(total),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", action="append", default=None, help="none, local, openai (repeatable)")
    parser.add_argument("--limit", type=int, default=30, help="gold questions per backend")
    args = parser.parse_args()
    backends = args.backend or ["none", "local"]
    assistant = Assistant(Settings())
    gold = [g for g in load_gold(ROOT / "evals" / "gold.jsonl") if not g.refuse and g.answer_facts]
    questions = gold[:: max(1, len(gold) // args.limit)][: args.limit]
    rows = [run_backend(b, questions, assistant) for b in backends]
    conv = ROOT / "evals" / "conversations.jsonl"
    multi = {b: run_conversations(assistant, conv, make_chat_model(Settings(llm=b)))[:2] for b in backends}
    lines = [
        "# Answer backends on the gold set",
        "",
        f"{len(questions)} answerable gold questions (every {max(1, len(gold) // args.limit)}th), validity as of "
        f"{EVAL_AS_OF}. Machine: 2 cores. Reproduce: `.venv/bin/python benchmarks/llm_backends.py`.",
        "",
        "| backend | n | answer-fact accuracy | fallback rate | answers with unsupported numbers | "
        "median time to first token | median full answer |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['n']} | {r['fact_accuracy']:.3f} | {r['fallback_rate']:.3f} | {r['unsupported']} | "
            f"{r['ttft_median_s']:.2f} s | {r['total_median_s']:.2f} s |"
        )
    lines += [""] + [
        f"Multi-turn, {b}: {ok}/{n} follow-up turns cite their expected clause (evals/conversations.jsonl)."
        for b, (ok, n) in multi.items()
    ]
    out = ROOT / "evals" / "llm_report.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
