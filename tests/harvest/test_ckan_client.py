"""The CKAN client against a mocked remote (httpx MockTransport): the quirks of a real CKAN 2.x.

A real CKAN cannot run here, so its answers are replayed: UUID ids, ``rows`` capped by
``ckan.search.rows_max``, extras as a key/value list (or top-level fields with
ckanext-scheming), tags as dicts, groups for themes, private and deleted packages,
``success: false`` envelopes, and pages that shift while they are read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from hubcity.adapters.harvest import HttpHarvestTransport
from hubcity.errors import RemoteError

SITE = "https://data.example.go.kr"
ROWS_MAX = 2  # this CKAN answers at most two rows, whatever is asked


def _pkg(n: int, **extra: Any) -> dict[str, Any]:
    pkg: dict[str, Any] = {
        "id": f"9b1c0f3e-0000-4000-8000-00000000000{n}",
        "name": f"dataset-{n}",
        "title": f"데이터셋 {n}",
        "notes": f"설명 {n}",
        "state": "active",
        "private": False,
        "license_id": "cc-by",
        "license_title": "Creative Commons Attribution",
        "metadata_modified": f"2025-01-0{n}T10:00:00.123456",
        "tags": [{"name": "교통", "display_name": "교통", "id": "t1"}, {"name": "버스"}],
        "groups": [],
        "extras": [],
        "organization": {"name": "gwangju-bus", "title": "광주 버스운송사업조합"},
        "resources": [
            {
                "id": f"r{n}",
                "name": "노선 목록",
                "url": f"{SITE}/dataset/dataset-{n}/resource/r{n}/download/routes.csv",
                "format": "CSV",
                "last_modified": "2025-01-01T00:00:00",
                "size": 1234,
            },
            {"id": f"api{n}", "name": "API", "url": "", "format": "API"},  # nothing to download
        ],
    }
    pkg.update(extra)
    return pkg


CATALOGUE = [
    _pkg(
        1,
        license_id="KOGL-Type2",
        license_title="공공누리 제2유형",
        groups=[{"name": "traffic", "title": "교통물류"}],
        extras=[
            {"key": "title_en", "value": "Bus routes"},
            {
                "key": "frequency",
                "value": "http://publications.europa.eu/resource/authority/frequency/MONTHLY",
            },
            {"key": "temporal_start", "value": "2024-12-31"},
            {"key": "temporal_end", "value": "2024-01-01"},  # swapped upstream
        ],
    ),
    _pkg(2, private=True),  # visible only with a key: never harvested
    _pkg(3, theme="environment", spatial_coverage="광주광역시 북구"),  # ckanext-scheming: top-level fields
    _pkg(4, state="deleted"),
    _pkg(5, license_id="odc-odbl", maintainer="김담당", maintainer_email="bus@example.go.kr"),
]


class FakeCkan:
    """package_search as CKAN 2.10 answers it (sorted by name, capped at ROWS_MAX)."""

    def __init__(self, packages: list[dict[str, Any]]) -> None:
        self.packages = packages
        self.calls: list[dict[str, str]] = []
        self.shift_after_first_page = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/api/3/action/package_search":
            return httpx.Response(404, text="<html>Not found</html>", headers={"content-type": "text/html"})
        params = dict(request.url.params)
        self.calls.append(params)
        start, rows = int(params.get("start", 0)), min(int(params.get("rows", 10)), ROWS_MAX)
        listed = [p for p in self.packages if p["state"] == "active" or params.get("include_deleted")]
        if self.shift_after_first_page and start > 0:
            listed = [_pkg(0), *listed]  # a new dataset sorts first: everything moves down one place
        body = {
            "help": f"{SITE}/api/3/action/help_show?name=package_search",
            "success": True,
            "result": {"count": len(listed), "results": listed[start : start + rows], "facets": {}},
        }
        return httpx.Response(200, json=body)


def _transport(handler: Any) -> HttpHarvestTransport:
    return HttpHarvestTransport(transport=httpx.MockTransport(handler), page_size=100)


def _list(handler: Any, url: str = SITE, **kw: Any) -> list[Any]:
    args = {"filter_org": "", "filter_q": "", "limit": 1000, **kw}
    return _transport(handler).list_datasets("ckan", url, **args)


def test_pages_through_a_capped_package_search_and_keeps_only_public_active_datasets() -> None:
    fake = FakeCkan(CATALOGUE)
    found = _list(fake)
    assert [d.name for d in found] == ["dataset-1", "dataset-3", "dataset-5"]
    # the server gave two rows per page although 100 were asked: start moves by what came back
    assert [c["start"] for c in fake.calls] == ["0", "2"]
    assert all(c["rows"] == "100" for c in fake.calls)


def test_maps_real_ckan_fields_and_extras() -> None:
    by_name = {d.name: d for d in _list(FakeCkan(CATALOGUE))}
    one = by_name["dataset-1"]
    assert one.identifier == "9b1c0f3e-0000-4000-8000-000000000001"
    assert one.source_url == f"{SITE}/dataset/dataset-1"
    assert one.modified == "2025-01-01T10:00:00.123456"
    f = one.fields
    assert f["title"] == "데이터셋 1" and f["title_en"] == "Bus routes" and f["description"] == "설명 1"
    assert f["keywords"] == ["교통", "버스"]
    assert f["licence"] == "kogl-2"  # from the Korean licence title
    assert f["theme"] == "transport"  # from the group's Korean title
    assert f["update_cycle"] == "monthly"  # from an EU frequency IRI in the extras
    assert (str(f["temporal_start"]), str(f["temporal_end"])) == ("2024-01-01", "2024-12-31")
    assert f["contact_name"] == "광주 버스운송사업조합"  # no maintainer: the organisation
    assert [(r.name, r.format) for r in one.files] == [("노선 목록", "csv")]
    three = by_name["dataset-3"].fields
    assert three["theme"] == "environment" and three["spatial_coverage"] == "광주광역시 북구"
    assert three["licence"] == "cc-by-4.0"
    five = by_name["dataset-5"].fields
    assert five["licence"] == "other"  # a licence we have no code for
    assert (five["contact_name"], five["contact_email"]) == ("김담당", "bus@example.go.kr")


def test_a_dataset_that_moves_between_pages_is_taken_once() -> None:
    fake = FakeCkan(CATALOGUE)
    fake.shift_after_first_page = True
    names = [d.name for d in _list(fake)]
    assert len(names) == len(set(names))
    assert {"dataset-1", "dataset-3", "dataset-5"} <= set(names)


def test_filters_become_q_and_fq() -> None:
    fake = FakeCkan(CATALOGUE)
    _list(fake, f"{SITE}/api/3/action", filter_org="gwangju-bus", filter_q="버스")
    assert fake.calls[0]["q"] == "버스"
    assert fake.calls[0]["fq"] == 'organization:"gwangju-bus"'


@pytest.mark.parametrize(
    ("answer", "ko", "en"),
    [
        (httpx.Response(200, text="<html>portal</html>"), "JSON이 아닙니다", "did not answer JSON"),
        (httpx.Response(200, json={"hello": 1}), "CKAN API 형식이 아닙니다", "like a CKAN API"),
        (
            httpx.Response(
                200, json={"success": False, "error": {"__type": "Search Error", "message": "bad fq"}}
            ),
            "오류로 응답했습니다: bad fq",
            "answered an error: bad fq",
        ),
        (httpx.Response(503, text="maintenance"), "HTTP 503", "HTTP 503"),
    ],
)
def test_a_broken_remote_is_a_clear_error(answer: httpx.Response, ko: str, en: str) -> None:
    with pytest.raises(RemoteError) as caught:
        _list(lambda request: answer)
    assert ko in caught.value.message and en in caught.value.message_en


def test_refused_connections_are_clear() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(RemoteError) as caught:
        _list(refuse)
    assert "연결할 수 없습니다" in caught.value.message
    assert "Could not connect" in caught.value.message_en


def test_downloads_stop_at_the_size_limit(tmp_path: Path) -> None:
    body = b"a,b\n" + b"1,2\n" * 1000

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "text/csv"})

    transport = _transport(serve)
    ok = tmp_path / "ok.csv"
    transport.download(f"{SITE}/f.csv", ok, max_bytes=len(body))
    assert ok.read_bytes() == body
    big = tmp_path / "big.csv"
    with pytest.raises(RemoteError) as caught:
        transport.download(f"{SITE}/f.csv", big, max_bytes=100)
    assert "한도" in caught.value.message and "limit" in caught.value.message_en
    assert not big.exists()


def test_garbage_json_pages_do_not_loop() -> None:
    calls = []

    def endless(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        # a broken portal: says there are many, returns none
        return httpx.Response(
            200, content=json.dumps({"success": True, "result": {"count": 99, "results": []}})
        )

    assert _list(endless) == []
    assert len(calls) == 1
