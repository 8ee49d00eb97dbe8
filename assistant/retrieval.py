"""Hybrid clause retrieval: dense (chromadb) + BM25 (jieba tokens), fused by reciprocal rank."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

import bm25s
import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.index import ClauseIndex
from assistant.places import place_terms
from assistant.records import Clause, Policy
from assistant.tokenize import content_terms, tokenize

Mode = Literal["hybrid", "dense", "bm25"]
# searches remembered per Retriever (one per index build): popular questions repeat, and a repeated
# search is the same work (the dense query took ~40 % of a cached question's CPU in the server)
SEARCH_CACHE = 4096


@dataclass
class Hit:
    clause: Clause
    policy: Policy
    score: float  # fused score (RRF) or the single retriever's score
    dense: float | None = None  # cosine similarity
    bm25: float | None = None


def rrf(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    """Reciprocal rank fusion of several ranked id lists."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (k + rank + 1)
    return fused


class Retriever:
    def __init__(self, index: ClauseIndex, embeddings: Embeddings, candidate_k: int = 30, rrf_k: int = 60):
        self.index = index
        self.embeddings = embeddings
        self.candidate_k = candidate_k
        self.rrf_k = rrf_k
        self._bm25 = bm25s.BM25()
        self._bm25.index([e.tokens or ["∅"] for e in index.entries], show_progress=False)
        self._idf = _idf_table([e.tokens for e in index.entries])
        # a term the corpus never uses counts like a middling one: it may be an off-topic subject
        # (社保) or just a colloquial word (厂子); the rest of the question decides
        self._unseen_idf = float(np.median(list(self._idf.values()))) if self._idf else 1.0
        # each entry's policy as a small integer, so a policy filter is one vectorised lookup
        # (a per-query Python loop over all entries took ~7 ms at 10,000 clauses)
        self._policy_code = {
            pid: n for n, pid in enumerate(dict.fromkeys(e.clause.policy_id for e in index.entries))
        }
        self._entry_policy = np.fromiter(
            (self._policy_code[e.clause.policy_id] for e in index.entries),
            dtype=np.int32,
            count=len(index.entries),
        )
        # per instance, so a Retriever for a newer build starts empty and an old one is freed with its cache
        self._search_cached = lru_cache(maxsize=SEARCH_CACHE)(self._search)
        self._similarity_cached = lru_cache(maxsize=SEARCH_CACHE)(self._dense_similarity)

    def dense(self, query: str, k: int, policy_ids: list[str] | None) -> list[tuple[str, float]]:
        where = {"policy_id": {"$in": policy_ids}} if policy_ids else None
        res = self.index.collection.query(
            query_embeddings=[self.embeddings.embed_query(query)],
            n_results=min(k, len(self.index.entries)),
            where=where,
            include=["distances"],
        )
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def lexical(self, query: str, k: int, policy_ids: list[str] | None) -> list[tuple[str, float]]:
        tokens = tokenize(query)
        if not tokens:
            return []
        scores = np.asarray(self._bm25.get_scores(tokens))
        if policy_ids is not None:
            codes = [self._policy_code[p] for p in policy_ids if p in self._policy_code]
            scores = np.where(np.isin(self._entry_policy, codes), scores, -1.0)
        order = np.argsort(-scores)[:k]
        return [(self.index.entries[i].clause.id, float(scores[i])) for i in order if scores[i] > 0]

    def search(
        self, query: str, k: int = 5, mode: Mode = "hybrid", policy_ids: list[str] | None = None
    ) -> list[Hit]:
        """Top ``k`` clauses for ``query``, optionally only from ``policy_ids``."""
        if policy_ids is not None and not policy_ids:
            return []
        key = tuple(policy_ids) if policy_ids is not None else None
        return [replace(h) for h in self._search_cached(query, k, mode, key)]

    def _search(self, query: str, k: int, mode: Mode, policy_key: tuple[str, ...] | None) -> tuple[Hit, ...]:
        policy_ids = list(policy_key) if policy_key is not None else None
        dense = self.dense(query, self.candidate_k, policy_ids) if mode != "bm25" else []
        lexical = self.lexical(query, self.candidate_k, policy_ids) if mode != "dense" else []
        dense_map, lex_map = dict(dense), dict(lexical)
        if mode == "hybrid":
            scored = rrf([[c for c, _ in dense], [c for c, _ in lexical]], self.rrf_k)
        else:
            scored = dense_map if mode == "dense" else lex_map
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])[:k]
        hits = []
        for cid, score in ranked:
            clause = self.index.by_id[cid]
            hits.append(
                Hit(clause, self.index.policy_of(clause), score, dense_map.get(cid), lex_map.get(cid))
            )
        return tuple(hits)

    def dense_similarity(self, query: str, clause_id: str) -> float:
        """Cosine between the query and one clause (for the support test when BM25 ranked it)."""
        return self._similarity_cached(query, clause_id)

    def _dense_similarity(self, query: str, clause_id: str) -> float:
        got = self.index.collection.get(ids=[clause_id], include=["embeddings"])
        vec = np.asarray(got["embeddings"][0], dtype=float)
        q = np.asarray(self.embeddings.embed_query(query), dtype=float)
        return float(vec @ q / (np.linalg.norm(vec) * np.linalg.norm(q) + 1e-12))

    def term_weight(self, term: str) -> float:
        """IDF of a term in the clause corpus (a term it never uses counts as a middling one)."""
        return self._idf.get(term, self._unseen_idf)

    def coverage(self, question: str, clause: Clause, policy: Policy) -> float:
        """IDF-weighted share of the question's topic terms that the clause contains.

        Place names are left out (they say where, not what), and a term found in every clause
        (工业互联网) weighs little, so 「苏州工业互联网企业的个人所得税」 is barely covered by any clause.
        """
        terms = {t for t in content_terms(question) - _PLACE_TERMS if not _DOC_NUMBER_PART.match(t)}
        if not terms:
            return 0.0
        haystack = f"{policy.title}{clause.path}{clause.text}".lower()
        weights = {t: self.term_weight(t) for t in terms}
        return sum(w for t, w in weights.items() if t in haystack) / sum(weights.values())


_PLACE_TERMS = place_terms()
_DOC_NUMBER_PART = re.compile(r"^(?:苏府办?|\d{2,4})$")


def _idf_table(docs: list[list[str]]) -> dict[str, float]:
    n = len(docs)
    df: dict[str, int] = {}
    for tokens in docs:
        for t in set(tokens):
            df[t] = df.get(t, 0) + 1
    return {t: float(np.log((n - d + 0.5) / (d + 0.5) + 1.0)) for t, d in df.items()}
