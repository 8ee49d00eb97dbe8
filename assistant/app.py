"""The one application object the CLI, the API and the UI share: question in, cited Answer out."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from langchain_core.embeddings import Embeddings

from assistant import prompts
from assistant.cleaning import normalize_characters
from assistant.embeddings import load_embeddings
from assistant.grounded import compose
from assistant.index import ClauseIndex
from assistant.places import PlaceQuery, allowed_policies, detect_places
from assistant.records import Answer, Status
from assistant.retrieval import Hit, Mode, Retriever, coverage
from assistant.settings import Settings
from assistant.validity import status_as_of


class QuestionError(ValueError):
    """The question cannot be answered as given (empty, too long, no text); the message says why."""


def normalize_question(question: str, limit: int) -> str:
    """Strip invisible/control characters and full-width digits; reject empty or oversized input."""
    if len(question) > limit:
        raise QuestionError(prompts.TOO_LONG_QUESTION.format(n=len(question), limit=limit))
    text = normalize_characters(question.replace("\n", " ").replace("\t", " "))
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


class Assistant:
    def __init__(
        self,
        settings: Settings | None = None,
        embeddings: Embeddings | None = None,
        index: ClauseIndex | None = None,
    ):
        self.settings = settings or Settings()
        self.embeddings = embeddings or load_embeddings(self.settings.embedding_model)
        self.index = index or ClauseIndex.open(self.settings.index_dir, self.settings.embedding_model)
        self.retriever = Retriever(self.index, self.embeddings, self.settings.candidate_k, self.settings.rrf_k)

    def statuses(self, as_of: date) -> dict[str, Status]:
        return {pid: status_as_of(p, as_of) for pid, p in self.index.policies.items()}

    def retrieve(self, question: str, places: PlaceQuery, mode: Mode | None = None) -> list[Hit]:
        """Clauses for the question, restricted to the places/documents it names."""
        mode = mode or self.settings.retrieval_mode
        allowed = allowed_policies(places, list(self.index.policies.values()))
        k = self.settings.top_k
        if len(places.cities) > 1 and not places.doc_numbers:
            # a comparison between cities: the best clauses of each city, interleaved
            per_city = [
                self.retriever.search(question, k, mode, allowed_policies(PlaceQuery(cities=[c]), self._policies()))
                for c in places.cities
            ]
            merged = [h for rank in range(k) for hits in per_city if rank < len(hits) for h in [hits[rank]]]
            return merged[: max(k, len(per_city))]
        return self.retriever.search(question, k, mode, allowed)

    def _policies(self):
        return list(self.index.policies.values())

    def support(self, question: str, hit: Hit) -> Support:
        dense = hit.dense if hit.dense is not None else self.retriever.dense_similarity(question, hit.clause.id)
        return Support(coverage(question, hit.clause, hit.policy), dense)

    def is_supported(self, s: Support) -> bool:
        return s.coverage >= self.settings.refuse_min_coverage or s.dense >= self.settings.refuse_min_dense

    def ask(self, question: str, as_of: date | None = None, mode: Mode | None = None) -> Answer:
        text = normalize_question(question, self.settings.max_question_chars)
        as_of = as_of or self.settings.today()
        places = detect_places(text)
        refusal = self._place_refusal(places)
        if refusal:
            return Answer(question=text, answer=refusal, refused=True)
        hits = self.retrieve(text, places, mode)
        if not hits or not self.is_supported(self.support(text, hits[0])):
            return Answer(question=text, answer=prompts.REFUSAL_NO_SUPPORT, refused=True)
        hits = self._cited(text, hits, places)
        preface = prompts.AMBIGUOUS_SUZHOU if places.ambiguous else ""
        answer, citations = compose(text, hits, self.statuses(as_of), as_of, preface)
        return Answer(question=text, answer=answer, refused=False, citations=citations)

    def _place_refusal(self, places: PlaceQuery) -> str | None:
        policies = self._policies()
        if places.doc_numbers and not allowed_policies(PlaceQuery(doc_numbers=places.doc_numbers), policies):
            if not places.named:
                year, number = places.doc_numbers[0]
                return prompts.REFUSAL_UNKNOWN_DOC.format(number=f"〔{year}〕{number}号" if year else f"{number}号")
        if places.unknown and not places.named:
            return prompts.REFUSAL_UNKNOWN_PLACE.format(places="、".join(places.unknown))
        return None

    def _cited(self, question: str, hits: list[Hit], places: PlaceQuery) -> list[Hit]:
        """Keep the hits that answer about as well as the best one (all of them for a comparison)."""
        if len(places.cities) > 1:
            return hits
        top = coverage(question, hits[0].clause, hits[0].policy)
        kept = [hits[0]]
        for h in hits[1:]:
            if coverage(question, h.clause, h.policy) >= 0.85 * top and (h.dense or 0) >= (hits[0].dense or 0) - 0.03:
                kept.append(h)
        return kept
