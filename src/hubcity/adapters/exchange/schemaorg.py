"""schema.org ``Dataset`` markup (JSON-LD) for a dataset page, as search engines read it."""

from __future__ import annotations

import json
from typing import Any

from hubcity.adapters.exchange.model import DatasetEntry, Links, iso_time
from hubcity.adapters.exchange.vocab import LICENCE_DOCS, file_type
from hubcity.domain.datasets import THEMES, Visibility

__all__ = ["dataset_markup", "script_json"]


def _organisation(entry: DatasetEntry, links: Links) -> dict[str, Any]:
    ds = entry.dataset
    org: dict[str, Any] = {
        "@type": "GovernmentOrganization"
        if entry.org is None or entry.org.kind.is_city_staff
        else "Organization",
        "@id": links.org(ds.owner_org_slug),
        "name": ds.owner_org_title,
        "url": links.org_page(ds.owner_org_slug),
    }
    if entry.org is not None and entry.org.title_en:
        org["alternateName"] = entry.org.title_en
    if ds.contact_name or ds.contact_email or ds.contact_phone:
        contact: dict[str, Any] = {"@type": "ContactPoint", "contactType": "data steward"}
        if ds.contact_name:
            contact["name"] = ds.contact_name
        if ds.contact_email:
            contact["email"] = ds.contact_email
        if ds.contact_phone:
            contact["telephone"] = ds.contact_phone
        org["contactPoint"] = contact
    return org


def dataset_markup(entry: DatasetEntry, links: Links, *, catalogue_name: str) -> dict[str, Any]:
    ds = entry.dataset
    org = _organisation(entry, links)
    doc: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": links.dataset(ds.name),
        "name": ds.title,
        "description": ds.description or f"{ds.title} — {ds.owner_org_title}에서 제공하는 데이터셋입니다.",
        "url": links.page(ds.name),
        "identifier": ds.name,
        "inLanguage": "ko",
        "isAccessibleForFree": True,
        "creator": org,
        "publisher": {"@id": org["@id"]},
        "includedInDataCatalog": {"@type": "DataCatalog", "name": catalogue_name, "url": links.home()},
    }
    if ds.title_en:
        doc["alternateName"] = ds.title_en
    if ds.keywords:
        doc["keywords"] = list(ds.keywords)
    if ds.theme in THEMES:
        doc["about"] = {"@type": "Thing", "name": THEMES[ds.theme][0], "alternateName": THEMES[ds.theme][1]}
    doc_licence = LICENCE_DOCS.get(ds.licence or "")
    if doc_licence is not None:
        doc["license"] = doc_licence.url
    if ds.visibility is not Visibility.PUBLIC:
        doc["conditionsOfAccess"] = (
            "로그인한 권한 있는 사용자만 이용할 수 있습니다 (signed-in users with access only)."
        )
    if ds.temporal_start or ds.temporal_end:
        start = ds.temporal_start.isoformat() if ds.temporal_start else ".."
        end = ds.temporal_end.isoformat() if ds.temporal_end else ".."
        doc["temporalCoverage"] = f"{start}/{end}"
    if ds.spatial_coverage:
        doc["spatialCoverage"] = {"@type": "Place", "name": ds.spatial_coverage}
    if ds.created_at is not None:
        doc["dateCreated"] = iso_time(ds.created_at)
    if ds.updated_at is not None:
        doc["dateModified"] = iso_time(ds.updated_at)
    distribution = []
    columns: list[str] = []
    for resource, version in entry.published:
        title = resource.title or resource.name
        if version.is_table:
            distribution.append(
                {
                    "@type": "DataDownload",
                    "name": f"{title} (CSV)",
                    "encodingFormat": "text/csv",
                    "contentUrl": links.download(ds.name, resource.name, "csv", version.number),
                }
            )
            columns.extend(c["name"] for c in version.columns if c["name"] not in columns)
        ext = version.format if version.is_table else version.filename.rpartition(".")[2]
        ft = file_type(ext)
        source: dict[str, Any] = {
            "@type": "DataDownload",
            "name": f"{title} ({version.filename})",
            "contentUrl": links.download(ds.name, resource.name, "source", version.number),
            "contentSize": f"{version.size_bytes} B",
        }
        if ft is not None:
            source["encodingFormat"] = ft.media_type or ft.label
        elif ext:
            source["encodingFormat"] = ext.lower()
        distribution.append(source)
    if distribution:
        doc["distribution"] = distribution
    if columns:
        doc["variableMeasured"] = columns[:100]
    return doc


def script_json(doc: dict[str, Any]) -> str:
    """JSON that is safe inside ``<script type="application/ld+json">`` and keeps Korean readable."""
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
