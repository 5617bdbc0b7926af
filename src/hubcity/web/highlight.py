"""Showing why a dataset matched: the query's terms marked in its text."""

from __future__ import annotations

import html
import re
import unicodedata

from hubcity.domain.datasets import Dataset

__all__ = ["dataset_marks", "highlight"]


def dataset_marks(dataset: Dataset, matched: dict[str, list[str]], *, limit: int = 160) -> dict[str, str]:
    """The title (always) and the English title and description (when they matched), terms marked."""
    terms = sorted({t for found in matched.values() for t in found})
    marks = {"title": highlight(dataset.title, terms)}
    if "title_en" in matched:
        marks["title_en"] = highlight(dataset.title_en, terms)
    if "description" in matched:
        marks["description"] = highlight(dataset.description, terms, limit=limit)
    return marks


def highlight(text: str, terms: list[str], *, limit: int | None = None) -> str:
    """HTML-escaped ``text`` with every occurrence of a term wrapped in ``<mark>``.

    Longer terms win over the shorter ones inside them ('주차장' over '주차'); case and
    full-width forms are ignored. With ``limit``, a window of about that many
    characters around the first match (for long descriptions).
    """
    folded = unicodedata.normalize("NFKC", text)
    words = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not words:
        return html.escape(_window(folded, 0, limit))
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    first = pattern.search(folded)
    start = 0
    if limit is not None and first is not None and len(folded) > limit:
        start = max(0, first.start() - limit // 4)
    window = _window(folded, start, limit)
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(window):
        out.append(html.escape(window[pos : m.start()]))
        out.append(f"<mark>{html.escape(m.group(0))}</mark>")
        pos = m.end()
    out.append(html.escape(window[pos:]))
    return "".join(out)


def _window(text: str, start: int, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    piece = text[start : start + limit]
    return ("…" if start else "") + piece + ("…" if start + limit < len(text) else "")
