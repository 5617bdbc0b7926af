"""A Frictionless data package (``datapackage.json``) for one dataset.

Each table resource becomes a tabular data resource whose ``path`` is the
absolute URL of the UTF-8 CSV export of its current version (pinned to that
version, so the schema and the data always agree) and whose Table Schema comes
from the column types the ingest settled on. Other files are plain file
resources, with their size and SHA-256 so a reader can check what it fetched.
"""

from __future__ import annotations

from typing import Any

from hubcity.adapters.exchange.model import DatasetEntry, Links, iso_time
from hubcity.adapters.exchange.vocab import LICENCE_DOCS, file_type
from hubcity.domain.datasets import LICENCES, THEMES, Resource, Version

__all__ = ["FIELD_TYPES", "data_package", "table_schema"]

# our column types -> Table Schema field types
FIELD_TYPES: dict[str, str] = {
    "integer": "integer",
    "decimal": "number",
    "text": "string",
    "date": "date",
    "timestamp": "datetime",
    "boolean": "boolean",
}


def table_schema(version: Version) -> dict[str, Any]:
    fields = []
    for column in version.columns:
        field: dict[str, Any] = {
            "name": column["name"],
            "type": FIELD_TYPES.get(str(column.get("type")), "any"),
        }
        title = column.get("title") or (
            column.get("original_name") if column.get("original_name") != column["name"] else None
        )
        if title:
            field["title"] = title
        if column.get("description"):
            field["description"] = column["description"]
        fields.append(field)
    # the export writes a missing value as an empty field
    return {"fields": fields, "missingValues": [""]}


def _licences(code: str | None) -> list[dict[str, str]]:
    if not code or code not in LICENCES:
        return []
    ko, en = LICENCES[code]
    doc = LICENCE_DOCS.get(code)
    licence: dict[str, str] = {"title": f"{ko} ({en})"}
    if doc is not None:
        licence["path"] = doc.url
        if doc.spdx:
            licence["name"] = doc.spdx
    return [licence] if "path" in licence or "name" in licence else []


def _table_resource(
    entry: DatasetEntry, resource: Resource, version: Version, links: Links
) -> dict[str, Any]:
    name = entry.dataset.name
    return {
        "name": resource.name,
        "title": resource.title or resource.name,
        "description": (
            f"버전 {version.number}: {version.row_count:,}행 {version.column_count:,}열 "
            f"(원본 {version.filename}) / version {version.number}: {version.row_count:,} rows, "
            f"{version.column_count:,} columns (from {version.filename})"
        ),
        "profile": "tabular-data-resource",
        "path": links.download(name, resource.name, "csv", version.number),
        "scheme": links.base.split(":", 1)[0],
        "format": "csv",
        "mediatype": "text/csv",
        # An IANA name, as the spec asks. The export starts with a byte-order mark (for Excel);
        # frictionless reads a declared utf-8 file that starts with one as utf-8-sig.
        "encoding": "utf-8",
        "dialect": {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True},
        "schema": table_schema(version),
        "sources": [
            {
                "title": version.filename,
                "path": links.download(name, resource.name, "source", version.number),
            }
        ],
    }


def _file_resource(entry: DatasetEntry, resource: Resource, version: Version, links: Links) -> dict[str, Any]:
    ext = version.filename.rpartition(".")[2].lower() if "." in version.filename else ""
    ft = file_type(ext)
    out: dict[str, Any] = {
        "name": resource.name,
        "title": resource.title or resource.name,
        "description": f"원본 파일 {version.filename} / the file as uploaded",
        "profile": "data-resource",
        "path": links.download(entry.dataset.name, resource.name, "source", version.number),
        "scheme": links.base.split(":", 1)[0],
        "bytes": version.size_bytes,
    }
    if ext:
        out["format"] = ext
    if ft is not None and ft.media_type:
        out["mediatype"] = ft.media_type
    if version.checksum:
        out["hash"] = f"sha256:{version.checksum.lower()}"
    return out


def data_package(entry: DatasetEntry, links: Links) -> dict[str, Any]:
    """The dataset as a Frictionless data package (Data Package v1 descriptor)."""
    ds = entry.dataset
    resources = [
        _table_resource(entry, r, v, links) if v.is_table else _file_resource(entry, r, v, links)
        for r, v in entry.published
    ]
    tabular = bool(resources) and all(r["profile"] == "tabular-data-resource" for r in resources)
    package: dict[str, Any] = {
        "profile": "tabular-data-package" if tabular else "data-package",
        "name": ds.name,
        "id": links.dataset(ds.name),
        "title": ds.title,
        "homepage": links.page(ds.name),
    }
    if ds.description:
        package["description"] = ds.description
    if ds.keywords:
        package["keywords"] = list(ds.keywords)
    if ds.created_at is not None:
        package["created"] = iso_time(ds.created_at)
    licences = _licences(ds.licence)
    if licences:
        package["licenses"] = licences
    contributors: list[dict[str, str]] = [
        {"title": ds.owner_org_title, "role": "publisher", "path": links.org_page(ds.owner_org_slug)}
    ]
    if ds.contact_name or ds.contact_email:
        contact = {"title": ds.contact_name or ds.owner_org_title, "role": "maintainer"}
        if ds.contact_email:
            contact["email"] = ds.contact_email
        contributors.append(contact)
    package["contributors"] = contributors
    extra: dict[str, Any] = {"visibility": str(ds.visibility)}
    if ds.title_en:
        extra["title_en"] = ds.title_en
    if ds.theme in THEMES:
        extra["theme"] = {"code": ds.theme, "title": THEMES[ds.theme][0], "title_en": THEMES[ds.theme][1]}
    if ds.update_cycle:
        extra["update_cycle"] = ds.update_cycle
    if ds.temporal_start or ds.temporal_end:
        extra["temporal"] = {
            "start": ds.temporal_start.isoformat() if ds.temporal_start else None,
            "end": ds.temporal_end.isoformat() if ds.temporal_end else None,
        }
    if ds.spatial_coverage:
        extra["spatial"] = ds.spatial_coverage
    package["hubcity"] = extra
    package["resources"] = resources
    return package
