"""Listings without a query (the catalogue page, the front page, CKAN's package_search without q)
are counted from the search index's profiles: the same page, total and facet counts as the
tables give, for every reader, and never a trace of what the reader may not see."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from hubcity.adapters.db import search_index
from hubcity.bootstrap import Services
from hubcity.domain.accounts import ANONYMOUS, SYSTEM, Actor
from hubcity.domain.datasets import Usage
from hubcity.ports import DatasetFilter
from hubcity.services.catalog import read_scope
from tests.factories import make_dataset, upload

# name, owner, visibility, theme, licence, update cycle, spatial coverage
_DATASETS = [
    ("seo-parking", "transport", "public", "transport", "kogl-1", "monthly", "광주광역시 서구"),
    ("buk-parking", "transport", "public", "transport", "kogl-1", "yearly", "광주광역시 북구"),
    ("seo-population", "ai-policy", "public", "public-admin", "kogl-1", "monthly", "광주광역시 서구"),
    ("dong-population", "ai-policy", "public", "public-admin", "kogl-4", "yearly", "광주광역시 동구"),
    ("ai-staff", "ai-policy", "internal", "public-admin", "kogl-1", "monthly", ""),
    ("ai-budget", "ai-policy", "restricted", "finance", "kogl-1", "yearly", "광주광역시 서구"),
    ("bus-complaints", "transport", "restricted", "transport", "kogl-1", "monthly", "광주광역시 북구"),
    ("kepco-power", "kepco", "restricted", "industry", "kogl-1", "monthly", "광주광역시 서구"),
    ("city-air", "gwangju", "public", "environment", "kogl-2", "daily", "광주광역시"),
]
_FILTERS: list[dict[str, Any]] = [
    {},
    {"theme": "transport"},
    {"district": "서구"},
    {"format": "csv"},
    {"org": "transport"},
    {"licence": "kogl-1", "update_cycle": "monthly"},
    {"district": "서구", "theme": "public-admin", "sort": "title"},
    {"visibility": "restricted"},
    {"sort": "created", "limit": 3, "offset": 2},
    {"sort": "popular", "limit": 4},
    {"sort": "title", "limit": 2, "offset": 5},
    {"theme": "no-such-theme"},
]


@pytest.fixture
def catalogue(services: Services, city: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    made = {}
    for name, owner, visibility, theme, licence, cycle, coverage in _DATASETS:
        made[name] = make_dataset(
            services,
            name=name,
            title=f"{name} 현황",
            owner_org=owner,
            visibility=visibility,
            theme=theme,
            licence=licence,
            update_cycle=cycle,
            spatial_coverage=coverage,
        )
    csv = tmp_path / "rows.csv"
    csv.write_text("행정동,값\n충장동,1\n동명동,2\n", encoding="utf-8")
    for name in ("seo-parking", "ai-budget"):
        job = upload(services, SYSTEM, name, csv, copy_to=tmp_path / name / "rows.csv")
        assert job.state == "succeeded", job.error
    services.catalog.store.count_usage({made["buk-parking"].id: Usage(views=5, downloads=2)})
    actors = dict(city["actors"])
    actors["anonymous"] = ANONYMOUS
    # the partner holds a grant on one restricted dataset of another organisation
    actors["grantee"] = dataclasses.replace(actors["partner"], granted=frozenset({made["ai-budget"].id}))
    return {"datasets": made, "actors": actors}


def _from_tables(services: Services, actor: Actor, flt: DatasetFilter) -> tuple[list[str], int, Any]:
    store: Any = services.catalog.store
    scope = read_scope(actor)
    with store._tx() as s:
        items, total = store._list_from_tables(s, scope, flt)
        facets = store._facets_from_tables(s, scope, flt)
    return [d.name for d in items], total, facets


def _index_answers(services: Services) -> bool:
    """Whether listings are counted from the index now (not from the tables)."""
    store: Any = services.catalog.store
    with store._tx() as s:
        found = search_index.listing(s, read_scope(ANONYMOUS), DatasetFilter(), facets=False, profiles={})
    return found is not None


def test_listings_from_the_index_agree_with_the_tables_for_every_reader(
    services: Services, catalogue: dict[str, Any]
) -> None:
    assert _index_answers(services)
    for who, actor in catalogue["actors"].items():
        for kw in _FILTERS:
            flt = DatasetFilter(**kw)
            page = services.catalog.list_datasets(actor, flt, facets=True)
            expected = _from_tables(services, actor, dataclasses.replace(flt, sort=flt.sort or "updated"))
            assert ([d.name for d in page.items], page.total, page.facets) == expected, (who, kw)


def test_each_reader_sees_and_counts_only_what_they_may_read(
    services: Services, catalogue: dict[str, Any]
) -> None:
    actors = catalogue["actors"]
    public = {"seo-parking", "buk-parking", "seo-population", "dong-population", "city-air"}
    anonymous = services.catalog.list_datasets(ANONYMOUS, DatasetFilter(limit=100), facets=True)
    assert {d.name for d in anonymous.items} == public and anonymous.total == 5
    assert anonymous.facets["theme"] == {"transport": 2, "public-admin": 2, "environment": 1}
    assert anonymous.facets["district"] == {"서구": 2, "북구": 1, "동구": 1}
    assert anonymous.facets["format"] == {"csv": 1}  # ai-budget's CSV is restricted
    assert "finance" not in anonymous.facets["theme"] and "kepco" not in anonymous.facets["org"]

    member = services.catalog.list_datasets(actors["member"], DatasetFilter(limit=100), facets=True)
    assert {d.name for d in member.items} == public | {"ai-staff", "ai-budget"}
    assert member.facets["format"] == {"csv": 2}

    grantee = services.catalog.list_datasets(actors["grantee"], DatasetFilter(limit=100), facets=True)
    # a partner is not city staff: its own restricted dataset and the granted one, no internal ones
    assert {d.name for d in grantee.items} == public | {"kepco-power", "ai-budget"}
    assert grantee.facets["theme"]["finance"] == 1

    seo = services.catalog.list_datasets(ANONYMOUS, DatasetFilter(district="서구", limit=100), facets=True)
    assert sorted(d.name for d in seo.items) == ["seo-parking", "seo-population"]
    # a facet's counts ignore its own filter, never another's
    assert seo.facets["district"] == anonymous.facets["district"]
    assert seo.facets["theme"] == {"transport": 1, "public-admin": 1}

    popular = services.catalog.list_datasets(ANONYMOUS, DatasetFilter(sort="popular", limit=1))
    assert [d.name for d in popular.items] == ["buk-parking"]


def test_a_change_of_visibility_counts_at_once(services: Services, catalogue: dict[str, Any]) -> None:
    before = services.catalog.list_datasets(ANONYMOUS, DatasetFilter(theme="transport"), facets=True)
    assert before.total == 2
    services.catalog.update_dataset(SYSTEM, "buk-parking", {"visibility": "restricted"})
    after = services.catalog.list_datasets(ANONYMOUS, DatasetFilter(theme="transport"), facets=True)
    assert [d.name for d in after.items] == ["seo-parking"] and after.total == 1
    assert after.facets["theme"]["transport"] == 1 and "북구" not in after.facets["district"]


def test_a_dataset_missing_from_the_index_is_still_listed(
    services: Services, catalogue: dict[str, Any]
) -> None:
    store: Any = services.catalog.store
    air = catalogue["datasets"]["city-air"]
    store.remove_from_index([air.id])  # as while the index is rebuilt
    assert not _index_answers(services)
    page = services.catalog.list_datasets(ANONYMOUS, DatasetFilter(limit=100), facets=True)
    assert "city-air" in {d.name for d in page.items} and page.facets["theme"]["environment"] == 1
    assert page.total == 5
    services.catalog.reindex(air.id)
    assert _index_answers(services)
    again = services.catalog.list_datasets(ANONYMOUS, DatasetFilter(limit=100), facets=True)
    assert [d.name for d in again.items] == [d.name for d in page.items] and again.facets == page.facets
