"""DCAT-AP 3.0.1 documents of the catalogue and of each dataset, built with rdflib.

The graphs type every node the DCAT-AP shapes constrain (agents, licence
documents, media types, themes, …) so that they conform without inference. The
catalogue is paged with the Hydra ``PagedCollection`` terms that the European
data portal and CKAN's DCAT harvester read. JSON-LD is written in the compact
form of the DCAT-AP 3.0.1 JSON-LD context (its term names), inline so that a
reader needs no network.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from hubcity.adapters.exchange.model import CatalogueInfo, DatasetEntry, Links, PageInfo, iso_time
from hubcity.adapters.exchange.vocab import (
    ACCESS_RIGHTS,
    EU_AUTHORITY,
    EU_THEMES,
    FREQUENCIES,
    IANA_MEDIA_TYPES,
    LANGUAGES,
    LICENCE_DOCS,
    PUBLISHER_TYPES,
    THEME_TO_EU,
    file_type,
)
from hubcity.domain.accounts import Org
from hubcity.domain.datasets import LICENCES, THEMES, Resource, Version

__all__ = [
    "JSONLD_CONTEXT",
    "RDF_FORMATS",
    "catalogue_graph",
    "dataset_graph",
    "serialize",
]

ADMS = Namespace("http://www.w3.org/ns/adms#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

_PREFIXES = {
    "adms": ADMS,
    "dcat": DCAT,
    "dcatap": DCATAP,
    "dct": DCT,
    "foaf": FOAF,
    "hydra": HYDRA,
    "locn": LOCN,
    "rdfs": RDFS,
    "skos": SKOS,
    "spdx": SPDX,
    "vcard": VCARD,
    "xsd": XSD,
}

# format key -> (rdflib format, media type of the response)
RDF_FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "rdf": ("xml", "application/rdf+xml; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json"),
}

_EU_THEME_SCHEME = URIRef(EU_AUTHORITY + "data-theme")
# a version never changes, and its download URL names the version
_STABLE = URIRef(EU_AUTHORITY + "planned-availability/STABLE")
_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
_RFC4180 = URIRef("https://www.rfc-editor.org/rfc/rfc4180")
_SHA256 = SPDX.checksumAlgorithm_sha256


def _id(iri: str) -> dict[str, str]:
    return {"@id": iri, "@type": "@id"}


# The DCAT-AP 3.0.1 context's terms (same names, same IRIs), flattened: that context
# scopes them per class, which gives the same terms here since none of them clash.
JSONLD_CONTEXT: dict[str, Any] = {
    **{prefix: str(ns) for prefix, ns in _PREFIXES.items()},
    # classes
    "Agent": str(FOAF.Agent),
    "Catalogue": str(DCAT.Catalog),
    "Checksum": str(SPDX.Checksum),
    "ChecksumAlgorithm": str(SPDX.ChecksumAlgorithm),
    "Concept": str(SKOS.Concept),
    "ConceptScheme": str(SKOS.ConceptScheme),
    "Dataset": str(DCAT.Dataset),
    "Distribution": str(DCAT.Distribution),
    "Document": str(FOAF.Document),
    "Frequency": str(DCT.Frequency),
    "Kind": str(VCARD.Kind),
    "LicenceDocument": str(DCT.LicenseDocument),
    "LinguisticSystem": str(DCT.LinguisticSystem),
    "Location": str(DCT.Location),
    "MediaType": str(DCT.MediaType),
    "MediaTypeOrExtent": str(DCT.MediaTypeOrExtent),
    "PeriodOfTime": str(DCT.PeriodOfTime),
    "RightsStatement": str(DCT.RightsStatement),
    "Standard": str(DCT.Standard),
    # properties
    "accessRights": _id(str(DCT.accessRights)),
    "accessUrl": _id(str(DCAT.accessURL)),
    "algorithm": _id(str(SPDX.algorithm)),
    "availability": _id(str(DCATAP.availability)),
    "byteSize": {"@id": str(DCAT.byteSize), "@type": str(XSD.nonNegativeInteger)},
    "checksum": _id(str(SPDX.checksum)),
    "checksumValue": {"@id": str(SPDX.checksumValue), "@type": str(XSD.hexBinary)},
    "conformsTo": _id(str(DCT.conformsTo)),
    "contactPoint": _id(str(DCAT.contactPoint)),
    "dataset": _id(str(DCAT.dataset)),
    "datasetDistribution": _id(str(DCAT.distribution)),
    "description": {"@id": str(DCT.description)},
    "documentation": _id(str(FOAF.page)),
    "downloadUrl": _id(str(DCAT.downloadURL)),
    "endDate": {"@id": str(DCAT.endDate)},
    "format": _id(str(DCT["format"])),
    "frequency": _id(str(DCT.accrualPeriodicity)),
    "geographicalCoverage": _id(str(DCT.spatial)),
    "homepage": _id(str(FOAF.homepage)),
    "identifier": {"@id": str(DCT.identifier)},
    "keyword": {"@id": str(DCAT.keyword)},
    "landingPage": _id(str(DCAT.landingPage)),
    "language": _id(str(DCT.language)),
    "licence": _id(str(DCT.license)),
    "mediaType": _id(str(DCAT.mediaType)),
    "modificationDate": {"@id": str(DCT.modified)},
    "name": {"@id": str(FOAF.name)},
    "notation": {"@id": str(SKOS.notation)},
    "preferredLabel": {"@id": str(SKOS.prefLabel)},
    "publisher": _id(str(DCT.publisher)),
    "releaseDate": {"@id": str(DCT.issued)},
    "startDate": {"@id": str(DCAT.startDate)},
    "temporalCoverage": _id(str(DCT.temporal)),
    "theme": _id(str(DCAT.theme)),
    "themes": _id(str(DCAT.themeTaxonomy)),
    "title": {"@id": str(DCT["title"])},
    "type": _id(str(DCT.type)),
}


def _graph() -> Graph:
    g = Graph()
    for prefix, ns in _PREFIXES.items():
        g.bind(prefix, ns)
    return g


def _typed(g: Graph, iri: str | URIRef, *classes: URIRef) -> URIRef:
    node = URIRef(iri)
    for cls in classes:
        g.add((node, RDF.type, cls))
    return node


def _when(value: datetime | date) -> Literal:
    if isinstance(value, datetime):
        return Literal(iso_time(value), datatype=XSD.dateTime)
    return Literal(value.isoformat(), datatype=XSD.date)


def _agent(g: Graph, org: Org, links: Links) -> URIRef:
    node = _typed(g, links.org(org.slug), FOAF.Agent, FOAF.Organization)
    g.add((node, FOAF.name, Literal(org.title, lang="ko")))
    if org.title_en:
        g.add((node, FOAF.name, Literal(org.title_en, lang="en")))
    if org.kind in PUBLISHER_TYPES:
        code, label = PUBLISHER_TYPES[org.kind]
        concept = _typed(g, _PUBLISHER_TYPE + code, SKOS.Concept)
        g.set((concept, SKOS.prefLabel, Literal(label, lang="en")))
        g.add((node, DCT.type, concept))
    return node


def _themes(g: Graph, subject: URIRef, theme: str, links: Links) -> None:
    ko, en = THEMES[theme]
    ours = _typed(g, links.theme(theme), SKOS.Concept)
    g.add((ours, SKOS.prefLabel, Literal(ko, lang="ko")))
    g.add((ours, SKOS.prefLabel, Literal(en, lang="en")))
    g.add((ours, SKOS.notation, Literal(theme)))
    g.add((ours, SKOS.inScheme, _theme_scheme(g, links)))
    g.add((subject, DCAT.theme, ours))
    for code in THEME_TO_EU[theme]:
        eu = _typed(g, f"{EU_AUTHORITY}data-theme/{code}", SKOS.Concept)
        g.add((eu, SKOS.prefLabel, Literal(EU_THEMES[code], lang="en")))
        g.add((eu, SKOS.inScheme, _eu_theme_scheme(g)))
        g.add((ours, SKOS.closeMatch, eu))
        g.add((subject, DCAT.theme, eu))


def _theme_scheme(g: Graph, links: Links) -> URIRef:
    scheme = _typed(g, links.themes(), SKOS.ConceptScheme)
    g.set((scheme, DCT["title"], Literal("공공데이터 분류체계 (16개 분류)", lang="ko")))
    g.add(
        (scheme, DCT["title"], Literal("Themes: the 16 categories of Korea's public data portal", lang="en"))
    )
    return scheme


def _eu_theme_scheme(g: Graph) -> URIRef:
    scheme = _typed(g, _EU_THEME_SCHEME, SKOS.ConceptScheme)
    g.set((scheme, DCT["title"], Literal("Data theme", lang="en")))
    return scheme


def _language(g: Graph, code: str) -> URIRef:
    return _typed(g, f"{EU_AUTHORITY}language/{LANGUAGES[code]}", DCT.LinguisticSystem)


def _document(g: Graph, url: str) -> URIRef:
    return _typed(g, url, FOAF.Document)


def _tel(phone: str) -> str:
    """'062-613-2931' → 'tel:+82-62-613-2931' (RFC 3966); other forms keep their digits."""
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "-").strip("-")
    if digits.startswith("0") and not digits.startswith("00"):
        return "tel:+82-" + digits[1:]
    return "tel:" + (digits or phone.replace(" ", ""))


def _contact(g: Graph, entry: DatasetEntry, links: Links) -> URIRef:
    ds = entry.dataset
    node = _typed(g, links.page(ds.name) + "#contact", VCARD.Kind)
    if ds.contact_name:
        g.add((node, RDF.type, VCARD.Individual))
        g.add((node, VCARD.fn, Literal(ds.contact_name, lang="ko")))
    else:
        g.add((node, RDF.type, VCARD.Organization))
        g.add((node, VCARD.fn, Literal(ds.owner_org_title, lang="ko")))
    g.add((node, VCARD["organization-name"], Literal(ds.owner_org_title, lang="ko")))
    if ds.contact_email:
        g.add((node, VCARD.hasEmail, URIRef("mailto:" + ds.contact_email)))
    if ds.contact_phone:
        g.add((node, VCARD.hasTelephone, URIRef(_tel(ds.contact_phone))))
    if not (ds.contact_email or ds.contact_phone):
        g.add((node, VCARD.hasURL, URIRef(links.org_page(ds.owner_org_slug))))
    return node


def _licence(g: Graph, code: str | None) -> URIRef | None:
    doc = LICENCE_DOCS.get(code or "")
    if code is None or doc is None:
        return None
    node = _typed(g, doc.dcat_uri, DCT.LicenseDocument)
    ko, en = LICENCES[code]
    g.set((node, RDFS.label, Literal(ko, lang="ko")))
    g.add((node, RDFS.label, Literal(en, lang="en")))
    return node


def _formats(g: Graph, dist: URIRef, fmt: str | None) -> None:
    ft = file_type(fmt)
    if ft is None:
        return
    if ft.eu:
        g.add((dist, DCT["format"], _typed(g, f"{EU_AUTHORITY}file-type/{ft.eu}", DCT.MediaTypeOrExtent)))
    if ft.media_type:
        g.add((dist, DCAT.mediaType, _typed(g, IANA_MEDIA_TYPES + ft.media_type, DCT.MediaType)))


def _distributions(g: Graph, ds_node: URIRef, entry: DatasetEntry, links: Links) -> None:
    ds = entry.dataset
    licence = _licence(g, ds.licence)
    for resource, version in entry.published:
        shared: list[tuple[URIRef, Node]] = [
            (DCT.issued, _when(resource.created_at)),
            (DCT.modified, _when(version.created_at)),
            (FOAF.page, _document(g, links.page(ds.name, resource.name))),
        ]
        if licence is not None:
            shared.append((DCT.license, licence))
        availability = _typed(g, _STABLE, SKOS.Concept)
        g.set((availability, SKOS.prefLabel, Literal("stable", lang="en")))
        shared.append((DCATAP.availability, availability))
        if version.is_table:
            _csv_distribution(g, ds_node, entry, resource, version, links, shared)
        _source_distribution(g, ds_node, entry, resource, version, links, shared)


def _csv_distribution(
    g: Graph,
    ds_node: URIRef,
    entry: DatasetEntry,
    resource: Resource,
    version: Version,
    links: Links,
    shared: list[tuple[URIRef, Node]],
) -> None:
    name = entry.dataset.name
    dist = _typed(g, links.page(name) + f"#csv-{resource.name}", DCAT.Distribution)
    g.add((ds_node, DCAT.distribution, dist))
    url = URIRef(links.download(name, resource.name, "csv", version.number))
    title = resource.title or resource.name
    g.add((dist, DCT["title"], Literal(f"{title} (CSV)", lang="ko")))
    g.add(
        (
            dist,
            DCT.description,
            Literal(
                f"버전 {version.number}, {version.row_count:,}행 {version.column_count:,}열. "
                "UTF-8(BOM) CSV로 내려받습니다.",
                lang="ko",
            ),
        )
    )
    g.add(
        (
            dist,
            DCT.description,
            Literal(
                f"Version {version.number}, {version.row_count:,} rows, {version.column_count:,} columns, "
                "as UTF-8 CSV (with a byte-order mark).",
                lang="en",
            ),
        )
    )
    g.add((dist, DCAT.accessURL, url))
    g.add((dist, DCAT.downloadURL, url))
    _formats(g, dist, "csv")
    rfc = _typed(g, _RFC4180, DCT.Standard)
    g.set((rfc, DCT["title"], Literal("RFC 4180: Common Format and MIME Type for CSV Files", lang="en")))
    schema = _typed(g, links.datapackage(name), DCT.Standard)
    g.set((schema, DCT["title"], Literal("Frictionless Data Package (Table Schema)", lang="en")))
    g.add((dist, DCT.conformsTo, rfc))
    g.add((dist, DCT.conformsTo, schema))
    for p, o in shared:
        g.add((dist, p, o))


def _source_distribution(
    g: Graph,
    ds_node: URIRef,
    entry: DatasetEntry,
    resource: Resource,
    version: Version,
    links: Links,
    shared: list[tuple[URIRef, Node]],
) -> None:
    name = entry.dataset.name
    dist = _typed(g, links.page(name) + f"#source-{resource.name}", DCAT.Distribution)
    g.add((ds_node, DCAT.distribution, dist))
    url = URIRef(links.download(name, resource.name, "source", version.number))
    title = resource.title or resource.name
    g.add((dist, DCT["title"], Literal(f"{title} (원본 파일: {version.filename})", lang="ko")))
    encoding = f", {version.source_encoding}" if version.source_encoding else ""
    g.add(
        (
            dist,
            DCT.description,
            Literal(f"버전 {version.number}의 원본 파일 ({version.filename}{encoding}).", lang="ko"),
        )
    )
    g.add(
        (
            dist,
            DCT.description,
            Literal(f"The file as uploaded for version {version.number}{encoding}.", lang="en"),
        )
    )
    g.add((dist, DCAT.accessURL, url))
    g.add((dist, DCAT.downloadURL, url))
    _formats(g, dist, version.format if version.is_table else version.filename.rpartition(".")[2])
    g.add((dist, DCAT.byteSize, Literal(str(version.size_bytes), datatype=XSD.nonNegativeInteger)))
    if version.checksum:
        checksum = _typed(g, links.page(name) + f"#checksum-{resource.name}", SPDX.Checksum)
        g.add((checksum, SPDX.algorithm, _typed(g, _SHA256, SPDX.ChecksumAlgorithm)))
        g.add((checksum, SPDX.checksumValue, Literal(version.checksum.lower(), datatype=XSD.hexBinary)))
        g.add((dist, SPDX.checksum, checksum))
    for p, o in shared:
        g.add((dist, p, o))


def _add_dataset(g: Graph, entry: DatasetEntry, links: Links) -> URIRef:
    ds = entry.dataset
    node = _typed(g, links.dataset(ds.name), DCAT.Dataset)
    g.add((node, DCT.identifier, Literal(ds.name)))
    g.add((node, DCT["title"], Literal(ds.title, lang="ko")))
    if ds.title_en:
        g.add((node, DCT["title"], Literal(ds.title_en, lang="en")))
    description = ds.description or f"{ds.title} — {ds.owner_org_title}에서 제공하는 데이터셋입니다."
    g.add((node, DCT.description, Literal(description, lang="ko")))
    for keyword in ds.keywords:
        g.add((node, DCAT.keyword, Literal(keyword, lang="ko")))
    if ds.theme in THEMES:
        _themes(g, node, ds.theme, links)
    if entry.org is not None:
        g.add((node, DCT.publisher, _agent(g, entry.org, links)))
    g.add((node, DCAT.contactPoint, _contact(g, entry, links)))
    if ds.temporal_start or ds.temporal_end:
        period = _typed(g, links.page(ds.name) + "#temporal", DCT.PeriodOfTime)
        if ds.temporal_start:
            g.add((period, DCAT.startDate, _when(ds.temporal_start)))
        if ds.temporal_end:
            g.add((period, DCAT.endDate, _when(ds.temporal_end)))
        g.add((node, DCT.temporal, period))
    if ds.spatial_coverage:
        place = _typed(g, links.page(ds.name) + "#spatial", DCT.Location)
        g.add((place, LOCN.geographicName, Literal(ds.spatial_coverage, lang="ko")))
        g.add((place, SKOS.prefLabel, Literal(ds.spatial_coverage, lang="ko")))
        g.add((node, DCT.spatial, place))
    if ds.created_at is not None:
        g.add((node, DCT.issued, _when(ds.created_at)))
    if ds.updated_at is not None:
        g.add((node, DCT.modified, _when(ds.updated_at)))
    code, label = ACCESS_RIGHTS[ds.visibility]
    rights = _typed(g, f"{EU_AUTHORITY}access-right/{code}", DCT.RightsStatement)
    g.set((rights, RDFS.label, Literal(label, lang="en")))
    g.add((node, DCT.accessRights, rights))
    if ds.update_cycle in FREQUENCIES:
        code, label = FREQUENCIES[ds.update_cycle]
        freq = _typed(g, f"{EU_AUTHORITY}frequency/{code}", DCT.Frequency)
        g.set((freq, RDFS.label, Literal(label, lang="en")))
        g.add((node, DCT.accrualPeriodicity, freq))
    g.add((node, DCT.language, _language(g, "ko")))
    g.add((node, DCAT.landingPage, _document(g, links.page(ds.name))))
    _distributions(g, node, entry, links)
    return node


def dataset_graph(entry: DatasetEntry, links: Links) -> Graph:
    """One dataset with its distributions, publisher, contact point and themes."""
    g = _graph()
    _add_dataset(g, entry, links)
    return g


def catalogue_graph(
    info: CatalogueInfo, entries: list[DatasetEntry], links: Links, page: PageInfo, ext: str
) -> Graph:
    """One page of the catalogue: the catalogue itself, its datasets, and Hydra paging links."""
    g = _graph()
    cat = _typed(g, links.catalogue(), DCAT.Catalog)
    g.add((cat, DCT["title"], Literal(info.title, lang="ko")))
    g.add((cat, DCT["title"], Literal(info.title_en, lang="en")))
    g.add((cat, DCT.description, Literal(info.description, lang="ko")))
    g.add((cat, DCT.description, Literal(info.description_en, lang="en")))
    if info.publisher is not None:
        publisher = _agent(g, info.publisher, links)
    else:
        publisher = _typed(g, links.home() + "#publisher", FOAF.Agent)
        g.add((publisher, FOAF.name, Literal(info.title, lang="ko")))
    g.add((cat, DCT.publisher, publisher))
    g.add((cat, FOAF.homepage, _document(g, links.home())))
    if info.modified is not None:
        g.add((cat, DCT.modified, _when(info.modified)))
    if info.publisher is not None:  # the city's own area
        place = _typed(g, links.catalogue() + "#spatial", DCT.Location)
        g.add((place, LOCN.geographicName, Literal(info.publisher.title, lang="ko")))
        g.add((place, SKOS.prefLabel, Literal(info.publisher.title, lang="ko")))
        g.add((cat, DCT.spatial, place))
    for lang in ("ko", "en"):
        g.add((cat, DCT.language, _language(g, lang)))
    g.add((cat, DCAT.themeTaxonomy, _theme_scheme(g, links)))
    g.add((cat, DCAT.themeTaxonomy, _eu_theme_scheme(g)))
    for entry in entries:
        g.add((cat, DCAT.dataset, _add_dataset(g, entry, links)))

    size = page.size
    paged = _typed(g, links.catalogue_doc(ext, page.number, size), HYDRA.PagedCollection)
    g.add((paged, HYDRA.totalItems, Literal(page.total, datatype=XSD.integer)))
    g.add((paged, HYDRA.itemsPerPage, Literal(size, datatype=XSD.integer)))
    g.add((paged, HYDRA.firstPage, URIRef(links.catalogue_doc(ext, 1, size))))
    g.add((paged, HYDRA.lastPage, URIRef(links.catalogue_doc(ext, page.last, size))))
    if page.number > 1:
        g.add((paged, HYDRA.previousPage, URIRef(links.catalogue_doc(ext, page.number - 1, size))))
    if page.number < page.last:
        g.add((paged, HYDRA.nextPage, URIRef(links.catalogue_doc(ext, page.number + 1, size))))
    return g


def serialize(g: Graph, ext: str) -> bytes:
    """The graph as Turtle (``ttl``), RDF/XML (``rdf``) or compact JSON-LD (``jsonld``)."""
    fmt, _ = RDF_FORMATS[ext]
    if fmt == "json-ld":
        return g.serialize(format=fmt, context=JSONLD_CONTEXT, encoding="utf-8")
    return g.serialize(format=fmt, encoding="utf-8")
