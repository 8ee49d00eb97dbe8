"""Gold-set evaluation: retrieval hit@k / MRR per mode, answer facts, refusals, a naive baseline."""

from __future__ import annotations

import json
import statistics
import time
import tomllib
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from assistant.app import Assistant
from assistant.guard import provenance, unsupported_numbers
from assistant.places import detect_places
from assistant.records import Answer
from assistant.retrieval import Mode

# Validity facts in the gold set are written for this date; an entry may set its own.
EVAL_AS_OF = date(2026, 11, 25)
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")


class GoldCalculation(BaseModel):
    clause_id: str
    base_yuan: float | None = None
    level: str | None = None
    min_yuan: float | None = None
    max_yuan: float | None = None
    needs: str | None = None


class GoldItem(BaseModel):
    id: str
    question: str
    kind: str
    region: str | None = None
    gold_clauses: list[str] = Field(default_factory=list)
    answer_facts: list[str] = Field(default_factory=list)
    refuse: bool = False
    split: str = "dev"
    as_of: date | None = None
    calculation: GoldCalculation | None = None


def load_gold(path: Path) -> list[GoldItem]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                items.append(GoldItem(**json.loads(line)))
            except Exception as exc:
                raise ValueError(f"{path}:{n}: {exc}") from None
    return items


@dataclass
class RetrievalScores:
    hit1: float
    hit3: float
    hit5: float
    mrr: float
    n: int


@dataclass
class ItemResult:
    item: GoldItem
    ranks: dict[str, int | None]  # mode → 1-based rank of the first gold clause (None: not in top 10)
    refused: bool
    facts_ok: bool
    coverage: float
    dense: float
    answer: str
    calc_ok: bool | None = None  # calculation questions only
    unsupported: list[str] = field(default_factory=list)  # numbers in the answer without provenance


@dataclass
class EvalResults:
    items: list[ItemResult]
    retrieval: dict[str, dict[str, RetrievalScores]]  # split → mode → scores
    fact_accuracy: float
    refusal_accuracy: float
    calc_exact: float = 0.0
    unsupported_answers: int = 0
    baseline: dict[str, RetrievalScores] = field(default_factory=dict)  # split → naive baseline
    multi_turn: tuple[int, int, list[str]] = (0, 0, [])  # follow-up turns citing their clause, of n
    latency_ms: dict[str, float] = field(default_factory=dict)


def _rank(hit_ids: list[str], gold: list[str]) -> int | None:
    for i, cid in enumerate(hit_ids, start=1):
        if cid in gold:
            return i
    return None


def _scores(ranks: list[int | None]) -> RetrievalScores:
    n = len(ranks)
    if not n:
        return RetrievalScores(0, 0, 0, 0, 0)

    def at(k: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= k) / n

    mrr = sum(1.0 / r for r in ranks if r is not None) / n
    return RetrievalScores(at(1), at(3), at(5), mrr, n)


def evaluate_item(assistant: Assistant, item: GoldItem) -> ItemResult:
    places = detect_places(item.question)
    ranks: dict[str, int | None] = {}
    for mode in MODES:
        hits = assistant.retrieve(item.question, places, mode, k=10)
        ranks[mode] = _rank([h.clause.id for h in hits], item.gold_clauses) if item.gold_clauses else None
    answer = assistant.ask(item.question, as_of=item.as_of or EVAL_AS_OF)
    top = assistant.retrieve(item.question, places, "hybrid")
    support = assistant.support(item.question, top) if top else None
    facts_ok = not answer.refused and all(f in answer.answer for f in item.answer_facts)
    cited = [assistant.index.policies[c.policy_id] for c in answer.citations]
    allowed = provenance(answer, cited, item.as_of or EVAL_AS_OF)
    return ItemResult(
        item,
        ranks,
        answer.refused,
        facts_ok,
        support.coverage if support else 0.0,
        support.dense if support else 0.0,
        answer.answer,
        calc_ok=_calc_ok(item, answer) if item.calculation else None,
        unsupported=unsupported_numbers(answer.answer, allowed),
    )


def _calc_ok(item: GoldItem, answer: Answer) -> bool:
    """Exact match of the gold award range, or (no figure given) no amount and the missing figure named."""
    gold = item.calculation
    assert gold is not None
    by_clause = {c.n: c.clause_id for c in answer.citations}
    mine = [c for c in answer.calculations if by_clause.get(c.citation) == gold.clause_id]
    if gold.min_yuan is None:
        return not mine and bool(gold.needs) and gold.needs in answer.answer
    return any(abs(c.min_yuan - gold.min_yuan) < 0.01 and _same(c.max_yuan, gold.max_yuan) for c in mine)


def _same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 0.01)


def run_eval(
    assistant: Assistant, gold: list[GoldItem], baseline: bool = True, conversations: Path | None = None
) -> EvalResults:
    started = time.perf_counter()
    items = [evaluate_item(assistant, g) for g in gold]
    per_item_ms = (time.perf_counter() - started) * 1000 / max(1, len(gold))
    retrieval: dict[str, dict[str, RetrievalScores]] = {}
    for split in ("all", "dev", "heldout"):
        chosen = [r for r in items if r.item.gold_clauses and split in ("all", r.item.split)]
        retrieval[split] = {m: _scores([r.ranks[m] for r in chosen]) for m in MODES}
    answerable = [r for r in items if not r.item.refuse and r.item.kind != "calculation"]
    fact_acc = sum(r.facts_ok for r in answerable) / max(1, len(answerable))
    refusal_acc = sum(r.refused == r.item.refuse for r in items) / max(1, len(items))
    calcs = [r for r in items if r.calc_ok is not None]
    results = EvalResults(
        items,
        retrieval,
        fact_acc,
        refusal_acc,
        calc_exact=sum(bool(r.calc_ok) for r in calcs) / max(1, len(calcs)),
        unsupported_answers=sum(bool(r.unsupported) for r in items),
        latency_ms={"eval_item": per_item_ms},
    )
    if baseline:
        results.baseline = naive_baseline(assistant, gold)
    if conversations is not None and conversations.exists():
        results.multi_turn = run_conversations(assistant, conversations)
    return results


def naive_baseline(assistant: Assistant, gold: list[GoldItem]) -> dict[str, RetrievalScores]:
    """Recursive 250-character windows over each policy, dense top-k, no place filter.

    A window counts as the gold clause when they share a run of at least 30 characters (or half
    the window, for a short one).
    """
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.corpus import load_corpus

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=250, chunk_overlap=0, separators=["\n\n", "\n", "。", "；", "，", ""]
    )
    windows: list[str] = []
    for lp in load_corpus(assistant.settings.corpus_dir):
        windows += splitter.split_text(lp.text)
    matrix = np.asarray(assistant.embeddings.embed_documents(windows))
    texts = assistant.index.by_id
    out: dict[str, RetrievalScores] = {}
    for split in ("all", "dev", "heldout"):
        ranks = []
        for g in gold:
            if not g.gold_clauses or split not in ("all", g.split):
                continue
            q = np.asarray(assistant.embeddings.embed_query(g.question))
            top = np.argsort(-(matrix @ q))[:10]
            gold_texts = [texts[c].text for c in g.gold_clauses if c in texts]
            ranks.append(
                next(
                    (i for i, w in enumerate(top, 1) if any(_overlaps(windows[w], t) for t in gold_texts)),
                    None,
                )
            )
        out[split] = _scores(ranks)
    return out


def _overlaps(window: str, clause_text: str) -> bool:
    m = SequenceMatcher(None, window, clause_text, autojunk=False).find_longest_match()
    return m.size >= min(30, max(8, len(window) // 2))


def write_report(results: EvalResults, path: Path) -> None:
    lines = [
        "# Gold-set evaluation",
        "",
        f"Validity as of {EVAL_AS_OF} unless a question sets its own date.",
        "",
    ]
    kinds: dict[str, int] = {}
    for r in results.items:
        kinds[r.item.kind] = kinds.get(r.item.kind, 0) + 1
    lines += [
        f"Questions: {len(results.items)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}).",
        "",
    ]
    lines += [
        "## Retrieval of the gold clause",
        "",
        "| split | mode | n | hit@1 | hit@3 | hit@5 | MRR |",
        "|---|---|---|---|---|---|---|",
    ]
    for split, by_mode in results.retrieval.items():
        rows = list(by_mode.items()) + (
            [("naive baseline (250-char windows, dense)", results.baseline[split])]
            if split in results.baseline
            else []
        )
        for mode, s in rows:
            lines.append(
                f"| {split} | {mode} | {s.n} | {s.hit1:.3f} | {s.hit3:.3f} | {s.hit5:.3f} | {s.mrr:.3f} |"
            )
    lines += [
        "",
        "## Answers (grounded, `--llm none`)",
        "",
        f"- answer-fact accuracy (answerable, non-calculation): {results.fact_accuracy:.3f}",
        f"- refusal accuracy (all questions): {results.refusal_accuracy:.3f}",
        f"- calculation exact-match ({sum(r.calc_ok is not None for r in results.items)} calculation questions): "
        f"{results.calc_exact:.3f}",
        f"- answers with a number that has no provenance (cited clause, metadata or calculator): "
        f"{results.unsupported_answers}",
        f"- multi-turn: {results.multi_turn[0]}/{results.multi_turn[1]} follow-up turns cite their expected clause "
        f"(evals/conversations.jsonl)" + "".join(f"\n  - miss: {m}" for m in results.multi_turn[2]),
        f"- mean time per gold question (3 retrievals + answer): {results.latency_ms['eval_item']:.0f} ms",
        "",
    ]
    lines += _support_table(results)
    failures = [r for r in results.items if _failed(r)]
    lines += ["", f"## Misses ({len(failures)})", ""]
    for r in failures:
        missing = [f for f in r.item.answer_facts if f not in r.answer]
        lines.append(
            f"- {r.item.id} [{r.item.kind}] {r.item.question} — hybrid rank {r.ranks['hybrid']}, "
            f"refused {r.refused} (gold {r.item.refuse})"
            + (f", missing {missing}" if missing else "")
            + (", calculation wrong" if r.calc_ok is False else "")
            + (f", unsupported numbers {r.unsupported}" if r.unsupported else "")
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _failed(r: ItemResult) -> bool:
    if r.refused != r.item.refuse or r.calc_ok is False or r.unsupported:
        return True
    if r.item.refuse:
        return False
    return r.ranks["hybrid"] != 1 or (r.item.kind != "calculation" and not r.facts_ok)


def _support_table(results: EvalResults) -> list[str]:
    """How answerable and unanswerable questions separate on the refusal features (for calibration)."""
    rows = [
        "## Refusal calibration (top hybrid hit)",
        "",
        "| questions | n | coverage min / median | dense min / median / max |",
        "|---|---|---|---|",
    ]
    for label, group in (
        ("answerable", [r for r in results.items if not r.item.refuse]),
        ("unanswerable", [r for r in results.items if r.item.refuse]),
    ):
        if group:
            cov = [r.coverage for r in group]
            den = [r.dense for r in group]
            rows.append(
                f"| {label} | {len(group)} | {min(cov):.2f} / {statistics.median(cov):.2f} | "
                f"{min(den):.3f} / {statistics.median(den):.3f} / {max(den):.3f} |"
            )
    return rows


def run_conversations(assistant: Assistant, path: Path, chat_model=None) -> tuple[int, int, list[str]]:
    """Multi-turn gold: follow-up turns whose expected clause is cited (None: a refusal is expected)."""
    from assistant.chain import AnswerChain
    from assistant.followup import Turn

    chain = AnswerChain(assistant, chat_model)
    ok = n = 0
    misses: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        conv = json.loads(line)
        history: list[Turn] = []
        for i, turn in enumerate(conv["turns"]):
            answer = chain.ask(turn["question"], history, as_of=EVAL_AS_OF)
            if i > 0:
                n += 1
                gold = turn["gold_clause"]
                wanted = [gold] if isinstance(gold, str) else gold
                cited = [c.clause_id for c in answer.citations]
                hit = answer.refused if gold is None else any(w in cited for w in wanted)
                ok += hit
                if not hit:
                    misses.append(
                        f"{conv['id']} turn {i + 1}: {turn['question']} → {answer.resolved_question} {cited[:3]}"
                    )
            history += [
                Turn(role="user", content=turn["question"]),
                Turn(role="assistant", content=answer.answer),
            ]
    return ok, n, misses


def check_floors(results: EvalResults, floors_path: Path) -> list[str]:
    """Metrics below the floors in ``evals/floors.toml`` (empty list = all good)."""
    floors = tomllib.loads(floors_path.read_text(encoding="utf-8"))
    failed: list[str] = []
    hybrid = results.retrieval["all"]["hybrid"]
    actual = {
        "hybrid_hit1": hybrid.hit1,
        "hybrid_hit3": hybrid.hit3,
        "hybrid_mrr": hybrid.mrr,
        "answer_fact_accuracy": results.fact_accuracy,
        "refusal_accuracy": results.refusal_accuracy,
        "calculation_exact_match": results.calc_exact,
        "multi_turn_accuracy": results.multi_turn[0] / max(1, results.multi_turn[1]),
    }
    if results.unsupported_answers > floors.get("max_unsupported_answers", 0):
        failed.append(f"answers with unsupported numbers = {results.unsupported_answers}")
    return failed + [
        f"{k} = {actual[k]:.3f} < {v}" for k, v in floors.items() if k in actual and actual[k] < v
    ]
