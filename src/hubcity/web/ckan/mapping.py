"""hubcity's datasets, resources, organisations, themes and users as CKAN dictionaries — and back.

Identifiers: a dataset's CKAN ``id`` is its name (names are unique and never change in
hubcity), an organisation's is its slug, a theme group's is the theme key, a user's is the
username, and a resource's is its numeric database id as a string (``"42"``) — the same
number CKAN-style SQL uses as a table name (``SELECT * FROM "42"``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from hubcity.domain.accounts import ORG_KIND_LABELS, Org, User
from hubcity.domain.datasets import LICENCES, THEMES, Dataset, Resource, Visibility
from hubcity.errors import FieldError, InvalidInput

__all__ = [
    "CKAN_FIELD",
    "dataset_fields",
    "group_dict",
    "organization_dict",
    "package_dict",
    "resource_dict",
    "user_dict",
]

# hubcity field -> the CKAN field a client sent it as (for validation messages)
CKAN_FIELD = {
    "description": "notes",
    "keywords": "tags",
    "licence": "license_id",
    "theme": "groups",
    "contact_name": "maintainer",
    "contact_email": "maintainer_email",
}

# hubcity fields carried as CKAN extras, in this order
_EXTRAS = (
    "title_en",
    "theme",
    "update_cycle",
    "visibility",
    "spatial_coverage",
    "temporal_start",
    "temporal_end",
    "contact_phone",
)

# the ids of CKAN's default licence list, as ours: the same licence, or "other"
_LICENCE_ALIASES = {
    "cc-by": "cc-by-4.0",
    "cc-by-4.0": "cc-by-4.0",
    "cc-zero": "cc0-1.0",
    "cc0": "cc0-1.0",
    "cc0-1.0": "cc0-1.0",
    **dict.fromkeys(
        (
            "cc-by-sa",
            "cc-nc",
            "gfdl",
            "odc-by",
            "odc-odbl",
            "odc-pddl",
            "uk-ogl",
            "other-open",
            "other-pd",
            "other-at",
            "other-nc",
            "other-closed",
        ),
        "other",
    ),
}

_MIMETYPES = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "json": "application/json",
    "jsonl": "application/jsonl",
    "parquet": "application/vnd.apache.parquet",
}


def _ts(value: datetime | None) -> str | None:
    """CKAN's timestamps: ISO 8601 in UTC without an offset."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat()


def _extra_value(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


# -- hubcity -> CKAN ---------------------------------------------------------------------------
def download_url(base: str, dataset: str, resource: str, fmt: str) -> str:
    return f"{base}/api/v1/datasets/{quote(dataset)}/resources/{quote(resource)}/download?format={fmt}"


def resource_dict(base: str, dataset: Dataset, resource: Resource, position: int = 0) -> dict[str, Any]:
    """A resource: its current version, downloadable from ``url``.

    A table first uploaded as CSV links to its CSV export (UTF-8); any other file links to the
    file as uploaded, whose format ``format`` names. Every table is in the datastore.
    """
    ver = resource.current
    source_format = (ver.format if ver else "") or ""
    is_table = bool(ver and ver.is_table)
    fmt = "csv" if is_table and source_format == "csv" else "source"
    out: dict[str, Any] = {
        "id": str(resource.id),
        "package_id": dataset.name,
        "name": resource.title or resource.name,
        "resource_name": resource.name,
        "description": "",
        "url": download_url(base, dataset.name, resource.name, fmt),
        "url_type": None,
        "format": source_format.upper(),
        "mimetype": _MIMETYPES.get(source_format),
        "size": ver.size_bytes if ver else None,
        "hash": f"sha256:{ver.checksum}" if ver else "",
        "datastore_active": is_table,
        "state": "active",
        "position": position,
        "created": _ts(resource.created_at),
        "last_modified": _ts(ver.created_at if ver else resource.updated_at),
        "metadata_modified": _ts(resource.updated_at),
        "version": ver.number if ver else None,
        "version_count": resource.version_count,
    }
    if ver and is_table:
        out["csv_url"] = download_url(base, dataset.name, resource.name, "csv")
        out["row_count"] = ver.row_count
        out["source_encoding"] = ver.source_encoding
    return out


def organization_dict(org: Org, package_count: int | None = None) -> dict[str, Any]:
    kind_ko, kind_en = ORG_KIND_LABELS[org.kind]
    out: dict[str, Any] = {
        "id": org.slug,
        "name": org.slug,
        "title": org.title,
        "display_name": org.title,
        "description": org.description,
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "created": _ts(org.created_at),
        "extras": [
            {"key": "title_en", "value": org.title_en},
            {"key": "kind", "value": str(org.kind)},
            {"key": "kind_label", "value": f"{kind_ko} ({kind_en})"},
            {"key": "parent", "value": org.parent_slug or ""},
        ],
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def group_dict(theme: str, package_count: int | None = None) -> dict[str, Any]:
    """One of data.go.kr's 16 themes as a CKAN group."""
    ko, en = THEMES[theme]
    out: dict[str, Any] = {
        "id": theme,
        "name": theme,
        "title": ko,
        "display_name": ko,
        "description": en,
        "type": "group",
        "is_organization": False,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "extras": [{"key": "title_en", "value": en}],
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def package_dict(base: str, dataset: Dataset, resources: list[Resource], org: Org | None) -> dict[str, Any]:
    """A dataset as CKAN's package dict; hubcity's own fields travel as extras."""
    extras = []
    for key in _EXTRAS:
        value = getattr(dataset, key)
        if key == "visibility":
            value = str(value)
        if value not in (None, ""):
            extras.append({"key": key, "value": _extra_value(value)})
    licence = LICENCES.get(dataset.licence or "")
    tags = [
        {"name": k, "display_name": k, "id": k, "state": "active", "vocabulary_id": None}
        for k in dataset.keywords
    ]
    shown = [r for r in resources if r.current is not None]
    org_dict = (
        organization_dict(org)
        if org
        else {"id": dataset.owner_org_slug, "name": dataset.owner_org_slug, "title": dataset.owner_org_title}
    )
    return {
        "id": dataset.name,
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.description,
        "type": "dataset",
        "state": "active",
        "private": dataset.visibility is not Visibility.PUBLIC,
        "owner_org": dataset.owner_org_slug,
        "organization": org_dict,
        "license_id": dataset.licence or "",
        "license_title": licence[0] if licence else "",
        "license_title_en": licence[1] if licence else "",
        "maintainer": dataset.contact_name,
        "maintainer_email": dataset.contact_email,
        "author": "",
        "author_email": "",
        "url": f"{base}/datasets/{quote(dataset.name)}",
        "version": None,
        "metadata_created": _ts(dataset.created_at),
        "metadata_modified": _ts(dataset.updated_at),
        "tags": tags,
        "num_tags": len(tags),
        "groups": [group_dict(dataset.theme)] if dataset.theme in THEMES else [],
        "extras": extras,
        "resources": [resource_dict(base, dataset, r, i) for i, r in enumerate(shown)],
        "num_resources": len(shown),
        "isopen": (dataset.licence or "").startswith(("kogl-1", "cc-by", "cc0")),
    }


def user_dict(user: User, *, private_details: bool) -> dict[str, Any]:
    """A user; the e-mail address only for the user and sysadmins."""
    out: dict[str, Any] = {
        "id": user.username,
        "name": user.username,
        "fullname": user.display_name,
        "display_name": user.display_name,
        "about": "",
        "created": _ts(user.created_at),
        "state": "active" if user.active else "deleted",
        "sysadmin": user.sysadmin,
        "image_display_url": "",
        "organizations": [{"name": m.org_slug, "capacity": str(m.role)} for m in user.memberships],
    }
    if private_details:
        out["email"] = user.email
    return out


# -- CKAN -> hubcity ---------------------------------------------------------------------------
def _extras(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in data.get("extras") or []:
        if isinstance(item, dict) and "key" in item:
            out[str(item["key"])] = item.get("value")
    return out


def _licence(value: Any) -> str | None:
    text = str(value or "").strip()
    if not text or text.lower() == "notspecified":
        return None
    if text in LICENCES:
        return text
    alias = _LICENCE_ALIASES.get(text.lower())
    if alias:
        return alias
    allowed = ", ".join(LICENCES)
    raise InvalidInput(
        f"알 수 없는 이용허락입니다: {text} ({allowed} 중 하나)",
        f"Unknown license_id '{text}'; use one of {allowed}.",
        [FieldError("license_id", f"{allowed} 중 하나", f"one of {allowed}")],
    )


def _theme_of_groups(groups: Any) -> str | None:
    if not isinstance(groups, list):
        return None
    labels = {label: key for key, pair in THEMES.items() for label in pair}
    for group in groups:
        raw = (
            (group.get("name") or group.get("id") or group.get("title")) if isinstance(group, dict) else group
        )
        name = str(raw or "").strip()
        if name in THEMES:
            return name
        if name in labels:
            return labels[name]
    return None


def _keywords(data: dict[str, Any]) -> list[str] | None:
    if "tags" in data and data["tags"] is not None:
        tags = data["tags"]
        if isinstance(tags, str):
            return [t for t in tags.replace(";", ",").split(",") if t.strip()]
        return [str(t.get("name", "")) if isinstance(t, dict) else str(t) for t in tags]
    if "tag_string" in data and data["tag_string"] is not None:
        return [t for t in str(data["tag_string"]).split(",") if t.strip()]
    return None


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "1", "yes", "on", "t", "y"}


def dataset_fields(
    data: dict[str, Any], *, partial: bool, current: Visibility | None = None
) -> dict[str, Any]:
    """hubcity's dataset fields from a CKAN package dict; fields hubcity does not know are ignored.

    ``partial`` (package_patch): only what ``data`` names. Otherwise (package_create and
    package_update) every field, absent ones empty, as CKAN replaces the whole dataset.
    ``owner_org`` is left to the caller, which resolves organisations.
    """
    extras = _extras(data)

    def given(key: str) -> bool:
        return key in data or key in extras

    def value(key: str) -> Any:
        return data[key] if key in data else extras.get(key)

    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = str(data["name"] or "")
    if "title" in data or not partial:
        out["title"] = str(data.get("title") or data.get("name") or "")
    if "notes" in data or not partial:
        out["description"] = str(data.get("notes") or "")
    keywords = _keywords(data)
    if keywords is not None or not partial:
        out["keywords"] = keywords or []
    if given("theme"):
        out["theme"] = str(value("theme") or "") or None
    elif "groups" in data or not partial:
        out["theme"] = _theme_of_groups(data.get("groups"))
    if "license_id" in data or not partial:
        out["licence"] = _licence(data.get("license_id"))
    if any(k in data for k in ("maintainer", "author")) or not partial:
        out["contact_name"] = str(data.get("maintainer") or data.get("author") or "")
    if any(k in data for k in ("maintainer_email", "author_email")) or not partial:
        out["contact_email"] = str(data.get("maintainer_email") or data.get("author_email") or "")
    for key in ("title_en", "update_cycle", "spatial_coverage", "contact_phone"):
        if given(key) or not partial:
            raw = value(key)
            out[key] = (str(raw) if raw is not None else "") if key != "update_cycle" else (raw or None)
    for key in ("temporal_start", "temporal_end"):
        if given(key) or not partial:
            out[key] = value(key) or None
    if given("visibility") or "private" in data or not partial:
        out["visibility"] = _visibility(value("visibility"), data.get("private"), current)
    return out


def _visibility(declared: Any, private: Any, current: Visibility | None) -> str:
    """``visibility`` (an extra) when it agrees with ``private``; otherwise ``private`` decides.

    A private dataset without a declared visibility is restricted to its organisation, as
    CKAN's private datasets are.
    """
    text = str(declared or "").strip()
    if private is None:
        return text or (str(current) if current else str(Visibility.PUBLIC))
    is_private = _flag(private)
    if not is_private:
        return str(Visibility.PUBLIC)
    if text and text != Visibility.PUBLIC:
        return text
    if current is not None and current is not Visibility.PUBLIC:
        return str(current)
    return str(Visibility.RESTRICTED)
