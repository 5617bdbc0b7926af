"""Korean text analysis for catalogue search, built on Kiwi (kiwipiepy).

A document field becomes a flat list of terms, each word (어절) of the text giving its
terms once::

    '광주 공영주차장을'  ──normalise──▶  Kiwi morphemes  ──▶  terms
        nouns, roots         광주, 공영, 주차장
        joined compound      공영주차장
        Hangul bigrams       공영, 영주, 주차, 차장   (of the word's noun part: '을' is left out)
        particles, endings   (dropped: 을)

A query becomes groups of alternative terms; a document matches when it holds a term of every
group. Each query word asks for each of its content morphemes, so '인구현황' asks for 인구 and
현황 just as '인구 현황' does; a morpheme of three syllables or more may also be matched by all
of its bigrams together, so '주차장' finds '노상주차장' however Kiwi cut that word; a lone
syllable is matched by the bigram it makes with its neighbour ('차' of '전기차' → 기차); the
word's whole compound stands in for any of its parts. Gwangju's place names (the proper nouns
given to the analyzer) are matched whole. Latin words and numbers come from a plain regex so that
'co2' stays one term; English plurals are folded ('stops' → 'stop').
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable

from kiwipiepy import Kiwi, Token

from hubcity.adapters.search import spelling
from hubcity.ports import QUERY_ANY

__all__ = ["ANY", "KoreanAnalyzer", "normalise"]

ANY = QUERY_ANY  # first in a query group that any of its terms matches (see ``query_groups``)

# Morphemes that are terms by themselves.
_CONTENT_TAGS = frozenset({"NNG", "NNP", "XR"})
# Adjacent morphemes with these tags are also joined into one compound term.
_COMPOUND_TAGS = _CONTENT_TAGS | {"XPN", "SN"}
# The noun part of a word, whose bigrams are indexed: nouns, roots, affixes and numbers.
_NOUN_PART_TAGS = _COMPOUND_TAGS | {"NNB", "NR", "XSN"}
# Kiwi reads a lone particle typed as a query word as a noun ('을' → 을/NNG).
_STANDALONE_PARTICLES = frozenset(
    "은 는 이 가 을 를 의 에 에서 에게 께 와 과 로 으로 도 만 부터 까지 랑 이랑 하고".split()
)
# Particles Kiwi sometimes reads into the noun before them ('동의' for 동 + 의).
_PARTICLE_END = frozenset("의을를은는에")
_PROPER_NOUN_SCORE = 0.0
_LATIN_WORD = re.compile(r"[a-z0-9]+")
_HANGUL_RUN = re.compile(r"[가-힣]{2,}")
_HANGUL = re.compile(r"[가-힣ㄱ-ㅎㅏ-ㅣ]")
_SYLLABLES = re.compile(r"[가-힣]+")
_QUERY_WORD = re.compile(r"\S+")
# A word for indexing: what lies between spaces and punctuation.
_WORD = re.compile(r"[^\s()\[\]{}<>,.·・_/\\|:;!?\"'‘’“”~\-+=*&%$#@^`]+")


def normalise(text: str) -> str:
    """Fold full-width and compatibility forms (NFKC) and lowercase."""
    return unicodedata.normalize("NFKC", text).lower()


class KoreanAnalyzer:
    """Turns Korean (and English) text into search terms; safe to share between threads."""

    def __init__(self, proper_nouns: Iterable[str] = ()) -> None:
        self._proper_nouns = [n for n in (normalise(p).strip() for p in proper_nouns) if n]
        self._proper = frozenset(self._proper_nouns)
        self._lock = threading.Lock()
        self._kiwi: Kiwi | None = None

    def index_terms(self, text: str) -> list[str]:
        """Terms to store for a document field, one entry per word they occur in."""
        norm = normalise(text)
        tokens = self._get_kiwi().tokenize(norm) if _HANGUL.search(norm) else []
        return _document_terms(norm, tokens)

    def index_terms_many(self, texts: list[str]) -> list[list[str]]:
        """``index_terms`` of many texts at once (Kiwi spreads them over its worker threads)."""
        norms = [normalise(t) for t in texts]
        korean = [i for i, norm in enumerate(norms) if _HANGUL.search(norm)]
        tokens: list[list[Token]] = [[] for _ in norms]  # text without Hangul: Latin words only
        if korean:
            analysed = self._get_kiwi().tokenize([norms[i] for i in korean])
            for i, toks in zip(korean, analysed, strict=True):
                tokens[i] = toks
        return [_document_terms(norm, toks) for norm, toks in zip(norms, tokens, strict=True)]

    def query_groups(self, text: str) -> list[list[str]]:
        """Groups of terms; a document must match every group. Repeats are dropped.

        A document matches a group when it holds the group's first term — which every document
        holding any of the others holds too ('주차' of ['주차', '주차장'], since '주차장' is
        indexed with its bigrams); the others only add to the score. A group that starts with
        ``ANY`` ('') is matched by any of its terms.
        """
        norm = normalise(text)
        tokens = self._get_kiwi().tokenize(norm)
        groups: list[list[str]] = []
        for word in _QUERY_WORD.finditer(norm):
            if word.group() in _STANDALONE_PARTICLES:
                continue
            start, end = word.span()
            inside = [t for t in tokens if start <= t.start < end]
            word_groups = self._word_groups(norm, inside, start, end)
            last = inside[-1] if inside else None
            absorbed = last is not None and last.tag in _CONTENT_TAGS and last.end == end
            if absorbed and norm[end - 1] in _PARTICLE_END:
                # Kiwi may read a particle into the noun before it ('충장동의' → 충장 + 동의):
                # also accept the word read without it
                stem = norm[start : end - 1]
                bare = self._word_groups(stem, self._get_kiwi().tokenize(stem), 0, len(stem))
                word_groups = _either(word_groups, bare)
            for group in word_groups:
                if group not in groups:
                    groups.append(group)
        # a group that holds every term of another group asks nothing more
        return [g for g in groups if not any(o is not g and set(o) < set(g) for o in groups)]

    def query_words(self, text: str) -> list[tuple[str, str]]:
        """Each query word and its stem (the word without trailing particles and endings)."""
        norm = normalise(text)
        tokens = self._get_kiwi().tokenize(norm)
        out: list[tuple[str, str]] = []
        for word in _QUERY_WORD.finditer(norm):
            start, end = word.span()
            if word.group() in _STANDALONE_PARTICLES:
                continue
            nouns = [t for t in tokens if start <= t.start < end and t.tag in _NOUN_PART_TAGS | {"SL", "SH"}]
            stem = norm[nouns[0].start : nouns[-1].end] if nouns else word.group()
            out.append((word.group(), stem.strip()))
        return out

    def corrections(self, word: str) -> list[list[str]]:
        """Candidate spellings of a query word, best tier first (see ``spelling``)."""
        return spelling.corrections(normalise(word))

    def _word_groups(self, norm: str, tokens: list[Token], start: int, end: int) -> list[list[str]]:
        groups: list[list[str]] = []
        runs = _runs(tokens)
        content = [t for t in tokens if t.tag in _CONTENT_TAGS and t.len]
        for token in content:
            morpheme = norm[token.start : token.end]
            run = next(r for r in runs if token in r) if any(token in r for r in runs) else [token]
            compound = norm[run[0].start : run[-1].end]
            alternatives = [compound] if compound != morpheme else []
            if morpheme in self._proper or not _SYLLABLES.fullmatch(morpheme):
                # place names and mixed words, whole; any of the terms will do
                groups.append([ANY, morpheme, *alternatives] if alternatives else [morpheme])
            elif len(morpheme) >= 3:
                groups += [[b, morpheme, *alternatives] for b in _bigrams(morpheme)]
            elif len(morpheme) == 2:
                groups.append([morpheme, *alternatives])
            elif (pair := _neighbour_bigram(norm, token, run)) is not None:
                groups.append([pair, *alternatives])
        if not groups and content:  # a word of one syllable: '동'
            groups.append([norm[content[0].start : content[0].end]])
        for match in _LATIN_WORD.finditer(norm, start, end):
            if any(t.start <= match.start() < t.end for t in content):
                continue  # the digit of '첨단2동'
            word = match.group()
            singular = _singular(word)
            groups.append([word] if singular == word else [singular, word])
        return groups

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


def _runs(tokens: Iterable[Token]) -> list[list[Token]]:
    """Adjacent morphemes that join into a compound (two or more), in order."""
    runs: list[list[Token]] = []
    run: list[Token] = []
    for token in tokens:
        if token.tag in _COMPOUND_TAGS and run and token.start == run[-1].end:
            run.append(token)
            continue
        if len(run) > 1:
            runs.append(run)
        run = [token] if token.tag in _COMPOUND_TAGS else []
    if len(run) > 1:
        runs.append(run)
    return runs


def _document_terms(norm: str, tokens: list[Token]) -> list[str]:
    """The terms of a normalised text: each word (between spaces and punctuation) gives its terms once."""
    out: list[str] = []
    position = 0
    for word in _WORD.finditer(norm):
        start, end = word.span()
        inside: list[Token] = []
        while position < len(tokens) and tokens[position].start < end:
            if tokens[position].start >= start:
                inside.append(tokens[position])
            position += 1
        terms: dict[str, None] = {}
        bases = [norm[t.start : t.end] for t in inside if t.tag in _CONTENT_TAGS and t.len]
        bases += [norm[r[0].start : r[-1].end] for r in _runs(inside)]
        bases += [m.group() for m in _LATIN_WORD.finditer(norm, start, end)]
        for base in bases:
            terms[base] = None
            terms.update(dict.fromkeys(_expansions(base)))
        noun_part = [t for t in inside if t.tag in _NOUN_PART_TAGS]
        if noun_part:
            terms.update(dict.fromkeys(_bigrams(norm[noun_part[0].start : noun_part[-1].end])))
        out += terms
    return out


def _either(first: list[list[str]], second: list[list[str]]) -> list[list[str]]:
    """Groups matching what either list of groups matches: (a ∧ b) ∨ (c ∧ d) = (a∨c)(a∨d)(b∨c)(b∨d)."""
    if not first or not second:
        return first or second
    out: list[list[str]] = []
    for a in first:
        for b in second:
            terms = list(dict.fromkeys(t for t in a + b if t != ANY))
            group = terms if len(terms) == 1 else [ANY, *terms]
            if group not in out:
                out.append(group)
    return out


def _bigrams(text: str) -> list[str]:
    return [run[i : i + 2] for run in _HANGUL_RUN.findall(text) for i in range(len(run) - 1)]


def _neighbour_bigram(norm: str, token: Token, run: list[Token]) -> str | None:
    """The bigram a lone syllable makes with the syllable before it (or after it) in its compound."""
    at = run.index(token)
    if at > 0 and _SYLLABLES.fullmatch(norm[token.start - 1 : token.end]):
        return norm[token.start - 1 : token.end]
    if at + 1 < len(run) and _SYLLABLES.fullmatch(norm[token.start : token.end + 1]):
        return norm[token.start : token.end + 1]
    return None


def _expansions(term: str) -> list[str]:
    """Hangul bigrams of a term (other than the term itself) and an English singular."""
    extra = [bigram for bigram in _bigrams(term) if bigram != term]
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
