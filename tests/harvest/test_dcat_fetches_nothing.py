"""Reading a DCAT catalogue fetches nothing but the catalogue.

rdflib's JSON-LD parser downloads a remote ``@context`` by itself (with urllib, past the
harvest's address guard): a catalogue that names one is refused with a clear message, and
rdflib never sees a context by address. Turtle's ``owl:imports`` and RDF/XML's external
entities and DTDs are not fetched either. The test site counts every request it gets.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from rdflib import Graph

from hubcity.adapters.harvest.dcat import DCAT, RDF, parse_graph
from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM
from hubcity.errors import RemoteError
from tests.harvest.conftest import Site

CONTEXT = {
    "@context": {
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "title": {"@id": "dct:title", "@language": "ko"},
        "identifier": "dct:identifier",
    }
}


@pytest.fixture
def allow_private() -> bool:
    """The default policy: no internal addresses (a test parametrizes ``networks`` for the site)."""
    return False


@pytest.fixture
def context_site(site: Site, monkeypatch: pytest.MonkeyPatch) -> Site:
    """The site serves a JSON-LD context and an ontology, and is reached without a proxy."""
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    site.routes["/context.jsonld"] = (
        200,
        {"Content-Type": "application/ld+json"},
        json.dumps(CONTEXT).encode(),
    )
    site.routes["/onto.ttl"] = (200, {"Content-Type": "text/turtle"}, b"<urn:a> <urn:b> <urn:c> .")
    site.routes["/entity.txt"] = (200, {"Content-Type": "text/plain"}, b"secret")
    site.routes["/rdf.dtd"] = (200, {"Content-Type": "application/xml-dtd"}, b'<!ENTITY x "secret">')
    return site


def _catalogue(context: Any) -> bytes:
    doc = {
        "@context": context,
        "@id": "https://portal.example.org/catalog",
        "@type": "dcat:Catalog",
        "dcat:dataset": [
            {
                "@id": "https://portal.example.org/ds/1",
                "@type": "dcat:Dataset",
                "identifier": "one",
                "title": "주차장 현황",
            }
        ],
    }
    return json.dumps(doc, ensure_ascii=False).encode()


def test_rdflib_alone_would_fetch_a_remote_context(context_site: Site) -> None:
    """Why the guard is needed, and proof that the site sees such a fetch."""
    g = Graph()
    g.parse(data=_catalogue(f"{context_site.base}/context.jsonld"), format="json-ld")
    assert context_site.paths() == ["/context.jsonld"]
    assert (None, RDF.type, DCAT.Dataset) in g


def test_an_inline_context_is_read(context_site: Site) -> None:
    g = parse_graph(_catalogue(CONTEXT["@context"]), "application/ld+json", "https://portal.example.org/c")
    assert (None, RDF.type, DCAT.Dataset) in g
    assert context_site.hits == []


@pytest.mark.parametrize(
    "context",
    [
        "{base}/context.jsonld",
        ["{base}/context.jsonld", {"x": "urn:x"}],
        {"@import": "{base}/context.jsonld", "dcat": "http://www.w3.org/ns/dcat#"},
        {**CONTEXT["@context"], "title": {"@id": "dct:title", "@context": "{base}/context.jsonld"}},
        "context.jsonld",  # relative to the catalogue's own address
    ],
    ids=["string", "list", "import", "scoped", "relative"],
)
@pytest.mark.parametrize("content_type", ["application/ld+json", "application/json", ""])
def test_a_remote_context_is_refused_not_fetched(context_site: Site, context: Any, content_type: str) -> None:
    text = json.dumps(context).replace("{base}", context_site.base)
    body = _catalogue(json.loads(text))
    with pytest.raises(RemoteError) as caught:
        parse_graph(body, content_type, f"{context_site.base}/catalog.jsonld")
    assert "원격 @context" in caught.value.message and "remote @context" in caught.value.message_en
    assert context_site.hits == []


def test_a_remote_context_in_a_nested_node_is_refused(context_site: Site) -> None:
    doc = json.loads(_catalogue(CONTEXT["@context"]))
    doc["dcat:dataset"][0]["@context"] = f"{context_site.base}/context.jsonld"
    with pytest.raises(RemoteError, match="원격 @context"):
        parse_graph(json.dumps(doc).encode(), "application/ld+json", "https://portal.example.org/c")
    assert context_site.hits == []


def test_owl_imports_is_a_triple_not_a_fetch(context_site: Site) -> None:
    body = f"""
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
<https://portal.example.org/catalog> a dcat:Catalog, owl:Ontology ;
  owl:imports <{context_site.base}/onto.ttl> .
<https://portal.example.org/ds/1> a dcat:Dataset ; dct:identifier "one" .
"""
    g = parse_graph(body.encode(), "text/turtle", "https://portal.example.org/catalog.ttl")
    assert (None, RDF.type, DCAT.Dataset) in g
    assert context_site.hits == []


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE rdf:RDF [ <!ENTITY ext SYSTEM "{base}/entity.txt"> ]>',
        '<!DOCTYPE rdf:RDF SYSTEM "{base}/rdf.dtd">',
        '<!DOCTYPE rdf:RDF [ <!ENTITY % dtd SYSTEM "{base}/rdf.dtd"> %dtd; ]>',
    ],
    ids=["external-entity", "external-dtd", "parameter-entity"],
)
def test_rdf_xml_loads_no_external_entity_or_dtd(context_site: Site, doctype: str) -> None:
    body = f"""<?xml version="1.0"?>
{doctype.format(base=context_site.base)}
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dcat="http://www.w3.org/ns/dcat#" xmlns:dct="http://purl.org/dc/terms/">
  <dcat:Dataset rdf:about="https://portal.example.org/ds/1"><dct:identifier>one</dct:identifier></dcat:Dataset>
</rdf:RDF>"""
    if "ENTITY ext" in doctype:
        body = body.replace("<dct:identifier>one", "<dct:identifier>one&ext;")
    try:
        parse_graph(body.encode(), "application/rdf+xml", "https://portal.example.org/catalog.rdf")
    except RemoteError:
        pass  # unreadable is fine; fetching is not
    assert context_site.hits == []


@pytest.mark.parametrize("networks", [["127.0.0.1/32"]])
def test_a_run_over_a_catalogue_with_a_remote_context_fails_clearly(
    services: Services, local: dict[str, Any], context_site: Site
) -> None:
    body = _catalogue(f"{context_site.base}/context.jsonld")
    context_site.routes["/catalog.jsonld"] = (200, {"Content-Type": "application/ld+json"}, body)
    services.harvest.create_source(
        SYSTEM,
        {"name": "ld", "kind": "dcat", "url": f"{context_site.base}/catalog.jsonld", "org": "transport"},
    )
    queued = services.harvest.run_source(SYSTEM, "ld")
    run = services.harvest.get_run(SYSTEM, "ld", queued.id)
    assert run.state == "failed"
    assert "원격 @context" in run.message and "remote @context" in run.message_en
    assert context_site.paths() == ["/catalog.jsonld"]
