"""The exchange documents built from plain domain objects: vocabularies, DCAT-AP edge cases, shapes.

No database here: the web tests (tests/web/test_exchange.py) build the same
documents from the demo city through the services.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime

import pytest
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import XSD

from hubcity.adapters.exchange import DatasetEntry, Links, data_package, dataset_graph, serialize
from hubcity.adapters.exchange.dcat import JSONLD_CONTEXT
from hubcity.adapters.exchange.vocab import EU_THEMES, FREQUENCIES, LICENCE_DOCS, THEME_TO_EU
from hubcity.domain.accounts import Org, OrgKind
from hubcity.domain.datasets import LICENCES, THEMES, UPDATE_CYCLES, Dataset, Resource, Version, Visibility
from tests.exchange_helpers import main_and_range_shapes, main_shapes, parse_rdf, shacl_failures, spec_file

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LINKS = Links.of("https://data.gwangju.example/")
WHEN = datetime(2025, 1, 2, 3, 4, 5)  # naive, as SQLite gives it back
ORG = Org(
    id=7, slug="ai-policy", title="인공지능정책과", title_en="AI Policy Division", kind=OrgKind.DEPARTMENT
)


def _dataset(**changes: object) -> Dataset:
    base = Dataset(
        id=1,
        name="population",
        title="행정동별 인구",
        title_en="Population by dong",
        description="광주광역시 행정동별 주민등록 인구",
        owner_org_id=ORG.id,
        owner_org_slug=ORG.slug,
        owner_org_title=ORG.title,
        visibility=Visibility.PUBLIC,
        keywords=["인구", "행정동"],
        theme="food-health",
        licence="kogl-1",
        update_cycle="half-yearly",
        contact_name="김데이터",
        contact_email="data@example.com",
        contact_phone="062-613-2931",
        temporal_start=date(2024, 1, 1),
        temporal_end=date(2024, 12, 31),
        spatial_coverage="광주광역시",
        created_at=WHEN,
        updated_at=WHEN,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _version(number: int = 1, *, table: bool = True, filename: str = "인구.csv") -> Version:
    return Version(
        id=number,
        resource_id=1,
        number=number,
        created_at=WHEN,
        created_by="kim",
        filename=filename,
        format="csv" if table else filename.rpartition(".")[2],
        row_count=3 if table else 0,
        column_count=3 if table else 0,
        size_bytes=123,
        parquet_key="datasets/1/people/data.parquet" if table else None,
        source_key="datasets/1/people/source.csv",
        checksum="AB" * 32,
        source_encoding="cp949" if table else None,
        columns=[
            {"name": "행정동", "original_name": " 행정동 ", "type": "text"},
            {"name": "인구수", "original_name": "인구수", "type": "integer"},
            {"name": "기준일", "original_name": "기준일", "type": "date"},
        ]
        if table
        else [],
    )


def _resource(name: str, version: Version | None) -> Resource:
    return Resource(
        id=1, dataset_id=1, name=name, title=name, created_at=WHEN, updated_at=WHEN, current=version
    )


def test_every_theme_cycle_and_licence_has_its_standard_term() -> None:
    assert set(THEME_TO_EU) == set(THEMES)
    assert all(code in EU_THEMES for codes in THEME_TO_EU.values() for code in codes)
    assert set(FREQUENCIES) == set(UPDATE_CYCLES)
    assert set(LICENCE_DOCS) == set(LICENCES) - {"other"}


def test_the_jsonld_context_uses_the_dcat_ap_3_terms() -> None:
    """Every term we write means in our context what it means in DCAT-AP 3.0.1's own context."""
    official: dict[str, str] = {}

    def walk(ctx: dict[str, object]) -> None:
        for term, value in ctx.items():
            if term.startswith("@"):
                continue
            if isinstance(value, str):
                official[term] = value
            elif isinstance(value, dict):
                official[term] = str(value["@id"])
                if isinstance(value.get("@context"), dict):
                    walk(value["@context"])

    walk(json.loads(spec_file("dcat-ap-3.0.1-context.jsonld").read_text())["@context"])
    ours = {
        term: value if isinstance(value, str) else value["@id"]
        for term, value in JSONLD_CONTEXT.items()
        if not str(value).endswith(("#", "/"))  # prefixes
    }
    assert ours, "no terms"
    assert {t: official.get(t) for t in ours} == ours


def test_a_full_dataset_conforms_and_says_what_we_know() -> None:
    entry = DatasetEntry(
        _dataset(),
        [_resource("people", _version()), _resource("guide", _version(2, table=False, filename="안내.pdf"))],
        ORG,
    )
    graph = dataset_graph(entry, LINKS)
    assert shacl_failures(graph) == []
    ds = URIRef("https://data.gwangju.example/datasets/population#dataset")
    assert (ds, DCT.title, Literal("행정동별 인구", lang="ko")) in graph
    assert (ds, DCT.title, Literal("Population by dong", lang="en")) in graph
    themes = set(graph.objects(ds, DCAT.theme))
    eu = "http://publications.europa.eu/resource/authority/data-theme/"
    assert {URIRef(eu + "AGRI"), URIRef(eu + "HEAL")} <= themes  # 식품건강 is food and health
    assert URIRef("https://data.gwangju.example/themes/food-health") in themes
    freq = graph.value(ds, DCT.accrualPeriodicity)
    assert freq == URIRef("http://publications.europa.eu/resource/authority/frequency/BIANNUAL")
    contact = graph.value(ds, DCAT.contactPoint)
    assert graph.value(contact, VCARD.hasTelephone) == URIRef("tel:+82-62-613-2931")
    issued = graph.value(ds, DCT.issued)
    assert isinstance(issued, Literal) and str(issued) == "2025-01-02T03:04:05+00:00"
    # a table gives a CSV export and its source; a plain file only its source
    dists = {str(d).rsplit("#", 1)[1] for d in graph.objects(ds, DCAT.distribution)}
    assert dists == {"csv-people", "source-people", "source-guide"}
    guide = URIRef("https://data.gwangju.example/datasets/population#source-guide")
    pdf = URIRef("http://publications.europa.eu/resource/authority/file-type/PDF")
    assert graph.value(guide, DCT["format"]) == pdf
    assert graph.value(guide, DCAT.byteSize) == Literal("123", datatype=XSD.nonNegativeInteger)


def test_a_bare_dataset_still_conforms() -> None:
    """No description, contact, theme, licence, coverage or files: the mandatory properties are there."""
    bare = _dataset(
        description="",
        keywords=[],
        theme=None,
        licence="other",
        update_cycle=None,
        contact_name="",
        contact_email="",
        contact_phone="",
        temporal_start=None,
        temporal_end=None,
        spatial_coverage="",
        visibility=Visibility.RESTRICTED,
    )
    for entry in (DatasetEntry(bare, [], None), DatasetEntry(bare, [_resource("empty", None)], ORG)):
        graph = dataset_graph(entry, LINKS)
        assert shacl_failures(graph) == []
        for ext in ("ttl", "rdf", "jsonld"):
            assert len(parse_rdf(serialize(graph, ext), ext)) == len(graph)


def test_the_shapes_catch_what_dcat_ap_forbids() -> None:
    """The validation is not vacuous: a dataset without a description and a distribution without an
    access URL fail every set of shapes, and the upstream dangling references were really there."""
    assert main_shapes()[1] == 2 and main_and_range_shapes()[1] == 5
    graph = dataset_graph(DatasetEntry(_dataset(), [_resource("people", _version())], ORG), LINKS)
    ds = URIRef("https://data.gwangju.example/datasets/population#dataset")
    graph.remove((ds, DCT.description, None))
    failures = shacl_failures(graph)
    assert len(failures) == 3 and all("description" in f for f in failures)
    graph = dataset_graph(DatasetEntry(_dataset(), [_resource("people", _version())], ORG), LINKS)
    graph.remove((None, DCAT.accessURL, None))
    assert len(shacl_failures(graph)) == 3


@pytest.mark.parametrize("column_type", ["integer", "decimal", "text", "date", "timestamp", "boolean"])
def test_table_schema_types(column_type: str) -> None:
    version = replace(_version(), columns=[{"name": "값", "original_name": "값", "type": column_type}])
    package = data_package(DatasetEntry(_dataset(), [_resource("people", version)], ORG), LINKS)
    (field,) = package["resources"][0]["schema"]["fields"]
    expected = {"integer": "integer", "decimal": "number", "text": "string", "date": "date",
                "timestamp": "datetime", "boolean": "boolean"}  # fmt: skip
    assert field == {"name": "값", "type": expected[column_type]}
