"""Korean text analysis for catalogue search, built on Kiwi (kiwipiepy).

A document field becomes a flat list of terms; a query becomes groups of terms,
one group per query word. A document matches a group when it holds any of the
group's terms, and matches the query when it matches every group::

    '광주 공영주차장을'  ──normalise──▶  Kiwi morphemes  ──▶  terms
        nouns, roots         광주, 공영, 주차장
        joined compound      공영주차장
        Hangul bigrams       공영, 영주, 주차, 차장
        particles, endings   (dropped: 을)

Bigrams make the search tolerant of compounds and spacing: '주차' finds
'공영주차장', and '인구 현황' and '인구현황' find each other. Latin words and
numbers come from a plain regex so that 'co2' stays one term.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator

from kiwipiepy import Kiwi, Token

__all__ = ["KoreanAnalyzer", "normalise"]

# Morphemes that are terms by themselves.
_CONTENT_TAGS = frozenset({"NNG", "NNP", "XR"})
# Adjacent morphemes with these tags are also joined into one compound term.
_COMPOUND_TAGS = _CONTENT_TAGS | {"XPN", "SN"}
# Kiwi reads a lone particle typed as a query word as a noun ('을' → 을/NNG).
_STANDALONE_PARTICLES = frozenset(
    "은 는 이 가 을 를 의 에 에서 에게 께 와 과 로 으로 도 만 부터 까지 랑 이랑 하고".split()
)
_PROPER_NOUN_SCORE = 0.0
_LATIN_WORD = re.compile(r"[a-z0-9]+")
_HANGUL_RUN = re.compile(r"[가-힣]{2,}")
_QUERY_WORD = re.compile(r"\S+")


def normalise(text: str) -> str:
    """Fold full-width and compatibility forms (NFKC) and lowercase."""
    return unicodedata.normalize("NFKC", text).lower()


class KoreanAnalyzer:
    """Turns Korean (and English) text into search terms; safe to share between threads."""

    def __init__(self, proper_nouns: Iterable[str] = ()) -> None:
        self._proper_nouns = [n for n in (normalise(p).strip() for p in proper_nouns) if n]
        self._lock = threading.Lock()
        self._kiwi: Kiwi | None = None

    def index_terms(self, text: str) -> list[str]:
        """Terms to store for a document field, one entry per occurrence."""
        return [term for _, term in self._terms(normalise(text))]

    def query_groups(self, text: str) -> list[list[str]]:
        """One group of alternative terms per query word; empty and repeated groups are dropped."""
        norm = normalise(text)
        words = [m.span() for m in _QUERY_WORD.finditer(norm) if m.group() not in _STANDALONE_PARTICLES]
        terms_by_word: list[list[str]] = [[] for _ in words]
        for offset, term in self._terms(norm):
            for i, (start, end) in enumerate(words):
                if start <= offset < end:
                    terms_by_word[i].append(term)
                    break
        groups: list[list[str]] = []
        for terms in terms_by_word:
            group = list(dict.fromkeys(terms))
            if any(len(term) > 1 for term in group):
                # A lone syllable or digit of a longer word ('수' of '인구수') matches almost anything.
                group = [term for term in group if len(term) > 1]
            if group and group not in groups:
                groups.append(group)
        return groups

    def _terms(self, norm: str) -> Iterator[tuple[int, str]]:
        """(offset, term) pairs for normalised text."""
        for start, term in _base_terms(norm, self._get_kiwi().tokenize(norm)):
            yield start, term
            for extra in _expansions(term):
                yield start, extra

    def _get_kiwi(self) -> Kiwi:
        kiwi = self._kiwi
        if kiwi is None:
            with self._lock:
                if self._kiwi is None:
                    created = Kiwi()
                    for noun in self._proper_nouns:
                        created.add_user_word(noun, "NNP", _PROPER_NOUN_SCORE)
                    # The first analysis builds the dictionary; do it before any thread shares it.
                    created.tokenize("가")
                    self._kiwi = created
                kiwi = self._kiwi
        return kiwi


def _base_terms(norm: str, tokens: Iterable[Token]) -> Iterator[tuple[int, str]]:
    """Content morphemes, joined compounds and Latin/number words, before expansion."""
    run: list[Token] = []  # adjacent morphemes that may form a compound
    for token in tokens:
        if token.tag in _COMPOUND_TAGS and run and token.start == run[-1].end:
            run.append(token)
        else:
            yield from _compound(norm, run)
            run = [token] if token.tag in _COMPOUND_TAGS else []
        if token.tag in _CONTENT_TAGS and token.len:
            yield token.start, norm[token.start : token.end]
    yield from _compound(norm, run)
    for match in _LATIN_WORD.finditer(norm):
        yield match.start(), match.group()


def _compound(norm: str, run: list[Token]) -> Iterator[tuple[int, str]]:
    if len(run) > 1:
        yield run[0].start, norm[run[0].start : run[-1].end]


def _expansions(term: str) -> list[str]:
    """Hangul bigrams of a term (other than the term itself) and an English singular."""
    bigrams = (run[i : i + 2] for run in _HANGUL_RUN.findall(term) for i in range(len(run) - 1))
    extra = [bigram for bigram in bigrams if bigram != term]
    singular = _singular(term)
    if singular != term:
        extra.append(singular)
    return extra


def _singular(word: str) -> str:
    """A simple English plural fold: 'stops' → 'stop', 'cities' → 'city', 'buses' → 'bus'."""
    if not word.isascii() or not word.isalpha() or len(word) <= 3 or not word.endswith("s"):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is")):
        return word
    return word[:-1]
