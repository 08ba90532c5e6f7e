"""Category suggestions: rank leaf categories by how well an advert title matches them.

A small TF-IDF over each leaf's own words (name, keywords, enumerated attribute
values such as car makes) and, with less weight, its ancestors' names. Words are
folded (case, diacritics) and matched by a shared prefix, which copes with most
inflection ("telefony" ~ "telefon", "rowerek" ~ "rower").
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_MIN_PREFIX = 4
_STOPWORDS = frozenset(
    [
        "i",
        "w",
        "z",
        "na",
        "do",
        "dla",
        "od",
        "po",
        "o",
        "a",
        "oraz",
        "lub",
        "the",
        "and",
        "for",
        "with",
        "of",
        "in",
        "to",
        "do",
        "de",
        "da",
        "e",
        "em",
        "para",
        "com",
    ]
)


class _FoldedChars(dict[int, str]):
    """Each character's compatibility decomposition without combining marks, worked out once.

    NFKD decomposes character by character (its reordering only moves combining marks, which are
    dropped), so folding every character alone is the same as folding the whole text, and
    ``str.translate`` then does it in C.
    """

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
        if len(self) < 65_536:  # bounded: texts may hold any character
            self[code] = folded
        return folded


_FOLDED = _FoldedChars()
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(_FOLDED)


def fold(text: str) -> str:
    """Lower-case without diacritics ('Łódź' -> 'lodz')."""
    text = text.lower().replace("ł", "l")
    return text if text.isascii() else _NON_ASCII.sub(_fold_run, text)


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(fold(text)) if len(w) > 1 and w not in _STOPWORDS]


@dataclass(frozen=True, slots=True)
class LeafDocument:
    category_id: int
    own_text: Sequence[str]  # name, keywords, attribute value labels
    ancestor_text: Sequence[str]  # names of the parents, root first


@dataclass
class SuggestionIndex:
    """Built once per site from its leaves; ranking is pure and deterministic."""

    postings: dict[str, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))
    idf: dict[str, float] = field(default_factory=dict)
    by_prefix: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def build(cls, leaves: Iterable[LeafDocument]) -> SuggestionIndex:
        index = cls()
        docs = list(leaves)
        doc_freq: dict[str, int] = defaultdict(int)
        for doc in docs:
            terms: dict[str, float] = defaultdict(float)
            for text in doc.own_text:
                for w in words(text):
                    terms[w] = max(terms[w], 1.0)
            for text in doc.ancestor_text:
                for w in words(text):
                    terms[w] = max(terms[w], 0.4)
            for w, weight in terms.items():
                index.postings[w][doc.category_id] = weight
                doc_freq[w] += 1
        total = max(1, len(docs))
        for w, df in doc_freq.items():
            index.idf[w] = math.log(1 + total / df)
            index.by_prefix[w[:_MIN_PREFIX]].add(w)
        return index

    def _matches(self, query_word: str) -> list[tuple[str, float]]:
        """Index words that match a query word, with how closely (1.0 exact, less for prefixes)."""
        found: list[tuple[str, float]] = []
        for candidate in self.by_prefix.get(query_word[:_MIN_PREFIX], ()):
            if candidate == query_word:
                found.append((candidate, 1.0))
                continue
            shared = len(_common_prefix(candidate, query_word))
            shorter = min(len(candidate), len(query_word))
            if shared >= _MIN_PREFIX and shared >= shorter - 2:
                found.append((candidate, 0.8 * shared / max(len(candidate), len(query_word))))
        if not found and len(query_word) < _MIN_PREFIX and query_word in self.idf:
            found.append((query_word, 1.0))
        return found

    def rank(self, query: str, *, limit: int = 5) -> list[tuple[int, float]]:
        scores: dict[int, float] = defaultdict(float)
        for qw in dict.fromkeys(words(query)):
            # A query word counts once per category, through its best-matching term.
            best: dict[int, float] = {}
            for term, closeness in self._matches(qw):
                idf = self.idf[term]
                for category_id, weight in self.postings[term].items():
                    best[category_id] = max(best.get(category_id, 0.0), closeness * weight * idf)
            for category_id, score in best.items():
                scores[category_id] += score
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [(cid, round(score, 4)) for cid, score in ranked[:limit] if score > 0]


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]
