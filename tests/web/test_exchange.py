"""DCAT-AP 3, Frictionless data packages and schema.org from the demo city, as harvesters and people use them.

The demo city is loaded through the services (hubcity.demo.loader): ten datasets, seven public,
two internal, one restricted. Every DCAT-AP document is validated with pyshacl against the
DCAT-AP 3.0.1 shapes in ../shared/data/specs; every data package is checked by the
``frictionless validate`` command against a real server, which fetches and reads the data.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from sqlalchemy import create_engine, text

from hubcity.adapters.db.tables import Base
from hubcity.bootstrap import Services, bootstrap
from hubcity.demo.city import DATASETS, DEMO_PASSWORD
from hubcity.demo.loader import load_demo
from hubcity.domain.accounts import ANONYMOUS, Actor
from hubcity.settings import Settings
from hubcity.web.app import create_app
from tests.exchange_helpers import frictionless_validate, parse_rdf, shacl_failures
from tests.factories import api_token, login
from tests.live import serve

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EXTS = ("ttl", "rdf", "jsonld")
MEDIA = {"ttl": "text/turtle", "rdf": "application/rdf+xml", "jsonld": "application/ld+json"}

VISIBILITY = {d.name: d.visibility for d in DATASETS}
PUBLIC = {n for n, v in VISIBILITY.items() if v == "public"}
INTERNAL = {n for n, v in VISIBILITY.items() if v == "internal"}
RESTRICTED = {n for n, v in VISIBILITY.items() if v == "restricted"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """The demo city, loaded once per module and database (loading takes seconds); tests only read it."""
    tmp = tmp_path_factory.mktemp("exchange")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'meta.sqlite3'}"
    else:
        pg: str | None = request.getfixturevalue("pg_url")
        if pg is None:
            pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
        url = pg
        engine = create_engine(url)
        with engine.begin() as conn:
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
    settings = Settings(
        environment="test",
        data_dir=tmp / "var",
        database_url=url,
        secret_key="test-secret-key-0123456789",  # type: ignore[arg-type]
    )
    services = bootstrap(settings, immediate=True)
    services.migrate()
    load_demo(services)
    yield services
    services.close()


@pytest.fixture
def client(demo: Services) -> Iterator[TestClient]:
    """A fresh client (no cookies) per test, over the shared demo city."""
    with TestClient(create_app(services=demo)) as c:
        yield c


def _bearer(services: Services, username: str) -> dict[str, str]:
    user = services.accounts.find_user(username)
    assert user is not None
    return {"Authorization": f"Bearer {api_token(services, Actor.for_user(user))}"}


def _get_rdf(client: TestClient, url: str, ext: str, headers: dict[str, str] | None = None) -> Graph:
    resp = client.get(url, headers=headers or {})
    assert resp.status_code == 200, (url, resp.text)
    assert resp.headers["content-type"].split(";")[0] == MEDIA[ext]
    return parse_rdf(resp.content, ext)


def _catalogue_pages(
    client: TestClient, ext: str, headers: dict[str, str] | None = None, page_size: int | None = None
) -> Iterator[tuple[str, Graph]]:
    """Every page of the catalogue, following the Hydra next-page links from the first."""
    url: str | None = f"/catalog.{ext}" + (f"?page_size={page_size}" if page_size else "")
    while url:
        graph = _get_rdf(client, url, ext, headers)
        yield url, graph
        paged = graph.value(predicate=RDF.type, object=HYDRA.PagedCollection, any=False)
        nxt = graph.value(paged, HYDRA.nextPage)
        url = str(nxt) if nxt is not None else None


def _catalogue_names(graph: Graph) -> list[str]:
    catalogue = graph.value(predicate=RDF.type, object=DCAT.Catalog, any=False)
    return [str(graph.value(ds, DCT.identifier)) for ds in graph.objects(catalogue, DCAT.dataset)]


def test_every_dcat_document_of_the_demo_city_conforms(client: TestClient, demo: Services) -> None:
    admin = _bearer(demo, "admin")
    checked = 0
    for headers, names in (({}, PUBLIC), (admin, INTERNAL | RESTRICTED)):
        for ext in EXTS:
            for url, graph in _catalogue_pages(client, ext, headers, page_size=4):
                assert shacl_failures(graph) == [], url
                checked += 1
        for name in sorted(names):
            graphs = [_get_rdf(client, f"/datasets/{name}.{ext}", ext, headers) for ext in EXTS]
            for ext, graph in zip(EXTS, graphs, strict=True):
                assert shacl_failures(graph) == [], f"/datasets/{name}.{ext}"
                checked += 1
            # the three serialisations say the same thing
            assert isomorphic(graphs[0], graphs[1]) and isomorphic(graphs[0], graphs[2]), name
    # anonymous: its pages of 4 and each public dataset, in 3 formats; admin: every page and the others
    hidden = len(INTERNAL | RESTRICTED)
    assert checked == 3 * (_pages(len(PUBLIC), 4) + len(PUBLIC) + _pages(len(DATASETS), 4) + hidden)


def test_hidden_datasets_never_reach_anonymous_callers(client: TestClient, demo: Services) -> None:
    hidden = INTERNAL | RESTRICTED
    for ext in EXTS:
        seen = []
        for url, graph in _catalogue_pages(client, ext):
            body = client.get(url).text
            assert not [n for n in hidden if n in body], url
            seen += _catalogue_names(graph)
        assert sorted(seen) == sorted(PUBLIC)
    for name in hidden:
        urls = [f"/datasets/{name}.{ext}" for ext in EXTS]
        urls += [f"/datasets/{name}/datapackage.json", f"/api/v1/datasets/{name}/datapackage"]
        for url in urls:
            resp = client.get(url)
            assert resp.status_code == 404, url
            assert resp.json()["ok"] is False  # the one error shape, also for .ttl and .json URLs
        assert client.get(f"/datasets/{name}").status_code == 404  # no page, so no schema.org either

    # a member of a city department (session cookie) sees internal datasets, not another's restricted one
    login(client, "analyst", DEMO_PASSWORD)
    names = [n for ext in EXTS for _, g in _catalogue_pages(client, ext) for n in _catalogue_names(g)]
    assert sorted(set(names)) == sorted(PUBLIC | INTERNAL) and len(names) == 3 * len(PUBLIC | INTERNAL)
    (restricted,) = RESTRICTED
    assert client.get(f"/datasets/{restricted}.ttl").status_code == 404
    # the owner department's token reaches its restricted dataset
    owner = _bearer(demo, "minwon")
    graph = _get_rdf(client, f"/datasets/{restricted}.ttl", "ttl", owner)
    rights = graph.value(graph.value(predicate=DCT.identifier, object=Literal(restricted)), DCT.accessRights)
    assert rights == URIRef("http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC")
    assert client.get(f"/datasets/{restricted}/datapackage.json", headers=owner).status_code == 200


def _pages(items: int, size: int) -> int:
    return -(-items // size)


def test_catalogue_pages_cover_every_public_dataset_exactly_once(client: TestClient, demo: Services) -> None:
    last = _pages(len(PUBLIC), 3)
    for ext in EXTS:
        seen: list[str] = []
        pages = list(_catalogue_pages(client, ext, page_size=3))
        assert len(pages) == last
        for number, (url, graph) in enumerate(pages, start=1):
            paged = graph.value(predicate=RDF.type, object=HYDRA.PagedCollection, any=False)
            assert int(str(graph.value(paged, HYDRA.totalItems))) == len(PUBLIC)
            assert int(str(graph.value(paged, HYDRA.itemsPerPage))) == 3
            assert str(graph.value(paged, HYDRA.lastPage)).endswith(f"/catalog.{ext}?page={last}&page_size=3")
            assert (graph.value(paged, HYDRA.previousPage) is None) == (number == 1)
            link = client.get(url).headers["link"]
            assert ('rel="next"' in link) == (number < last) and 'rel="last"' in link
            seen += _catalogue_names(graph)
        assert len(seen) == len(set(seen)) == len(PUBLIC)
        assert set(seen) == PUBLIC
    # one page of the default size holds the whole demo; past the last page is a clear 404
    assert sorted(_catalogue_names(_get_rdf(client, "/catalog.ttl", "ttl"))) == sorted(PUBLIC)
    past = client.get(f"/catalog.ttl?page={last + 1}&page_size=3")
    assert past.status_code == 404 and f"page {last + 1}" in past.json()["error_en"]
    assert client.get("/catalog.ttl?page_size=0").status_code == 422


def test_distributions_lead_to_the_data_they_describe(client: TestClient, demo: Services) -> None:
    """What a harvester checks: the links download, the sizes and checksums match, the metadata is ours."""
    graph = _get_rdf(client, "/datasets/public-parking-lots.ttl", "ttl")
    ds = URIRef("http://testserver/datasets/public-parking-lots#dataset")
    assert (ds, DCT.title, Literal("광주광역시 공영주차장 현황", lang="ko")) in graph
    assert (ds, DCT.title, Literal("Public parking lots in Gwangju", lang="en")) in graph
    assert (ds, DCAT.keyword, Literal("공영주차장", lang="ko")) in graph
    assert URIRef("http://publications.europa.eu/resource/authority/data-theme/TRAN") in set(
        graph.objects(ds, DCAT.theme)
    )
    publisher = graph.value(ds, DCT.publisher)
    assert (publisher, FOAF.name, Literal("교통정책과", lang="ko")) in graph
    contact = graph.value(ds, DCAT.contactPoint)
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:transport-policy@example.com")
    period = graph.value(ds, DCT.temporal)
    assert str(graph.value(period, DCAT.startDate)) == "2025-06-30"
    assert str(graph.value(ds, DCAT.landingPage)) == "http://testserver/datasets/public-parking-lots"
    assert client.get(str(graph.value(ds, DCAT.landingPage))).status_code == 200

    dists = list(graph.objects(ds, DCAT.distribution))
    assert len(dists) == 2
    for dist in dists:
        url = str(graph.value(dist, DCAT.downloadURL))
        assert str(graph.value(dist, DCAT.accessURL)) == url
        assert str(graph.value(dist, DCT.license)) == "https://www.kogl.or.kr/info/licenseType1.do"
        resp = client.get(url)
        assert resp.status_code == 200, url
        media = str(graph.value(dist, DCAT.mediaType)).removeprefix(
            "https://www.iana.org/assignments/media-types/"
        )
        if "format=csv" in url:  # the export: UTF-8 with a BOM, the version's columns
            assert media == "text/csv" and resp.headers["content-type"].startswith("text/csv")
            assert resp.content.startswith(b"\xef\xbb\xbf")
            header = next(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
            _, resource, _ = demo.resources.get_version(
                ANONYMOUS, "public-parking-lots", "parking-lots-202506"
            )
            assert resource.current is not None
            assert header == [c["name"] for c in resource.current.columns]
        else:  # the source: an XLSX (a zip), with its true size and SHA-256
            assert media == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            assert resp.content.startswith(b"PK\x03\x04")
            assert str(graph.value(dist, DCT["format"])).endswith("/file-type/XLSX")
            assert int(str(graph.value(dist, DCAT.byteSize))) == len(resp.content)
            checksum = graph.value(dist, SPDX.checksum)
            assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
            assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(resp.content).hexdigest()


def test_catalog_redirects_by_accept_header(client: TestClient) -> None:
    for accept, target in [
        ("text/turtle", "/catalog.ttl"),
        ("application/ld+json, text/turtle;q=0.5", "/catalog.jsonld"),
        ("text/turtle;q=0.2, application/rdf+xml", "/catalog.rdf"),
        ("text/html,*/*;q=0.8", "/datasets"),
    ]:
        resp = client.get("/catalog", headers={"Accept": accept}, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == target, accept


def test_dataset_page_has_schema_org_markup_and_links_to_the_formats(
    client: TestClient, demo: Services
) -> None:
    page = client.get("/datasets/public-parking-lots")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.head is not None
    script = soup.head.find("script", type="application/ld+json")
    assert script is not None and script.string
    data: dict[str, Any] = json.loads(script.string)
    assert data["@context"] == "https://schema.org/" and data["@type"] == "Dataset"
    assert data["name"] == "광주광역시 공영주차장 현황"
    assert data["description"].startswith("광주광역시와 자치구가 운영하는 공영주차장")
    assert "공영주차장" in data["keywords"]
    assert data["license"] == "https://www.kogl.or.kr/info/licenseType1.do"
    assert data["creator"]["name"] == "교통정책과" and data["publisher"]["@id"] == data["creator"]["@id"]
    assert data["temporalCoverage"] == "2025-06-30/2025-06-30"
    assert data["spatialCoverage"]["name"] == "광주광역시"
    assert data["dateModified"].endswith("+00:00")
    formats = {d["encodingFormat"]: d["contentUrl"] for d in data["distribution"]}
    assert set(formats) == {
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    csv_export = client.get(formats["text/csv"])
    assert csv_export.status_code == 200 and csv_export.headers["content-type"].startswith("text/csv")
    source = client.get(formats["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"])
    assert source.status_code == 200 and source.content.startswith(b"PK\x03\x04")

    links = {a.get_text(strip=True): a["href"] for a in soup.select("ul.open-formats a")}
    assert set(links) == {"Turtle", "JSON-LD", "RDF/XML", "Frictionless datapackage.json"}
    for label, href in links.items():
        resp = client.get(str(href))
        assert resp.status_code == 200, label
    alternates = {link["type"] for link in soup.head.find_all("link", rel="alternate")}
    assert {"text/turtle", "application/ld+json", "application/rdf+xml"} <= alternates


def test_data_package_describes_the_csv_export(client: TestClient, demo: Services) -> None:
    package = client.get("/datasets/air-quality-hourly/datapackage.json").json()
    assert client.get("/api/v1/datasets/air-quality-hourly/datapackage").json() == package
    assert package["name"] == "air-quality-hourly" and package["profile"] == "tabular-data-package"
    assert package["licenses"][0]["path"] == "https://www.kogl.or.kr/info/licenseType1.do"
    (resource,) = package["resources"]
    _, res, _ = demo.resources.get_version(ANONYMOUS, "air-quality-hourly", "air-quality-202409")
    assert res.current is not None
    assert resource["path"].endswith(f"download?format=csv&version={res.current.number}")
    fields = resource["schema"]["fields"]
    assert [f["name"] for f in fields] == [c["name"] for c in res.current.columns]
    types = {f["name"]: f["type"] for f in fields}
    assert types["측정소명"] == "string" and types["PM10(㎍/㎥)"] in {"integer", "number"}
    header = client.get(resource["path"]).content.decode("utf-8-sig").splitlines()[0]
    assert header.split(",")[0] == fields[0]["name"]


# -- frictionless validate, against a real server ---------------------------------------------------


@pytest.fixture
def live_demo(demo: Services) -> Iterator[tuple[str, Services]]:
    with serve(demo) as base:
        yield base, demo


def test_frictionless_validate_passes_on_every_data_package(
    live_demo: tuple[str, Services], tmp_path: Path
) -> None:
    base, services = live_demo
    for name in sorted(PUBLIC):
        code, report = frictionless_validate(f"{base}/datasets/{name}/datapackage.json", tmp_path)
        assert code == 0 and report["valid"], (name, report)
        (task,) = report["tasks"]
        _, resources = services.resources.list_resources(ANONYMOUS, name)
        (resource,) = resources
        assert resource.current is not None
        # the data was fetched and read: every row, and the labels without the BOM
        assert task["stats"]["rows"] == resource.current.row_count
        assert task["labels"] == [c["name"] for c in resource.current.columns]

    # internal and restricted packages: a signed-in program, through frictionless's own HTTP session
    from frictionless import system, validate

    session = requests.Session()
    session.headers.update(_bearer(services, "admin"))
    with system.use_context(http_session=session):
        for name in sorted(INTERNAL | RESTRICTED):
            report = validate(f"{base}/datasets/{name}/datapackage.json")
            assert report.valid, (name, report.flatten(["type", "note"]))
    code, report = frictionless_validate(
        f"{base}/datasets/{sorted(RESTRICTED)[0]}/datapackage.json", tmp_path
    )
    assert code != 0  # anonymous: not found

    # the check is real: a schema that misstates a column's type fails on the data
    package = requests.get(f"{base}/datasets/population-by-dong/datapackage.json", timeout=30).json()
    package["resources"][0]["schema"]["fields"][3]["type"] = "integer"  # 행정동명 is text
    (tmp_path / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    code, report = frictionless_validate("datapackage.json", tmp_path)
    assert code != 0 and not report["valid"]
    assert {e["type"] for e in report["tasks"][0]["errors"]} == {"type-error"}
