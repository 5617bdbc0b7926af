"""The catalogue search index: what each dataset is found by, kept up to date by the services.

Every searchable field of a dataset (title, English title, keywords, description, spatial
coverage, the owner organisation's name, resource titles, column names and descriptions) is
analysed into terms (Korean morphemes, their compounds and bigrams, English words). Each term
of a dataset is stored once, with the fields it occurs in and a weight: the weight of its
strongest field, plus a tenth of the others. A query is analysed into groups; a dataset
matches when it holds a term of every group and ranks by the sum, over the groups, of its best
term's weight times that term's rarity (idf). Beside the terms the index keeps each dataset's
자치구 (from its spatial coverage) and file formats, for the facets.

"Did you mean": when a search finds little and a query word is not in the index, the word
one slip away (in jamo for Korean, in letters for English, or read back from a keyboard left
in English mode) that most datasets the user may read hold is offered instead.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from hubcity.domain.accounts import Org
from hubcity.domain.datasets import Dataset, Resource
from hubcity.domain.grants import hidden_columns
from hubcity.domain.places import GUS
from hubcity.ports import DatasetFilter, MetadataStore, ReadScope, SearchDocument, TextAnalyzer

__all__ = ["FIELD_WEIGHTS", "SUGGEST_BELOW", "SearchIndexer", "district_of"]

# How much a term found in each field says about a dataset; titles and keywords say most.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "keywords": 2.5,
    "title_en": 2.5,
    "spatial": 1.5,
    "columns": 1.2,
    "resources": 1.2,
    "description": 1.0,
    "org": 0.8,
}
# A search that finds fewer datasets than this gets a "did you mean" when a word is unknown.
SUGGEST_BELOW = 3
_GU_NAMES = frozenset(g.name for g in GUS)
_PLACE_WORD = re.compile(r"[^\s,·・/()\[\]_]+")
_MEMO_LIMIT = 200_000  # analysed short texts kept while rebuilding the whole index


def district_of(spatial_coverage: str) -> str | None:
    """The one 자치구 a spatial coverage names ('광주광역시 서구' → 서구); None for none or several."""
    found = set()
    for word in _PLACE_WORD.findall(spatial_coverage):
        name = word.removesuffix("청")
        if name in _GU_NAMES:
            found.add(name)
    return found.pop() if len(found) == 1 else None


class SearchIndexer:
    def __init__(self, store: MetadataStore, analyzer: TextAnalyzer) -> None:
        self.store = store
        self.analyzer = analyzer

    # -- writing ------------------------------------------------------------------------------------

    def fields(self, dataset: Dataset) -> dict[str, list[str]]:
        """The searchable text of a dataset, per field, as the pieces it is analysed in."""
        org = self.store.find_org_by_id(dataset.owner_org_id)
        return _fields(dataset, org, self.store.list_resources(dataset.id))

    def index(self, dataset: Dataset) -> int:
        """(Re)write the dataset's entry; the number of distinct terms it holds."""
        return self.index_many([dataset.id])

    def index_many(self, dataset_ids: Sequence[int], memo: dict[str, list[str]] | None = None) -> int:
        """(Re)write the entries of several datasets: one analysis of each distinct text, one transaction."""
        datasets = self.store.datasets_by_ids(list(dataset_ids))
        resources = self.store.resources_by_dataset([d.id for d in datasets])
        orgs = {o.id: o for o in self.store.list_orgs()}
        docs = [(d, _fields(d, orgs.get(d.owner_org_id), resources.get(d.id, []))) for d in datasets]
        memo = {} if memo is None else memo
        pieces = list(dict.fromkeys(p for _, f in docs for ps in f.values() for p in ps if p not in memo))
        for piece, terms in zip(pieces, self.analyzer.index_terms_many(pieces), strict=True):
            memo[piece] = terms
        documents = [
            SearchDocument(
                dataset_id=d.id,
                postings=_postings(fields, memo),
                district=district_of(d.spatial_coverage),
                formats=tuple(
                    sorted({r.current.format.lower() for r in resources.get(d.id, []) if r.current})
                ),
            )
            for d, fields in docs
        ]
        self.store.index_documents(documents)
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        return sum(len(doc.postings) for doc in documents)

    def index_id(self, dataset_id: int) -> None:
        self.index_many([dataset_id])

    def remove(self, dataset_id: int) -> None:
        self.store.remove_from_index([dataset_id])

    def reindex_all(self, progress: Callable[[int, int], None] | None = None, batch: int = 500) -> int:
        """Rebuild the whole index (after an analyzer change, or for data loaded before it existed)."""
        ids = self.store.all_dataset_ids()
        memo: dict[str, list[str]] = {}
        for start in range(0, len(ids), batch):
            self.index_many(ids[start : start + batch], memo)
            if progress is not None:
                progress(min(start + batch, len(ids)), len(ids))
        return len(ids)

    def built(self) -> bool:
        """Whether any dataset is in the index (false after an upgrade that rebuilt it)."""
        return self.store.search_index_built()

    # -- reading ------------------------------------------------------------------------------------

    def groups(self, query: str) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(g) for g in self.analyzer.query_groups(query) if g)

    def suggest(self, scope: ReadScope, query: str, flt: DatasetFilter, found: int) -> str | None:
        """A corrected query that finds more than ``found`` datasets under ``flt``, or None.

        Only words whose stem is not in the index are corrected; a correction is a word the
        scope may read in some dataset, so a suggestion never reveals what the user cannot see.
        """
        words = self.analyzer.query_words(query)
        stems = [stem for _, stem in words if stem]
        if not stems:
            return None
        known = self.store.known_terms(stems)
        fixed: list[str] = []
        changed = False
        for word, stem in words:
            better = None if not stem or stem in known else self._correct(scope, stem)
            if better is None or better == stem:
                fixed.append(word)
                continue
            fixed.append(word.replace(stem, better, 1) if stem in word else better)
            changed = True
        if not changed:
            return None
        suggestion = " ".join(fixed)
        groups = self.groups(suggestion)
        if not groups:
            return None
        page = self.store.search_datasets(scope, replace(flt, groups=groups, limit=0, offset=0), facets=False)
        return suggestion if page.total > found else None

    def _correct(self, scope: ReadScope, stem: str) -> str | None:
        for tier in self.analyzer.corrections(stem):
            counts = self.store.term_counts(scope, tier)
            if counts:
                return min(counts, key=lambda c: (-counts[c], c))
        return None

    def record_miss(self, query: str) -> None:
        """Count a search that found nothing: the words only, never who searched."""
        words = " ".join(query.split()).lower()
        if words:
            self.store.record_search_miss(words, datetime.now(UTC))


def _fields(dataset: Dataset, org: Org | None, resources: list[Resource]) -> dict[str, list[str]]:
    columns: list[str] = []
    for resource in resources:
        if resource.current is None:
            continue
        hidden = hidden_columns(resource.current)  # personal columns: not even their names are searchable
        for col in resource.current.columns:
            name = str(col.get("name", ""))
            if name in hidden:
                continue
            columns.append(name)
            for extra in ("original_name", "label", "description"):
                text = str(col.get(extra) or "").strip()
                if text and text != name:
                    columns.append(text)
    fields = {
        "title": [dataset.title],
        "title_en": [dataset.title_en],
        "keywords": list(dataset.keywords),
        "description": [dataset.description],
        "spatial": [dataset.spatial_coverage],
        "org": [x for x in (org.title, org.title_en) if x] if org else [],
        "resources": [r.title or r.name for r in resources],
        "columns": columns,
    }
    return {field: [p for p in pieces if p and p.strip()] for field, pieces in fields.items()}


def _postings(fields: dict[str, list[str]], analysed: dict[str, list[str]]) -> list[tuple[str, str, float]]:
    """(term, the fields it occurs in, weight): its strongest field's weight plus a tenth of the others'."""
    by_term: dict[str, list[tuple[str, float]]] = {}
    for field, pieces in fields.items():
        counts = Counter(t[:64] for p in pieces for t in analysed[p] if t)
        weight = FIELD_WEIGHTS[field]
        for term, n in counts.items():
            by_term.setdefault(term, []).append((field, weight * (1 + math.log(n))))
    postings = []
    for term, found in by_term.items():
        weights = [w for _, w in found]
        best = max(weights)
        postings.append((term, ",".join(f for f, _ in found), best + 0.1 * (sum(weights) - best)))
    return postings
