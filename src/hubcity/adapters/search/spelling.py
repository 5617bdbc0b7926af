"""Spelling corrections for "did you mean": candidate words one slip away from a misspelt one.

Korean is compared letter by letter (jamo), not syllable by syllable: '주차징' and '주차장'
differ in one vowel (ㅣ/ㅏ), '인구헨황' and '인구현황' in one (ㅔ/ㅕ). A slip is one jamo
replaced (a final consonant added or dropped counts), one syllable dropped, or two neighbouring
syllables swapped. Latin words get the classic single-letter edits. A word typed with the
keyboard left in English mode ('wnckwkd') is read back through the standard 2-beolsik layout
('주차장').

This module only proposes candidates; which of them exist (and may be shown to the user) is for
the search index to say.
"""

from __future__ import annotations

import string

__all__ = ["compose", "corrections", "decompose", "from_keyboard", "jamo_distance"]

_BASE = 0xAC00
CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
JUNGSEONG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
JONGSEONG = ["", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"]
_LATIN = string.ascii_lowercase + string.digits

# 2-beolsik (두벌식): the key under each letter
_KEYS = dict(
    zip(
        "qwertyuiopasdfghjklzxcvbnm",
        "ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔㅁㄴㅇㄹㅎㅗㅓㅏㅣㅋㅌㅊㅍㅠㅜㅡ",
        strict=True,
    )
)
_SHIFT_KEYS = {"Q": "ㅃ", "W": "ㅉ", "E": "ㄸ", "R": "ㄲ", "T": "ㅆ", "O": "ㅒ", "P": "ㅖ"}
_VOWEL_PAIRS = {
    ("ㅗ", "ㅏ"): "ㅘ", ("ㅗ", "ㅐ"): "ㅙ", ("ㅗ", "ㅣ"): "ㅚ", ("ㅜ", "ㅓ"): "ㅝ",
    ("ㅜ", "ㅔ"): "ㅞ", ("ㅜ", "ㅣ"): "ㅟ", ("ㅡ", "ㅣ"): "ㅢ",
}  # fmt: skip
_FINAL_PAIRS = {
    ("ㄱ", "ㅅ"): "ㄳ", ("ㄴ", "ㅈ"): "ㄵ", ("ㄴ", "ㅎ"): "ㄶ", ("ㄹ", "ㄱ"): "ㄺ", ("ㄹ", "ㅁ"): "ㄻ",
    ("ㄹ", "ㅂ"): "ㄼ", ("ㄹ", "ㅅ"): "ㄽ", ("ㄹ", "ㅌ"): "ㄾ", ("ㄹ", "ㅍ"): "ㄿ", ("ㄹ", "ㅎ"): "ㅀ",
    ("ㅂ", "ㅅ"): "ㅄ",
}  # fmt: skip


def _is_syllable(ch: str) -> bool:
    return "가" <= ch <= "힣"


def decompose(syllable: str) -> tuple[int, int, int]:
    """A Hangul syllable as (initial, vowel, final) indices; final 0 means none."""
    code = ord(syllable) - _BASE
    return code // 588, (code % 588) // 28, code % 28


def compose(initial: int, vowel: int, final: int = 0) -> str:
    return chr(_BASE + initial * 588 + vowel * 28 + final)


def _letters(word: str) -> list[str]:
    """The word spelt out: each syllable as its initial, vowel and final (if any) jamo."""
    out: list[str] = []
    for ch in word:
        if _is_syllable(ch):
            i, v, f = decompose(ch)
            out += [CHOSEONG[i], JUNGSEONG[v]] + ([JONGSEONG[f]] if f else [])
        else:
            out.append(ch)
    return out


def jamo_distance(a: str, b: str) -> int:
    """Edit distance between two words spelt out in jamo (Levenshtein with adjacent swaps)."""
    x, y = _letters(a), _letters(b)
    prev2: list[int] = []
    prev = list(range(len(y) + 1))
    for i in range(1, len(x) + 1):
        cur = [i] + [0] * len(y)
        for j in range(1, len(y) + 1):
            cost = 0 if x[i - 1] == y[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and x[i - 1] == y[j - 2] and x[i - 2] == y[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _hangul_edits(word: str) -> tuple[set[str], set[str]]:
    """Words one jamo away (replaced, or a final consonant added or dropped); then words a syllable away."""
    near: set[str] = set()
    far: set[str] = set()
    for pos, ch in enumerate(word):
        head, tail = word[:pos], word[pos + 1 :]
        if len(word) > 2:
            far.add(head + tail)  # a syllable too many
        if pos + 1 < len(word):
            far.add(head + word[pos + 1] + ch + word[pos + 2 :])  # two syllables swapped
        if not _is_syllable(ch):
            continue
        i, v, f = decompose(ch)
        near.update(head + compose(n, v, f) + tail for n in range(len(CHOSEONG)))
        near.update(head + compose(i, n, f) + tail for n in range(len(JUNGSEONG)))
        near.update(head + compose(i, v, n) + tail for n in range(len(JONGSEONG)))
    near.discard(word)
    far -= near | {word}
    return near, far


def _latin_edits(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LATIN]
    inserts = [a + c + b for a, b in splits for c in _LATIN]
    out = set(deletes + swaps + replaces + inserts)
    out.discard(word)
    return {w for w in out if len(w) > 1}


def _takes_final(letters: list[str], i: int) -> bool:
    """Whether the consonant at ``i`` closes the syllable (it is not the next syllable's initial)."""
    if i >= len(letters) or letters[i] not in JONGSEONG[1:]:
        return False
    return not (i + 1 < len(letters) and letters[i + 1] in JUNGSEONG)


def from_keyboard(word: str) -> str | None:
    """Hangul for a word typed on a 2-beolsik keyboard left in English mode; None if it spells none."""
    jamo = [_SHIFT_KEYS.get(c) or _KEYS.get(c.lower()) for c in word]
    if not jamo or any(j is None for j in jamo):
        return None
    letters = [j for j in jamo if j is not None]
    out: list[str] = []
    i = 0
    while i < len(letters):
        initial = letters[i]
        if initial not in CHOSEONG or i + 1 >= len(letters) or letters[i + 1] not in JUNGSEONG:
            return None
        vowel = letters[i + 1]
        i += 2
        if i < len(letters) and (vowel, letters[i]) in _VOWEL_PAIRS:
            vowel = _VOWEL_PAIRS[vowel, letters[i]]
            i += 1
        final = ""
        if _takes_final(letters, i):
            final = letters[i]
            i += 1
            if _takes_final(letters, i) and (final, letters[i]) in _FINAL_PAIRS:
                final = _FINAL_PAIRS[final, letters[i]]
                i += 1
        out.append(compose(CHOSEONG.index(initial), JUNGSEONG.index(vowel), JONGSEONG.index(final)))
    return "".join(out)


def corrections(word: str) -> list[list[str]]:
    """Words one slip away from ``word``, best tier first.

    Korean: one jamo off, then one syllable dropped or two swapped. Latin: the keyboard reading
    as Hangul, then one letter dropped, added, replaced or swapped.
    """
    if any(_is_syllable(ch) for ch in word):
        if len(word) < 2:
            return []
        near, far = _hangul_edits(word)
        return [sorted(near), sorted(far)]
    if not word.isascii() or len(word) < 4:
        return []
    typed = from_keyboard(word)
    return ([[typed]] if typed else []) + [sorted(_latin_edits(word))]
