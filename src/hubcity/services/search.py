"""The catalogue search index: what each dataset is found by, kept up to date by the services.

Every searchable field of a dataset (title, English title, keywords, description,
the owner organisation's name, resource titles and column names) is analysed
into terms (Korean morphemes, their character bigrams, English words) and
stored with a weight per field. A query is analysed the same way into groups,
one per query word; a dataset matches when it holds a term of every group,
and ranks by the weights of its matching terms times their rarity.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime

from hubcity.domain.datasets import Dataset
from hubcity.ports import MetadataStore, TextAnalyzer

__all__ = ["FIELD_WEIGHTS", "SearchIndexer"]

# How much a term found in each field counts; titles and keywords say most about a dataset.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 3.0,
    "keywords": 2.5,
    "title_en": 2.0,
    "columns": 1.5,
    "org": 1.5,
    "resources": 1.2,
    "description": 1.0,
}


class SearchIndexer:
    def __init__(self, store: MetadataStore, analyzer: TextAnalyzer) -> None:
        self.store = store
        self.analyzer = analyzer

    def fields(self, dataset: Dataset) -> dict[str, str]:
        """The searchable text of a dataset, per field."""
        org = self.store.find_org_by_id(dataset.owner_org_id)
        resources = self.store.list_resources(dataset.id)
        columns: list[str] = []
        for resource in resources:
            if resource.current is None:
                continue
            for col in resource.current.columns:
                name = str(col.get("name", ""))
                original = str(col.get("original_name") or "")
                columns.append(name)
                if original and original.strip() != name:
                    columns.append(original)
        return {
            "title": dataset.title,
            "title_en": dataset.title_en,
            "keywords": " ".join(dataset.keywords),
            "description": dataset.description,
            "org": " ".join(x for x in (org.title, org.title_en) if x) if org else "",
            "resources": " ".join(r.title or r.name for r in resources),
            "columns": " ".join(columns),
        }

    def index(self, dataset: Dataset) -> int:
        """(Re)write the dataset's terms; the number of distinct (term, field) postings."""
        postings: list[tuple[str, str, float]] = []
        for field, text in self.fields(dataset).items():
            if not text.strip():
                continue
            counts = Counter(t[:64] for t in self.analyzer.index_terms(text) if t)
            weight = FIELD_WEIGHTS[field]
            postings += [(term, field, weight * (1 + math.log(n))) for term, n in counts.items()]
        self.store.replace_search_terms(dataset.id, postings)
        return len(postings)

    def index_id(self, dataset_id: int) -> None:
        dataset = self.store.find_dataset_by_id(dataset_id)
        if dataset is not None:
            self.index(dataset)

    def reindex_all(self) -> int:
        """Rebuild the whole index (after an analyzer change, or for data loaded before it existed)."""
        count = 0
        for dataset_id in self.store.all_dataset_ids():
            self.index_id(dataset_id)
            count += 1
        return count

    def built(self) -> bool:
        """Whether any dataset has terms in the index (false after an upgrade from before it)."""
        return self.store.search_terms_exist()

    def groups(self, query: str) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(g) for g in self.analyzer.query_groups(query) if g)

    def record_miss(self, query: str) -> None:
        """Count a search that found nothing: the words only, never who searched."""
        words = " ".join(query.split()).lower()
        if words:
            self.store.record_search_miss(words, datetime.now(UTC))
