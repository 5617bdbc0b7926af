"""Reading another CKAN portal: ``package_search`` page by page, each package as a RemoteDataset.

Works with CKAN 2.x and with hubcity's own Action API. CKAN's quirks handled here:
the ``{"success", "result": {"count", "results"}}`` envelope (and ``success: false``
with an ``error``), a server that returns fewer rows than asked (``ckan.search.rows_max``),
extras as a ``[{"key", "value"}]`` list or as top-level fields (ckanext-scheming), tags
as dicts or strings, and a dataset that moves between pages while we read (deduplicated).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from hubcity.adapters.harvest.http import get_json
from hubcity.adapters.harvest.mapping import (
    clean_keywords,
    cycle_of,
    date_of,
    licence_of,
    text_of,
    theme_of,
)
from hubcity.domain.harvest import RemoteDataset, RemoteFile
from hubcity.errors import RemoteError

__all__ = ["action_url", "list_ckan", "package_to_remote"]


def action_url(base: str, action: str) -> str:
    """``https://portal`` or ``https://portal/api/3/action[/…]`` → the URL of ``action``."""
    base = base.rstrip("/")
    if "/api/" in base:
        root = base.split("/api/", 1)[0]
    else:
        root = base
    return f"{root}/api/3/action/{action}"


def _site(base: str) -> str:
    return base.rstrip("/").split("/api/", 1)[0]


def _not_ckan(url: str, why: str) -> RemoteError:
    return RemoteError(
        f"원격 포털의 응답이 CKAN API 형식이 아닙니다({why}): {url}",
        f"The remote portal did not answer like a CKAN API ({why}): {url}",
    )


def _result(body: Any, url: str) -> dict[str, Any]:
    if not isinstance(body, dict) or "success" not in body:
        raise _not_ckan(url, "no success field")
    if body.get("success") is not True:
        error: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else {}
        message = str(error.get("message") or error.get("__type") or "success: false")
        raise RemoteError(
            f"원격 CKAN이 오류로 응답했습니다: {message}", f"The remote CKAN answered an error: {message}"
        )
    result = body.get("result")
    if not isinstance(result, dict) or not isinstance(result.get("results"), list):
        raise _not_ckan(url, "no result.results list")
    return result


def _extras(pkg: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    raw = pkg.get("extras")
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and "key" in item:
                out[str(item["key"])] = item.get("value")
    elif isinstance(raw, dict):  # some portals send a plain mapping
        out.update({str(k): v for k, v in raw.items()})
    return out


def _tags(pkg: dict[str, Any]) -> list[str]:
    tags = pkg.get("tags")
    if isinstance(tags, list):
        return [
            str(t.get("display_name") or t.get("name") or "") if isinstance(t, dict) else str(t) for t in tags
        ]
    if isinstance(tags, str):
        return tags.replace(";", ",").split(",")
    return []


def _groups(pkg: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for group in pkg.get("groups") or []:
        if isinstance(group, dict):
            out.extend([group.get("name"), group.get("title"), group.get("display_name")])
        else:
            out.append(group)
    return out


def _files(pkg: dict[str, Any]) -> list[RemoteFile]:
    files = []
    for i, res in enumerate(pkg.get("resources") or []):
        if not isinstance(res, dict):
            continue
        url = str(res.get("url") or "").strip()
        if not url.startswith(("http://", "https://")):
            continue
        name = str(res.get("resource_name") or res.get("name") or res.get("id") or f"file-{i + 1}")
        fmt = str(res.get("format") or "").strip().lower().lstrip(".")
        stamp = res.get("hash") or res.get("last_modified") or res.get("metadata_modified") or res.get("size")
        files.append(RemoteFile(url=url, name=name, format=fmt, fingerprint=f"{url}|{stamp or ''}"))
    return files


def package_to_remote(pkg: dict[str, Any], base: str) -> RemoteDataset:
    """One CKAN package dict mapped to hubcity's fields."""
    extras = _extras(pkg)

    def field(key: str) -> Any:
        return pkg[key] if pkg.get(key) not in (None, "") else extras.get(key)

    identifier = str(pkg.get("id") or pkg.get("name") or "").strip()
    name = str(pkg.get("name") or identifier)
    if not identifier:
        raise _not_ckan(base, "a package without id or name")
    site = _site(base)
    url = str(pkg.get("url") or "")
    source_url = url if url.startswith(site + "/") else f"{site}/dataset/{name}"
    org: dict[str, Any] = pkg["organization"] if isinstance(pkg.get("organization"), dict) else {}
    fields: dict[str, Any] = {
        "title": text_of(pkg.get("title") or name, 300),
        "title_en": text_of(field("title_en"), 300),
        "description": text_of(pkg.get("notes"), 20_000),
        "keywords": clean_keywords(_tags(pkg)),
        "licence": licence_of(pkg.get("license_id"), pkg.get("license_title"), pkg.get("license_url")),
        "theme": theme_of(field("theme"), *_groups(pkg)),
        "update_cycle": cycle_of(field("update_cycle") or field("frequency")),
        "spatial_coverage": text_of(field("spatial_coverage"), 300),
        "temporal_start": date_of(field("temporal_start")),
        "temporal_end": date_of(field("temporal_end")),
        "contact_name": text_of(pkg.get("maintainer") or pkg.get("author") or org.get("title"), 200),
        "contact_email": text_of(pkg.get("maintainer_email") or pkg.get("author_email"), 320),
    }
    start, end = fields["temporal_start"], fields["temporal_end"]
    if start and end and start > end:
        fields["temporal_start"], fields["temporal_end"] = end, start
    return RemoteDataset(
        identifier=identifier,
        name=name,
        source_url=source_url,
        modified=str(pkg.get("metadata_modified") or ""),
        fields=fields,
        files=_files(pkg),
    )


def list_ckan(
    client: httpx.Client,
    base: str,
    *,
    filter_org: str = "",
    filter_q: str = "",
    page_size: int = 100,
    limit: int = 100_000,
    private: bool = False,
) -> list[RemoteDataset]:
    """Every dataset ``package_search`` lists, in name order: the public ones, and with ``private``
    (the client sends an API key) also those the key's holder may read, marked private."""
    url = action_url(base, "package_search")
    out: dict[str, RemoteDataset] = {}
    start = 0
    while len(out) < limit:
        params: dict[str, Any] = {"rows": page_size, "start": start, "sort": "name asc"}
        if filter_q:
            params["q"] = filter_q
        if filter_org:
            params["fq"] = f'organization:"{filter_org}"'
        if private:
            params["include_private"] = "true"
        result = _result(get_json(client, url, params), url)
        packages = result["results"]
        for pkg in packages:
            # active only; private ones only when asked for with a key
            if not isinstance(pkg, dict) or pkg.get("state", "active") != "active":
                continue
            hidden = bool(pkg.get("private"))
            if hidden and not private:
                continue
            remote = package_to_remote(pkg, base)
            if hidden:
                remote = replace(remote, private=True)
            out.setdefault(remote.identifier, remote)
        start += len(packages)
        count = result.get("count")
        if not packages or (isinstance(count, int) and start >= count):
            break
    return list(out.values())[:limit]


def describe(url: str) -> str:
    """A short name of the portal for messages."""
    return urlsplit(url).netloc or url
