"""Reading a DCAT catalogue (DCAT-AP 2/3: Turtle, RDF/XML or JSON-LD), following Hydra paging.

Each ``dcat:Dataset`` becomes a RemoteDataset. Distributions that describe the same
file page (``foaf:page``) are alternatives of one resource (hubcity publishes a table
as CSV and as the uploaded file): one is kept, CSV first.

Parsing reads nothing but the fetched document: rdflib's JSON-LD parser would download a
remote ``@context`` (or ``@import``) itself, past the harvest's address guard, so a JSON-LD
catalogue that names one is refused with a clear message before rdflib sees it; the document
reaches rdflib already parsed. Turtle and RDF/XML fetch nothing (``owl:imports`` is a plain
triple, and external XML entities are not loaded).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.parser import PythonInputSource
from rdflib.term import Node

from hubcity.adapters.harvest.http import get
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

__all__ = ["graph_to_remote", "list_dcat", "parse_graph"]

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")

_ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, */*;q=0.1"
_BY_MEDIA = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/n-triples": "nt",
}
_BY_SUFFIX = {".ttl": "turtle", ".rdf": "xml", ".xml": "xml", ".jsonld": "json-ld", ".nt": "nt"}
_MEDIA_FORMATS = {
    "text/csv": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel": "xls",
    "application/json": "json",
    "application/vnd.apache.parquet": "parquet",
}


def _garbage(url: str) -> RemoteError:
    return RemoteError(
        f"원격 주소의 응답을 DCAT 카탈로그(Turtle, RDF/XML, JSON-LD)로 읽을 수 없습니다: {url}",
        f"The remote address did not answer a readable DCAT catalogue (Turtle, RDF/XML, JSON-LD): {url}",
    )


def _remote_contexts(doc: Any) -> list[str]:
    """Every context a JSON-LD document names by address (a string ``@context`` or ``@import``)."""
    found: list[str] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    found += [
                        c for c in (value if isinstance(value, list) else [value]) if isinstance(c, str)
                    ]
                elif key == "@import" and isinstance(value, str):
                    found.append(value)
                stack.append(value)
    return found


def _json_ld(body: bytes, url: str) -> PythonInputSource | None:
    """The JSON-LD document ready for rdflib, None when it is not JSON; RemoteError when it names
    a remote context."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return None
    remote = _remote_contexts(doc)
    if remote:
        context = remote[0][:200]
        raise RemoteError(
            f"JSON-LD 카탈로그가 원격 @context({context})를 참조합니다. 카탈로그를 읽을 때는 다른 "
            "주소를 내려받지 않으니, 컨텍스트를 문서 안에 넣거나 Turtle·RDF/XML로 제공해 달라고 "
            f"요청하세요: {url}",
            f"The JSON-LD catalogue refers to a remote @context ({context}); nothing else is fetched "
            "while a catalogue is read, so ask for the context inside the document, or for Turtle or "
            f"RDF/XML: {url}",
        )
    return PythonInputSource(doc, system_id=url)


def parse_graph(body: bytes, content_type: str, url: str) -> Graph:
    media = content_type.split(";", 1)[0].strip().lower()
    suffix = "." + url.split("?", 1)[0].rsplit(".", 1)[-1].lower() if "." in url.rsplit("/", 1)[-1] else ""
    first = _BY_MEDIA.get(media) or _BY_SUFFIX.get(suffix)
    tried = [first] if first else []
    if not first and body.lstrip()[:1] in (b"{", b"["):
        tried.append("json-ld")
    tried += [f for f in ("turtle", "xml") if f not in tried]
    for fmt in tried:
        g = Graph()
        try:
            if fmt == "json-ld":
                source = _json_ld(body, url)  # never the raw bytes: rdflib would fetch remote contexts
                if source is None:
                    continue
                g.parse(source=source, format=fmt, publicID=url)
            else:
                g.parse(data=body, format=fmt, publicID=url)
        except RemoteError:
            raise
        except Exception:  # noqa: BLE001 - rdflib's parsers raise many kinds; any means "not this format"
            continue
        if (None, RDF.type, DCAT.Catalog) in g or (None, RDF.type, DCAT.Dataset) in g:
            return g
    raise _garbage(url)


def _texts(g: Graph, node: Node, prop: URIRef) -> list[Literal]:
    return [o for o in g.objects(node, prop) if isinstance(o, Literal)]


def _pick(g: Graph, node: Node, prop: URIRef, *, lang: str = "ko") -> str:
    """The value in ``lang``, else one without a language, else any."""
    values = _texts(g, node, prop)
    for want in (lang, None):
        for v in values:
            if v.language == want:
                return str(v)
    if lang == "en":
        return ""
    return str(values[0]) if values else ""


def _iri(value: Node | None) -> str:
    return str(value) if isinstance(value, URIRef) else ""


def _format(g: Graph, dist: Node) -> str:
    fmt = g.value(dist, DCT["format"])
    if fmt is not None:
        tail = str(fmt).rstrip("/").rsplit("/", 1)[-1].lower()
        if tail:
            return tail
    media = str(g.value(dist, DCAT.mediaType) or "")
    media = media.split("media-types/", 1)[-1].lower()
    return _MEDIA_FORMATS.get(media, "")


def _files(g: Graph, ds: Node) -> list[RemoteFile]:
    chosen: dict[str, tuple[int, RemoteFile]] = {}
    for i, dist in enumerate(sorted(g.objects(ds, DCAT.distribution), key=str)):
        url = _iri(g.value(dist, DCAT.downloadURL))
        if not url.startswith(("http://", "https://")):
            continue
        fmt = _format(g, dist)
        name = _pick(g, dist, DCT["title"]) or url.split("?", 1)[0].rsplit("/", 1)[-1] or f"file-{i + 1}"
        page = _iri(g.value(dist, FOAF.page)) or url
        checksum = g.value(dist, SPDX.checksum)
        stamp = (
            (g.value(checksum, SPDX.checksumValue) if checksum is not None else None)
            or g.value(dist, DCT.modified)
            or g.value(dist, DCAT.byteSize)
        )
        remote = RemoteFile(url=url, name=name, format=fmt, fingerprint=f"{url}|{stamp or ''}")
        rank = 0 if fmt == "csv" else 1
        if page not in chosen or rank < chosen[page][0]:
            chosen[page] = (rank, remote)
    return [f for _, f in chosen.values()]


def graph_to_remote(g: Graph, ds: Node) -> RemoteDataset:
    """One ``dcat:Dataset`` node mapped to hubcity's fields."""
    identifier = _pick(g, ds, DCT.identifier) or str(ds)
    landing = _iri(g.value(ds, DCAT.landingPage))
    source_url = landing or (str(ds) if isinstance(ds, URIRef) else "")
    name = identifier if len(identifier) <= 100 else str(ds).rstrip("/").rsplit("/", 1)[-1]
    licences: list[Any] = [g.value(ds, DCT.license)]
    licences += [g.value(d, DCT.license) for d in g.objects(ds, DCAT.distribution)]
    themes: list[Any] = []
    for concept in g.objects(ds, DCAT.theme):
        themes.extend([g.value(concept, SKOS.notation), concept])
    spatial = g.value(ds, DCT.spatial)
    temporal = g.value(ds, DCT.temporal)
    contact = g.value(ds, DCAT.contactPoint)
    email = _iri(g.value(contact, VCARD.hasEmail)) if contact is not None else ""
    fields: dict[str, Any] = {
        "title": text_of(_pick(g, ds, DCT["title"]) or name, 300),
        "title_en": text_of(_pick(g, ds, DCT["title"], lang="en"), 300),
        "description": text_of(_pick(g, ds, DCT.description), 20_000),
        "keywords": clean_keywords([str(k) for k in _texts(g, ds, DCAT.keyword)]),
        "licence": licence_of(*[v for v in licences if v is not None]),
        "theme": theme_of(*[t for t in themes if t is not None]),
        "update_cycle": cycle_of(g.value(ds, DCT.accrualPeriodicity)),
        "spatial_coverage": text_of(
            (_pick(g, spatial, LOCN.geographicName) or _pick(g, spatial, SKOS.prefLabel))
            if spatial is not None
            else "",
            300,
        ),
        "temporal_start": date_of(g.value(temporal, DCAT.startDate)) if temporal is not None else None,
        "temporal_end": date_of(g.value(temporal, DCAT.endDate)) if temporal is not None else None,
        "contact_name": text_of(_pick(g, contact, VCARD.fn) if contact is not None else "", 200),
        "contact_email": text_of(email.removeprefix("mailto:"), 320),
    }
    start, end = fields["temporal_start"], fields["temporal_end"]
    if start and end and start > end:
        fields["temporal_start"], fields["temporal_end"] = end, start
    return RemoteDataset(
        identifier=identifier,
        name=name,
        source_url=source_url,
        modified=str(g.value(ds, DCT.modified) or ""),
        fields=fields,
        files=_files(g, ds),
    )


def list_dcat(
    client: httpx.Client, url: str, *, limit: int = 100_000, max_pages: int = 10_000
) -> list[RemoteDataset]:
    """Every dataset of the catalogue at ``url``, following ``hydra:nextPage`` links."""
    out: dict[str, RemoteDataset] = {}
    seen: set[str] = set()
    next_url: str | None = url
    while next_url and next_url not in seen and len(seen) < max_pages and len(out) < limit:
        seen.add(next_url)
        resp = get(client, next_url, accept=_ACCEPT)
        g = parse_graph(resp.content, resp.headers.get("content-type", ""), str(resp.url))
        for ds in sorted(set(g.subjects(RDF.type, DCAT.Dataset)), key=str):
            remote = graph_to_remote(g, ds)
            out.setdefault(remote.identifier, remote)
        following = [o for o in g.objects(None, HYDRA.nextPage) if isinstance(o, URIRef | Literal)]
        next_url = str(following[0]) if following else None
    return list(out.values())[:limit]
