"""The catalogue: datasets and their metadata, under each user's rights."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError

from hubcity.domain.accounts import Actor
from hubcity.domain.audit import AuditAction
from hubcity.domain.datasets import (
    EDITABLE_FIELDS,
    Dataset,
    DatasetDraft,
    Usage,
    Visibility,
    can_edit,
    can_read,
)
from hubcity.errors import FieldError, InvalidInput, NotFound, PermissionDenied
from hubcity.ports import DatasetFilter, MetadataStore, ReadScope
from hubcity.services.audit import AuditService
from hubcity.services.personal import publish_blockers
from hubcity.services.search import SUGGEST_BELOW, SearchIndexer
from hubcity.services.usage import UsageCounter

__all__ = ["CatalogService", "Channel", "DatasetPage", "read_scope", "validation_error"]

# Where a dataset was used from, for its usage figures: the web pages or the JSON API (/api/v1).
Channel = Literal["web", "api"]


def read_scope(actor: Actor) -> ReadScope:
    """The SQL-side twin of ``can_read``: what a listing may return for this actor."""
    return ReadScope(
        everything=actor.sysadmin,
        internal=actor.staff,
        org_ids=frozenset(actor.roles),
        dataset_ids=actor.granted,
    )


def validation_error(exc: ValidationError) -> InvalidInput:
    errors = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        errors.append(FieldError(loc, f"{loc}: {err['msg']}", f"{loc}: {err['msg']}"))
    first = errors[0].message_en if errors else "invalid input"
    return InvalidInput(f"입력값이 올바르지 않습니다 — {first}", f"Invalid input — {first}", errors)


@dataclass(frozen=True)
class DatasetPage:
    items: list[Dataset]
    total: int
    limit: int
    offset: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    # when searching: per dataset id, the fields that matched and the terms found in them
    matched: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)  # every term the query was analysed into
    suggestion: str | None = None  # "did you mean": a corrected query that finds more


class CatalogService:
    def __init__(
        self,
        store: MetadataStore,
        indexer: SearchIndexer | None = None,
        audit: AuditService | None = None,
        usage: UsageCounter | None = None,
    ) -> None:
        self.store = store
        self.indexer = indexer
        self.audit = audit
        self.usage = usage or UsageCounter(store)

    def reindex(self, dataset_id: int) -> None:
        """Bring the dataset's search terms up to date (after a metadata change or a new version)."""
        if self.indexer is not None:
            self.indexer.index_id(dataset_id)

    def create_dataset(self, actor: Actor, data: dict[str, Any]) -> Dataset:
        try:
            draft = DatasetDraft.model_validate(data)
        except ValidationError as exc:
            raise validation_error(exc) from None
        org = self.store.find_org(draft.owner_org)
        if org is None:
            raise InvalidInput(
                f"기관 '{draft.owner_org}'이(가) 없습니다.",
                f"No organisation '{draft.owner_org}'.",
                [FieldError("owner_org", "없는 기관입니다.", "Unknown organisation.")],
            )
        if not actor.can_edit_in(org.id):
            raise PermissionDenied(
                f"'{org.title}'의 편집자만 데이터셋을 만들 수 있습니다.",
                f"Only editors of '{org.slug}' can create its datasets.",
            )
        fields = draft.model_dump(exclude={"owner_org"})
        fields["visibility"] = str(draft.visibility)
        fields["owner_org_id"] = org.id
        fields["created_by"] = actor.user_id
        dataset = self.store.create_dataset(fields)
        if self.audit:
            self.audit.dataset_changed(actor, AuditAction.DATASET_CREATE, dataset)
        if self.indexer is not None:
            self.indexer.index(dataset)
        return dataset

    def find_dataset(self, actor: Actor, name: str) -> Dataset | None:
        dataset = self.store.find_dataset(name)
        if dataset is None or not can_read(actor, dataset):
            return None
        return dataset

    def get_dataset(self, actor: Actor, name: str) -> Dataset:
        """The dataset, or NotFound — also when it exists but the actor may not see it (no leaks)."""
        dataset = self.find_dataset(actor, name)
        if dataset is None:
            raise NotFound.of("데이터셋", "Dataset", name)
        return dataset

    def get_editable(self, actor: Actor, name: str) -> Dataset:
        dataset = self.get_dataset(actor, name)
        if not can_edit(actor, dataset):
            raise PermissionDenied("이 데이터셋을 고칠 권한이 없습니다.", "You may not change this dataset.")
        return dataset

    def list_datasets(self, actor: Actor, flt: DatasetFilter, *, facets: bool = False) -> DatasetPage:
        """A page of the datasets the actor may read; with ``q``, a Korean-aware search ranked by relevance.

        Visibility applies in SQL to the page, the total and every facet count alike.
        """
        q = (flt.q or "").strip() or None
        groups = self.indexer.groups(q) if q and self.indexer is not None else ()
        flt = replace(
            flt,
            q=q,
            groups=groups or None,
            sort=flt.sort or ("relevance" if groups else "updated"),
            limit=max(1, min(flt.limit, 1000)),
            offset=max(0, flt.offset),
        )
        scope = read_scope(actor)
        terms = sorted({t for g in groups for t in g if t})
        found = self.store.search_datasets(scope, flt, facets=facets)
        items, total, counts, matched = found.items, found.total, found.facets, found.matched
        suggestion = None
        if q and self.indexer is not None and total < SUGGEST_BELOW:
            suggestion = self.indexer.suggest(scope, q, flt, total)
        filtered = flt.org or flt.theme or flt.licence or flt.format or flt.update_cycle or flt.district
        if q and total == 0 and self.indexer is not None and not filtered:
            self.indexer.record_miss(q)
        return DatasetPage(
            items=items,
            total=total,
            limit=flt.limit,
            offset=flt.offset,
            facets=counts,
            matched=matched,
            terms=terms,
            suggestion=suggestion,
        )

    def search_misses(self, actor: Actor, limit: int = 50) -> list[tuple[str, int, datetime]]:
        """Searches that found nothing, most frequent first (for the staff who own the data)."""
        if not actor.staff:
            raise PermissionDenied(
                "직원만 볼 수 있습니다.", "Only staff of the city and its partners may see this."
            )
        return self.store.list_search_misses(max(1, min(limit, 500)))

    def count_by_org(self, actor: Actor) -> dict[int, int]:
        return self.store.count_datasets_by_org(read_scope(actor))

    def update_dataset(self, actor: Actor, name: str, changes: dict[str, Any]) -> Dataset:
        dataset = self.get_editable(actor, name)
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            bad = ", ".join(sorted(unknown))
            raise InvalidInput(
                f"바꿀 수 없는 항목입니다: {bad}",
                f"These fields cannot be changed: {bad}",
                [FieldError(k, "바꿀 수 없는 항목", "not editable") for k in sorted(unknown)],
            )
        current = {
            "name": dataset.name,
            "title": dataset.title,
            "title_en": dataset.title_en,
            "description": dataset.description,
            "owner_org": dataset.owner_org_slug,
            "visibility": str(dataset.visibility),
            "keywords": dataset.keywords,
            "theme": dataset.theme,
            "licence": dataset.licence,
            "update_cycle": dataset.update_cycle,
            "contact_name": dataset.contact_name,
            "contact_email": dataset.contact_email,
            "contact_phone": dataset.contact_phone,
            "temporal_start": dataset.temporal_start,
            "temporal_end": dataset.temporal_end,
            "spatial_coverage": dataset.spatial_coverage,
            "legal_basis": dataset.legal_basis,
        }
        try:
            draft = DatasetDraft.model_validate({**current, **changes})
        except ValidationError as exc:
            raise validation_error(exc) from None
        fields = draft.model_dump(exclude={"name", "owner_org"})
        fields["visibility"] = str(draft.visibility)
        # no unique identifiers in public without a legal basis (on becoming public, or losing the basis)
        losing_basis = bool(dataset.legal_basis) and not draft.legal_basis
        was_public = dataset.visibility is Visibility.PUBLIC
        if draft.visibility is Visibility.PUBLIC and (not was_public or losing_basis):
            resources = self.store.list_resources(dataset.id)
            publish_blockers(dataset, str(draft.visibility), draft.legal_basis, resources)
        if draft.owner_org != dataset.owner_org_slug:
            org = self.store.find_org(draft.owner_org)
            if org is None or not actor.can_edit_in(org.id):
                raise PermissionDenied(
                    "그 기관으로 옮길 권한이 없습니다.", "You may not move the dataset to that organisation."
                )
            fields["owner_org_id"] = org.id
        updated = self.store.update_dataset(dataset.id, fields)
        if self.audit:
            self.audit.dataset_changed(actor, AuditAction.DATASET_UPDATE, updated, before=dataset)
        if self.indexer is not None:
            self.indexer.index(updated)
        return updated

    def delete_dataset(self, actor: Actor, name: str) -> None:
        dataset = self.get_editable(actor, name)
        self.store.delete_dataset(dataset.id, datetime.now(UTC))
        if self.audit:
            self.audit.dataset_changed(actor, AuditAction.DATASET_DELETE, dataset)
        self.store.remove_from_index([dataset.id])

    def record_view(self, dataset: Dataset) -> None:
        self.record_use(dataset, "web")

    def record_use(self, dataset: Dataset, channel: Channel | None, *, download: bool = False) -> None:
        """Count one use of a dataset, never who: a page view on the web, a read through the API
        (metadata, rows or a file), a download (any channel; through the API it is also an API call)."""
        views = 1 if channel == "web" and not download else 0
        api_calls = 1 if channel == "api" else 0
        downloads = 1 if download else 0
        # gathered in memory and written within seconds (see services/usage.py), not a commit per use
        self.usage.add(dataset.id, Usage(views=views, downloads=downloads, api_calls=api_calls))
