"""CKAN's package_* actions over the catalogue service.

``package_list``, ``package_search`` (``q``, ``fq``, ``rows``, ``start``, ``sort``,
``facet.field``) and ``package_show`` list what the caller may read; like CKAN they leave
private (internal or restricted) datasets out unless ``include_private`` is true.
``package_create``, ``package_update``, ``package_patch`` and ``package_delete`` go
through ``services.catalog`` and its rights. Resources given in a package dict are not
created: hubcity keeps files, not links (send each file with ``resource_create``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from hubcity.domain.accounts import Org
from hubcity.domain.datasets import LICENCES, THEMES, Dataset
from hubcity.errors import FieldError, InvalidInput
from hubcity.ports import DatasetFilter
from hubcity.web.ckan.mapping import CKAN_FIELD, dataset_fields, package_dict
from hubcity.web.ckan.protocol import Call, CkanError, missing

__all__ = [
    "as_package",
    "every_dataset",
    "package_create",
    "package_delete",
    "package_list",
    "package_patch",
    "package_search",
    "package_show",
    "package_update",
    "parse_query",
]

_PAGE = 1000  # the catalogue's largest page

# Solr fields in q/fq -> DatasetFilter fields
_FILTER_FIELDS = {
    "organization": "org",
    "owner_org": "org",
    "groups": "theme",
    "theme": "theme",
    "tags": "keyword",
    "res_format": "format",
    "license_id": "licence",
}
_TEXT_FIELDS = {"text", "title", "notes", "name", "title_en"}
# filters every hubcity dataset passes (sent by harvesters and CKAN's own UI)
_ALWAYS = {("dataset_type", "dataset"), ("state", "active"), ("type", "dataset")}
_TOKEN = re.compile(r'([+-]?)([A-Za-z_.]+):("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\([^)]*\)|\S+)')

# facet.field -> the catalogue's facet
_FACETS = {
    "organization": "org",
    "owner_org": "org",
    "groups": "theme",
    "license_id": "licence",
    "res_format": "format",
    "tags": "keyword",
}

_SORTS = {
    "score": "relevance",
    "relevance": "relevance",
    "metadata_modified": "updated",
    "metadata_created": "created",
    "title_string": "title",
    "title": "title",
    "name": "title",
    "views_recent": "popular",
    "views_total": "popular",
}


def _orgs(call: Call) -> dict[str, Org]:
    orgs: dict[str, Org] = call.once("orgs", lambda: {o.slug: o for o in call.services.accounts.list_orgs()})
    return orgs


def as_package(call: Call, dataset: Dataset) -> dict[str, Any]:
    _, resources = call.services.resources.list_resources(call.actor, dataset.name)
    return package_dict(call.base_url, dataset, resources, _orgs(call).get(dataset.owner_org_slug))


def _show(call: Call, name: str) -> dict[str, Any]:
    dataset, resources = call.services.resources.list_resources(call.actor, name)
    return package_dict(call.base_url, dataset, resources, _orgs(call).get(dataset.owner_org_slug))


def every_dataset(call: Call, flt: DatasetFilter) -> Iterator[Dataset]:
    """Every dataset that passes ``flt`` and the caller may read, page by page."""
    offset = 0
    while True:
        page = call.services.catalog.list_datasets(call.actor, replace(flt, limit=_PAGE, offset=offset))
        yield from page.items
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return


# -- reading ------------------------------------------------------------------------------------
def package_list(call: Call) -> list[str]:
    """Names of the public datasets (and, with include_private, of every one the caller may read)."""
    visibility = None if call.flag("include_private", False) else "public"
    names = sorted(d.name for d in every_dataset(call, DatasetFilter(visibility=visibility, sort="created")))
    offset = call.integer("offset", 0) or 0
    limit = call.integer("limit", None)
    return names[offset : offset + limit] if limit is not None else names[offset:]


def package_show(call: Call) -> dict[str, Any]:
    """A dataset (``id`` or ``name``) with its resources, if the caller may read it."""
    return _show(call, call.require("id", "name"))


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def parse_query(q: str, fqs: list[str]) -> tuple[str, dict[str, str]]:
    """Solr-style ``q`` and ``fq`` as (free text, filters); what hubcity cannot filter by is refused."""
    words: list[str] = []
    filters: dict[str, str] = {}
    for text in [q, *fqs]:
        text = (text or "").strip()
        if text in ("*:*", "*"):
            continue
        rest = text
        for match in _TOKEN.finditer(text):
            sign, field, raw = match.groups()
            rest = rest.replace(match.group(0), " ", 1)
            value = _unquote(raw)
            if sign == "-" or raw.startswith(("(", "[")):
                if field == "metadata_modified" and sign != "-":
                    raise CkanError.search_query(
                        "metadata_modified 범위 조건은 지원하지 않습니다. "
                        "sort=metadata_modified desc로 새 것부터 읽으세요.",
                        "Ranges on metadata_modified are not supported; "
                        "read newest first with sort=metadata_modified desc.",
                    )
                raise CkanError.search_query(
                    f"지원하지 않는 검색 조건입니다: {match.group(0)}",
                    f"Unsupported search condition: {match.group(0)} (no negation, ranges or OR groups)",
                )
            if (field, value) in _ALWAYS:
                continue
            if field == "capacity" and value == "public":
                filters["visibility"] = "public"
                continue
            if field in _TEXT_FIELDS:
                words.append(value)
                continue
            key = _FILTER_FIELDS.get(field)
            if key is None:
                allowed = ", ".join(sorted({*_FILTER_FIELDS, *_TEXT_FIELDS, "capacity"}))
                raise CkanError.search_query(
                    f"'{field}'(으)로는 거를 수 없습니다. 쓸 수 있는 항목: {allowed}",
                    f"Cannot filter by '{field}'; use one of {allowed}.",
                )
            if key in filters and filters[key] != value:
                raise CkanError.search_query(
                    f"'{field}'에는 값을 하나만 줄 수 있습니다.",
                    f"Give '{field}' one value only (no OR).",
                )
            filters[key] = value
        leftover = [w for w in rest.split() if w not in ("AND", "&&", "+")]
        if "OR" in leftover or "||" in leftover:
            raise CkanError.search_query(
                "OR 검색은 지원하지 않습니다.", "OR queries are not supported; every word must match."
            )
        words.extend(w for w in (w.lstrip("+").strip('"') for w in leftover) if w)
    return " ".join(words), filters


def _sort(text: str | None, has_q: bool) -> str:
    if not text:
        return "relevance" if has_q else "updated"
    first = text.split(",")[0].split()
    key = _SORTS.get(first[0]) if first else None
    if key is None:
        allowed = ", ".join(_SORTS)
        raise CkanError.search_query(
            f"정렬 기준을 알 수 없습니다: {text} ({allowed})", f"Unknown sort '{text}'; use one of {allowed}."
        )
    return "updated" if key == "relevance" and not has_q else key


def _facet_label(call: Call, field: str, value: str) -> str:
    if field == "org":
        org = _orgs(call).get(value)
        return org.title if org else value
    if field == "theme" and value in THEMES:
        return THEMES[value][0]
    if field == "licence" and value in LICENCES:
        return LICENCES[value][0]
    return value


def _facets(
    call: Call, fields: list[str], flt: DatasetFilter, counts: dict[str, dict[str, int]], total: int
) -> tuple[dict[str, dict[str, int]], dict[str, Any]]:
    limit = call.integer("facet.limit", 50, minimum=-1)
    mincount = call.integer("facet.mincount", 1) or 0
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    for name in fields:
        key = _FACETS.get(str(name))
        chosen = getattr(flt, key) if key else None
        if key is None:
            values: dict[str, int] = {}
        elif chosen:
            values = {chosen.upper() if key == "format" else chosen: total} if total else {}
        elif key == "keyword":
            values = dict(Counter(k for d in every_dataset(call, flt) for k in d.keywords)) if total else {}
        else:
            values = dict(counts.get(key, {}))
            if key == "format":
                values = {k.upper(): n for k, n in values.items()}
        ranked = sorted(((v, n) for v, n in values.items() if n >= mincount), key=lambda p: (-p[1], p[0]))
        if limit is not None and limit >= 0:
            ranked = ranked[:limit]
        facets[str(name)] = dict(ranked)
        search_facets[str(name)] = {
            "title": str(name),
            "items": [
                {
                    "name": v,
                    "display_name": _facet_label(call, key or "", v.lower() if key == "format" else v),
                    "count": n,
                }
                for v, n in ranked
            ],
        }
    return facets, search_facets


def package_search(call: Call) -> dict[str, Any]:
    """Korean-aware search: q, fq (organization, tags, res_format, groups, license_id), rows, start,
    sort, facet.field; private datasets only with include_private."""
    fqs = [call.text("fq") or ""] + [str(f) for f in call.items("fq_list") or []]
    text, filters = parse_query(call.text("q") or "", fqs)
    rows = call.integer("rows", 10, maximum=_PAGE) or 0
    start = call.integer("start", 0) or 0
    sort_text = call.text("sort")
    visibility = filters.pop("visibility", None)
    if not call.flag("include_private", False):
        visibility = "public"
    flt = DatasetFilter(
        q=text or None,
        org=filters.get("org"),
        theme=filters.get("theme"),
        licence=filters.get("licence"),
        format=filters.get("format"),
        keyword=filters.get("keyword"),
        visibility=visibility,
        sort=_sort(sort_text, bool(text)),
        limit=max(rows, 1),
        offset=start,
    )
    facet_fields = [str(f) for f in call.items("facet.field") or []]
    page = call.services.catalog.list_datasets(call.actor, flt, facets=bool(facet_fields))
    facets, search_facets = _facets(call, facet_fields, flt, page.facets, page.total)
    return {
        "count": page.total,
        "results": [as_package(call, d) for d in page.items] if rows else [],
        "sort": sort_text or ("score desc, metadata_modified desc" if text else "metadata_modified desc"),
        "facets": facets,
        "search_facets": search_facets,
    }


# -- writing ------------------------------------------------------------------------------------
def _owner_org(call: Call, data: dict[str, Any]) -> str | None:
    """The organisation a package dict names: ``owner_org``, else its ``organization``'s name."""
    candidates: list[str] = []
    if data.get("owner_org"):
        candidates.append(str(data["owner_org"]))
    org = data.get("organization")
    if isinstance(org, dict):
        candidates += [str(org[k]) for k in ("name", "id") if org.get(k)]
    for slug in candidates:
        if slug in _orgs(call):
            return slug
    return candidates[0] if candidates else None


def _ckan_names(exc: InvalidInput) -> InvalidInput:
    """The same error, with fields named as the CKAN client sent them."""
    errors = [FieldError(CKAN_FIELD.get(e.field, e.field), e.message, e.message_en) for e in exc.errors]
    return InvalidInput(exc.message, exc.message_en, errors)


def _write(call: Call, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except InvalidInput as exc:
        raise _ckan_names(exc) from None


def package_create(call: Call) -> dict[str, Any]:
    """Create a dataset from a CKAN package dict (editors of owner_org); unknown fields are ignored."""
    data = call.params
    fields = dataset_fields(data, partial=False)
    fields["owner_org"] = _owner_org(call, data) or ""
    if not fields.get("name"):
        raise missing("name")
    dataset = _write(call, call.services.catalog.create_dataset, call.actor, fields)
    return _show(call, dataset.name)


def _target(call: Call) -> Dataset:
    """The dataset an update names by ``id`` (or ``name``), which the caller may edit."""
    name = call.require("id", "name")
    return call.services.catalog.get_editable(call.actor, name)


def _changes(call: Call, dataset: Dataset, *, partial: bool) -> dict[str, Any]:
    data = call.params
    fields = dataset_fields(data, partial=partial, current=dataset.visibility)
    new_name = fields.pop("name", None)
    if new_name and new_name != dataset.name:
        raise InvalidInput(
            "데이터셋 이름(주소)은 바꿀 수 없습니다.",
            f"A dataset's name cannot change ('{dataset.name}' stays '{dataset.name}').",
            [FieldError("name", "바꿀 수 없습니다.", "cannot change")],
        )
    if data.get("owner_org") or isinstance(data.get("organization"), dict):
        fields["owner_org"] = _owner_org(call, data)
    return fields


def package_update(call: Call) -> dict[str, Any]:
    """Replace a dataset's metadata (``id``); absent fields become empty, as in CKAN."""
    dataset = _target(call)
    _write(
        call,
        call.services.catalog.update_dataset,
        call.actor,
        dataset.name,
        _changes(call, dataset, partial=False),
    )
    return _show(call, dataset.name)


def package_patch(call: Call) -> dict[str, Any]:
    """Change the fields given, keep the rest (``id``)."""
    dataset = _target(call)
    changes = _changes(call, dataset, partial=True)
    if changes:
        _write(call, call.services.catalog.update_dataset, call.actor, dataset.name, changes)
    return _show(call, dataset.name)


def package_delete(call: Call) -> None:
    """Delete a dataset (``id``); its files stay for the record."""
    call.services.catalog.delete_dataset(call.actor, call.require("id", "name"))
