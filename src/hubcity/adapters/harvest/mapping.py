"""Upstream codes mapped to hubcity's: licences, themes, update cycles, dates (lenient: unknown → none).

A harvest never refuses a dataset for a code hubcity does not know: an unknown licence
becomes ``other``, an unknown theme or cycle is left empty.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from hubcity.adapters.exchange.vocab import FREQUENCIES, LICENCE_DOCS
from hubcity.domain.datasets import LICENCES, THEMES, UPDATE_CYCLES

__all__ = ["clean_keywords", "cycle_of", "date_of", "licence_of", "theme_of", "text_of"]

# CKAN's default licence ids (and common spellings) -> ours
_LICENCE_ALIASES = {
    "cc-by": "cc-by-4.0",
    "cc-by-4.0": "cc-by-4.0",
    "cc_by_4_0": "cc-by-4.0",
    "cc-zero": "cc0-1.0",
    "cc0": "cc0-1.0",
    "cc0-1.0": "cc0-1.0",
}
_LICENCE_IRIS = {iri: key for key, doc in LICENCE_DOCS.items() for iri in (doc.dcat_uri, doc.url)}
_KOGL = re.compile(r"(?:kogl|공공누리|licensetype)\D{0,12}([1-4])", re.IGNORECASE)
_THEME_LABELS = {label: key for key, pair in THEMES.items() for label in pair}
_FREQ_CODES = {code: key for key, (code, _) in FREQUENCIES.items()}


def text_of(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


def licence_of(*candidates: Any) -> str | None:
    """The first candidate (id, title or IRI) that names a licence; ``other`` for one we do not know."""
    seen = False
    for raw in candidates:
        text = str(raw or "").strip()
        if not text or text.lower() in {"notspecified", "none", "null"}:
            continue
        seen = True
        if text in LICENCES:
            return text
        if text in _LICENCE_IRIS:
            return _LICENCE_IRIS[text]
        alias = _LICENCE_ALIASES.get(text.lower().rstrip("/").rsplit("/", 1)[-1])
        if alias:
            return alias
        kogl = _KOGL.search(text)
        if kogl:
            return f"kogl-{kogl.group(1)}"
    return "other" if seen else None


def theme_of(*candidates: Any) -> str | None:
    """Our theme key from a key, a Korean or English label, or an IRI that ends in a key."""
    for raw in candidates:
        text = str(raw or "").strip()
        if not text:
            continue
        if text in THEMES:
            return text
        if text in _THEME_LABELS:
            return _THEME_LABELS[text]
        tail = text.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        if tail in THEMES:
            return tail
    return None


def cycle_of(raw: Any) -> str | None:
    """An update cycle from our key or an EU frequency IRI/code."""
    text = str(raw or "").strip()
    if not text:
        return None
    if text in UPDATE_CYCLES:
        return text
    return _FREQ_CODES.get(text.rstrip("/").rsplit("/", 1)[-1].upper())


def date_of(raw: Any) -> date | None:
    text = str(raw or "").strip()[:10]
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def clean_keywords(values: list[Any]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        text = str(value or "").strip()[:50]
        if text:
            seen.setdefault(text, None)
    return list(seen)[:30]
