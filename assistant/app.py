"""The one application object the CLI, the API and the UI share: question in, cited Answer out."""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher

from langchain_core.embeddings import Embeddings

from assistant import prompts
from assistant.amounts import find_figures
from assistant.calculations import Plan, plan
from assistant.cleaning import MARKER, normalize_characters
from assistant.embeddings import load_embeddings
from assistant.grounded import asks_amount, asks_validity, compose, states_amount
from assistant.guard import provenance, unsupported_numbers
from assistant.index import ClauseIndex, current_build
from assistant.places import (
    PlaceQuery,
    allowed_policies,
    detect_places,
    library_regions,
    prefers_province_wide,
)
from assistant.records import STATUS_LABELS, Answer, Calculation, Policy, PolicyInfo, Status
from assistant.retrieval import Hit, Mode, Retriever
from assistant.settings import Settings
from assistant.supersession import governing_lines
from assistant.validity import library_statuses

log = logging.getLogger(__name__)
REFRESH_EVERY_S = 0.5  # how often a serving process looks for a newer index build
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,500}>")


class QuestionError(ValueError):
    """The question cannot be answered as given (empty, too long, no text); the message says why."""


def normalize_question(question: str, limit: int) -> str:
    """Strip invisible/control characters and full-width digits; reject empty or oversized input."""
    if len(question) > limit:
        raise QuestionError(prompts.TOO_LONG_QUESTION.format(n=len(question), limit=limit))
    text = normalize_characters(question.replace("\n", " ").replace("\t", " "))
    # markup is never part of a policy question (a pasted page, or an attack): keep only its text
    text = _SCRIPT.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise QuestionError(prompts.EMPTY_QUESTION)
    if not any(unicodedata.category(c)[0] in "LN" for c in text):
        raise QuestionError(prompts.NO_TEXT_QUESTION)
    return text


@dataclass
class Support:
    coverage: float
    dense: float


TWIN_LIKENESS = 0.7  # 「着力推动中小企业上云用平台」 vs 「鼓励中小企业上云用平台」: 0.75


def _heading_likeness(path_a: str, path_b: str) -> float:
    """How alike two clause headings are (0–1), clause numbers aside: the same measure in two policies."""
    head_a, head_b = (MARKER.sub("", p.split(" > ")[-1]) for p in (path_a, path_b))
    return SequenceMatcher(None, head_a, head_b, autojunk=False).ratio()


class Assistant:
    def __init__(
        self,
        settings: Settings | None = None,
        embeddings: Embeddings | None = None,
        index: ClauseIndex | None = None,
    ):
        self.settings = settings or Settings()
        self.embeddings = embeddings or load_embeddings(self.settings.embedding_model)
        # an index opened from index_dir follows its CURRENT pointer: a reindex is picked up without a restart
        self._follows_disk = index is None
        self._reload_lock = threading.Lock()
        self._checked_at = 0.0
        self._pinned = threading.local()  # the (index, retriever) the question in this thread started on
        self._state = self._load(index or self._open_current())

    def _open_current(self) -> ClauseIndex:
        s = self.settings  # chroma_url: where this machine reaches the build's Chroma server, if any
        return ClauseIndex.open(s.index_dir, s.embedding_model, s.chroma_url)

    def _load(self, index: ClauseIndex) -> tuple[ClauseIndex, Retriever]:
        return index, Retriever(index, self.embeddings, self.settings.candidate_k, self.settings.rrf_k)

    @property
    def index(self) -> ClauseIndex:
        return (getattr(self._pinned, "state", None) or self._state)[0]

    @property
    def retriever(self) -> Retriever:
        return (getattr(self._pinned, "state", None) or self._state)[1]

    def refresh(self, force: bool = False) -> bool:
        """Switch to a newer build if ``index build`` swapped CURRENT; True when it did.

        One caller loads the new build while the others keep answering from the old one (it stays on
        disk: builds are pruned to the newest two), then the (index, retriever) pair is replaced at once.
        """
        if not self._follows_disk:
            return False
        now = time.monotonic()
        if not force and now - self._checked_at < REFRESH_EVERY_S:
            return False  # reading CURRENT on every request costs more than a half-second delay is worth
        self._checked_at = now
        build = current_build(self.settings.index_dir)
        if build is None or build == self.index.build:
            return False
        if not self._reload_lock.acquire(blocking=False):
            return False  # another request is loading it
        try:
            if current_build(self.settings.index_dir) == self.index.build:
                return False
            try:
                self._state = self._load(self._open_current())
            except Exception:  # a build pruned or swapped again meanwhile: keep serving, retry next time
                log.warning(
                    "could not open the new index build %s; still serving %s", build, self.index.build
                )
                return False
            log.info("now serving index build %s", self.index.build.name)
            return True
        finally:
            self._reload_lock.release()

    def statuses(self, as_of: date) -> dict[str, Status]:
        return library_statuses(self.index.policies, as_of, self.settings.expiring_days)

    def policy_infos(self, as_of: date) -> list[PolicyInfo]:
        """Every policy served, with its status on ``as_of`` and its clause count."""
        self.refresh()
        index = self.index
        statuses = self.statuses(as_of)
        return [
            PolicyInfo(
                **p.model_dump(
                    include={"id", "title", "issuer", "issued", "effective_from", "expires", "draft"}
                ),
                doc_number=p.doc_number or None,
                region=p.region,
                status=statuses[p.id],
                status_label=STATUS_LABELS[statuses[p.id]],
                clauses=len(index.by_policy.get(p.id, [])),
                supersedes=p.supersedes,
                repeals=p.repeals,
            )
            for p in index.policies.values()
        ]

    def retrieve(
        self, question: str, places: PlaceQuery, mode: Mode | None = None, k: int | None = None
    ) -> list[Hit]:
        """Clauses for the question, restricted to the places/documents it names."""
        mode = mode or self.settings.retrieval_mode
        k = k or self.settings.top_k
        depth = max(k, 5)  # look a little deeper than we cite, so reordering below can promote
        if len(places.cities) > 1 and not places.doc_numbers:
            # a comparison between cities: the best clauses of each city, interleaved
            per_city = [self._search(question, PlaceQuery(cities=[c]), mode, k) for c in places.cities]
            hits = [hits[rank] for rank in range(k) for hits in per_city if rank < len(hits)]
        else:
            hits = self._search(question, places, mode, depth)
        if asks_validity(question):
            hits = self._validity_first(hits)
        elif asks_amount(question) and len(places.cities) <= 1:
            # 「能拿多少」 is answered by a clause that states an amount; stable, so ranks otherwise hold
            hits = sorted(hits, key=lambda h: not states_amount(h.clause.text))
        return hits[: max(k, len(places.cities))]

    def _search(self, question: str, places: PlaceQuery, mode: Mode, k: int) -> list[Hit]:
        policies = self._policies()
        ids = allowed_policies(places, policies)
        if prefers_province_wide(places):
            province_wide = [p.id for p in policies if p.city is None and p.province in places.provinces]
            ids = province_wide or ids
        try:
            return self.retriever.search(question, k, mode, ids)
        except Exception as exc:  # the vector store (e.g. a Chroma server) is down: BM25 needs only memory
            if mode == "bm25":
                raise
            log.warning("dense retrieval failed (%s: %s); answering from BM25 alone", type(exc).__name__, exc)
            return self.retriever.search(question, k, "bm25", ids)

    def _validity_first(self, hits: list[Hit]) -> list[Hit]:
        """Validity is stated in closing provisions (附则; a draft says so in its 序言): cite those first."""
        out: list[Hit] = []
        for hit in hits:
            if not any(h.policy.id == hit.policy.id for h in out):
                clause = self._validity_clause(hit.policy.id, hit.clause.id)
                if clause is not None and clause.id != hit.clause.id:
                    out.append(Hit(clause, hit.policy, hit.score, hit.dense, hit.bm25))
            if hit.clause.id not in {h.clause.id for h in out}:
                out.append(hit)
        return out

    def _validity_clause(self, policy_id: str, near_clause_id: str):
        # in a file bundling several documents, the closing provisions of the same part
        part = near_clause_id.split("/")[1] if re.match(r"p\d+$", near_clause_id.split("/")[1]) else None
        prefix = f"{policy_id}/{part}/" if part else f"{policy_id}/"
        for key in ("附则", "序言"):
            clause = self.index.by_id.get(prefix + key)
            if clause is not None:
                return clause
        return None

    def _policies(self) -> list[Policy]:
        return list(self.index.policies.values())

    def support(self, question: str, hits: list[Hit]) -> Support:
        """How well the best of the retrieved clauses covers the question."""
        cov = max(self.retriever.coverage(question, h.clause, h.policy) for h in hits)
        top = hits[0]
        dense = top.dense
        if dense is None:
            try:
                dense = self.retriever.dense_similarity(question, top.clause.id)
            except Exception as exc:  # vector store down: no cosine, so a question without Chinese is refused
                log.warning("dense similarity unavailable (%s)", type(exc).__name__)
                dense = 0.0
        return Support(cov, dense)

    def is_supported(self, question: str, s: Support, places: PlaceQuery) -> bool:
        if asks_validity(question) and (places.named or places.doc_numbers):
            return True  # 「…还有效吗」 about a named policy is answered from its metadata and 附则
        if not re.search(r"[\u4e00-\u9fff]", question):
            # no Chinese words to match: only the multilingual dense model can judge
            return s.dense >= self.settings.refuse_min_dense_latin
        return s.coverage >= self.settings.refuse_min_coverage

    def ask(self, question: str, as_of: date | None = None, mode: Mode | None = None) -> Answer:
        text = normalize_question(question, self.settings.max_question_chars)
        self.refresh()
        # one build for the whole question: a reindex swapping _state meanwhile must not mix two builds
        self._pinned.state = self._state
        try:
            return self._ask(text, as_of, mode)
        finally:
            self._pinned.state = None

    def _ask(self, text: str, as_of: date | None, mode: Mode | None) -> Answer:
        as_of = as_of or self.settings.today()
        places = detect_places(text, self.index.policies.values())
        refusal = self._place_refusal(places)
        if refusal:
            return Answer(question=text, answer=refusal, refused=True)
        hits = self.retrieve(text, places, mode)
        if not hits or not self.is_supported(text, self.support(text, hits), places):
            hint = "" if re.search(r"[\u4e00-\u9fff]", text) else prompts.ASK_IN_CHINESE
            return Answer(question=text, answer=prompts.REFUSAL_NO_SUPPORT + hint, refused=True)
        hits = self._cited(text, hits, places)
        preface = prompts.AMBIGUOUS_SUZHOU if places.ambiguous else self._uncovered_note(places)
        calc = self._calculate(text, hits)
        statuses = self.statuses(as_of)
        answer, citations = compose(
            text,
            hits,
            statuses,
            as_of,
            preface,
            self.retriever.term_weight,
            extra=self._calculation_lines(calc)
            + governing_lines([h.policy.id for h in hits], self.index.policies, statuses, as_of),
        )
        result = Answer(
            question=text,
            answer=answer,
            refused=False,
            citations=citations,
            calculations=[
                Calculation(
                    citation=n, inputs=r.inputs, min_yuan=r.min_yuan, max_yuan=r.max_yuan, formula=r.formula
                )
                for n, r in calc.results
            ],
        )
        return self._checked(result, as_of)

    def _calculate(self, question: str, hits: list[Hit]) -> Plan:
        """Run the calculator for the cited clauses when the question asks for money or gives a figure."""
        figures, _ = find_figures(question)
        if not (asks_amount(question) or figures):
            return Plan()
        cited = [(n, self.index.rules.get(h.clause.id, [])) for n, h in enumerate(hits, start=1)]
        twins = {
            n
            for n, h in enumerate(hits, start=1)
            if any(t.clause.id == o.clause.id for t in self._twins_of(h) for o in hits)
        }
        return plan(question, cited, self.retriever.term_weight, always=twins)

    def _calculation_lines(self, calc: Plan) -> list[str]:
        lines = [f"测算[{n}]：{r.formula}。{''.join(r.caveats)}" for n, r in calc.results]
        return list(dict.fromkeys(lines + calc.notes))  # two rules of one clause may need the same figure

    def _checked(self, answer: Answer, as_of: date) -> Answer:
        """The number guard over our own answer: a number without provenance is a bug, so say so loudly."""
        cited = {c.policy_id: self.index.policies[c.policy_id] for c in answer.citations}
        bad = unsupported_numbers(answer.answer, provenance(answer, cited.values(), as_of))
        if bad:
            log.error("grounded answer has numbers without provenance %s: %r", bad, answer.question)
        return answer

    def _place_refusal(self, places: PlaceQuery) -> str | None:
        policies = self._policies()
        if places.doc_numbers:
            anywhere = allowed_policies(PlaceQuery(doc_numbers=places.doc_numbers), policies)
            # no such 文号, or not in the place named (「宿州市政府120号文件」: 120号 is 苏州's)
            if not anywhere or allowed_policies(places, policies) == []:
                year, number = places.doc_numbers[0]
                return prompts.REFUSAL_UNKNOWN_DOC.format(
                    where="、".join(places.cities + places.provinces),
                    number=f"〔{year}〕{number}号" if year else f"{number}号",
                )
        if places.unknown and not places.named:
            return prompts.REFUSAL_UNKNOWN_PLACE.format(
                places="、".join(places.unknown), covered=library_regions(self.index.policies.values())
            )
        return None

    @staticmethod
    def _uncovered_note(places: PlaceQuery) -> str:
        """「苏州和无锡…」: say that 无锡 has no policy rather than let 苏州's clauses pass for both."""
        if not (places.unknown and places.named):
            return ""
        unknown = "、".join(dict.fromkeys(places.unknown))
        return prompts.UNCOVERED_PLACE.format(
            places=unknown, named="、".join(places.cities + places.provinces)
        )

    def _cited(self, question: str, hits: list[Hit], places: PlaceQuery) -> list[Hit]:
        """Keep the hits that answer about as well as the best one (all of them for a comparison)."""
        if len(places.cities) > 1:
            return hits
        cov = [self.retriever.coverage(question, h.clause, h.policy) for h in hits]
        kept = [hits[0]]
        for h, c in zip(hits[1:], cov[1:], strict=True):
            same_topic = c >= 0.85 * cov[0] and (h.dense or 0) >= (hits[0].dense or 0) - 0.03
            if same_topic or (
                asks_validity(question) and h.policy.id != hits[0].policy.id and c >= 0.85 * cov[0]
            ):
                kept.append(h)
        # the same measure in a policy that replaces (or was replaced by) a cited one: show both
        for k in list(kept):
            for twin in self._twins_of(k):
                if all(twin.clause.id != h.clause.id for h in kept):
                    kept.append(twin)
        return kept

    def _twins_of(self, hit: Hit) -> list[Hit]:
        linked = [
            p
            for p in self._policies()
            if p.id in hit.policy.supersedes + hit.policy.repeals or hit.policy.id in p.supersedes + p.repeals
        ]
        twins = []
        for p in linked:  # the one clause of each linked policy whose heading is most alike
            scored = [
                (_heading_likeness(c.path, hit.clause.path), c) for c in self.index.by_policy.get(p.id, [])
            ]
            best = max(scored, key=lambda x: x[0], default=(0.0, None))
            if best[1] is not None and best[0] >= TWIN_LIKENESS:
                twins.append(Hit(best[1], p, hit.score))
        return twins
