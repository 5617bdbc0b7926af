"""CKAN's site actions: status, organisations, groups (our 16 themes), tags and users."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hubcity import __version__
from hubcity.domain.datasets import THEMES
from hubcity.errors import AuthenticationFailed, NotFound
from hubcity.ports import DatasetFilter
from hubcity.web.ckan.datasets import as_package, every_dataset
from hubcity.web.ckan.mapping import group_dict, organization_dict, user_dict
from hubcity.web.ckan.protocol import Call, invalid

__all__ = [
    "CKAN_VERSION",
    "group_list",
    "group_show",
    "organization_list",
    "organization_show",
    "status_show",
    "tag_list",
    "user_show",
]

CKAN_VERSION = "2.10.4"  # the CKAN release whose Action API this follows


def status_show(call: Call) -> dict[str, Any]:
    """The site and the CKAN API version it follows."""
    return {
        "site_title": "hubcity — 광주 데이터 허브",
        "site_description": "데이터 · 융합 · 실증 — data-driven city administration",
        "site_url": call.base_url,
        "ckan_version": CKAN_VERSION,
        "hubcity_version": __version__,
        "error_emails_to": None,
        "locale_default": "ko",
        "extensions": ["datastore"],
    }


def _page(call: Call, items: list[Any]) -> list[Any]:
    offset = call.integer("offset", 0) or 0
    limit = call.integer("limit", None)
    return items[offset : offset + limit] if limit is not None else items[offset:]


def _sorted(call: Call, rows: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """(name, title, count) rows in CKAN's ``sort`` order: 'name' (default), 'title' or 'package_count'."""
    sort = (call.text("sort") or call.text("order_by") or "name").split()
    key, desc = (sort[0] if sort else "name"), len(sort) > 1 and sort[1].lower() == "desc"
    if key not in ("name", "title", "package_count", "packages"):
        raise invalid("sort", "name, title, package_count 중 하나입니다.", "use name, title or package_count")
    if key in ("package_count", "packages"):
        desc = desc or len(sort) == 1
        return sorted(rows, key=lambda r: (r[2], r[0]), reverse=desc)
    index = 0 if key == "name" else 1
    return sorted(rows, key=lambda r: r[index], reverse=desc)


def organization_list(call: Call) -> list[Any]:
    """Organisation names (all_fields: dicts with package_count); sort, limit, offset."""
    counts = call.services.catalog.count_by_org(call.actor)
    orgs = {o.slug: o for o in call.services.accounts.list_orgs()}
    wanted = call.items("organizations")
    rows = [
        (o.slug, o.title, counts.get(o.id, 0)) for o in orgs.values() if wanted is None or o.slug in wanted
    ]
    rows = _page(call, _sorted(call, rows))
    if call.flag("all_fields", False):
        return [organization_dict(orgs[slug], n) for slug, _, n in rows]
    return [slug for slug, _, _ in rows]


def organization_show(call: Call) -> dict[str, Any]:
    """An organisation (``id``); include_datasets lists the datasets the caller may read."""
    org = call.services.accounts.get_org(call.require("id", "name"))
    out = organization_dict(org, call.services.catalog.count_by_org(call.actor).get(org.id, 0))
    if call.flag("include_datasets", False):
        flt = DatasetFilter(org=org.slug, visibility=None if call.flag("include_private", True) else "public")
        out["packages"] = [as_package(call, d) for d in every_dataset(call, flt)][:1000]
    member = call.actor.sysadmin or org.id in call.actor.roles
    if member and call.flag("include_users", True):
        out["users"] = [
            {"name": u.username, "display_name": u.display_name, "capacity": role}
            for u, role in call.services.accounts.members(org)
        ]
    return out


def _theme_counts(call: Call) -> dict[str, int]:
    page = call.services.catalog.list_datasets(call.actor, DatasetFilter(limit=1), facets=True)
    return page.facets.get("theme", {})


def group_list(call: Call) -> list[Any]:
    """The 16 data.go.kr themes as groups (all_fields: dicts with package_count)."""
    counts = _theme_counts(call)
    wanted = call.items("groups")
    rows = [
        (key, ko, counts.get(key, 0)) for key, (ko, _en) in THEMES.items() if wanted is None or key in wanted
    ]
    rows = _page(call, _sorted(call, rows))
    if call.flag("all_fields", False):
        return [group_dict(key, n) for key, _, n in rows]
    return [key for key, _, _ in rows]


def group_show(call: Call) -> dict[str, Any]:
    """A theme (``id``) as a group."""
    name = call.require("id", "name")
    if name not in THEMES:
        raise NotFound.of("분류", "Group", name)
    out = group_dict(name, _theme_counts(call).get(name, 0))
    if call.flag("include_datasets", False):
        out["packages"] = [as_package(call, d) for d in every_dataset(call, DatasetFilter(theme=name))][:1000]
    return out


def tag_list(call: Call) -> list[Any]:
    """The keywords of the datasets the caller may read; ``query`` keeps those containing it."""
    query = (call.text("query") or call.text("q") or "").strip().lower()
    counts = Counter(k for d in every_dataset(call, DatasetFilter(sort="created")) for k in d.keywords)
    names = sorted(k for k in counts if query in k.lower())
    if call.flag("all_fields", False):
        return [{"id": k, "name": k, "display_name": k, "vocabulary_id": None} for k in names]
    return names


def user_show(call: Call) -> dict[str, Any]:
    """A user, for signed-in callers (city staff are not listed to the public); no id: yourself."""
    if not call.actor.authenticated:
        raise AuthenticationFailed(
            "사용자 정보는 로그인한 사용자만 볼 수 있습니다.", "Sign in (send an API token) to see users."
        )
    name = call.text("id") or call.text("name") or call.actor.username or ""
    user = call.services.accounts.find_user(name)
    if user is None:
        raise NotFound.of("사용자", "User", name)
    own = call.actor.sysadmin or user.id == call.actor.user_id
    return user_dict(user, private_details=own)
