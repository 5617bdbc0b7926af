"""What the exchange documents are made from, and the URLs they point to.

The web layer reads datasets, resources and organisations through the services
(so visibility is already applied) and hands them over in these shapes; every
document links with absolute URLs built by ``Links`` from the request's base URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

from hubcity.domain.accounts import Org
from hubcity.domain.datasets import Dataset, Resource, Version

__all__ = ["CatalogueInfo", "DatasetEntry", "Links", "PageInfo", "iso_time"]


def iso_time(value: datetime) -> str:
    """ISO 8601 with an offset; the metadata database keeps UTC (SQLite drops the zone)."""
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).isoformat()


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset as a reader may see it: its resources and its owner organisation."""

    dataset: Dataset
    resources: list[Resource] = field(default_factory=list)
    org: Org | None = None

    @property
    def published(self) -> list[tuple[Resource, Version]]:
        """The resources that have a current version, with it."""
        return [(r, r.current) for r in self.resources if r.current is not None]


@dataclass(frozen=True)
class CatalogueInfo:
    title: str
    title_en: str
    description: str
    description_en: str
    publisher: Org | None = None  # the city; None when no root organisation exists yet
    modified: datetime | None = None  # the latest change of a dataset the reader may see


@dataclass(frozen=True)
class PageInfo:
    """One page of the catalogue (1-based)."""

    number: int
    size: int
    total: int

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))


@dataclass(frozen=True)
class Links:
    """Absolute URLs of everything the documents name, from the server's base URL."""

    base: str  # scheme://host[:port][/root], no trailing slash

    @classmethod
    def of(cls, base_url: str) -> Links:
        return cls(base_url.rstrip("/"))

    # identifiers (RDF subjects)
    def catalogue(self) -> str:
        return f"{self.base}/catalog"

    def dataset(self, name: str) -> str:
        return f"{self.base}/datasets/{name}#dataset"

    def org(self, slug: str) -> str:
        return f"{self.base}/orgs/{slug}#org"

    def themes(self) -> str:
        return f"{self.base}/themes"

    def theme(self, code: str) -> str:
        return f"{self.base}/themes/{code}"

    # documents people and programs fetch
    def home(self) -> str:
        return f"{self.base}/"

    def catalogue_doc(self, ext: str, page: int | None = None, size: int | None = None) -> str:
        params = {k: v for k, v in (("page", page), ("page_size", size)) if v is not None}
        return f"{self.base}/catalog.{ext}" + (f"?{urlencode(params)}" if params else "")

    def page(self, name: str, resource: str | None = None) -> str:
        url = f"{self.base}/datasets/{name}"
        return f"{url}?{urlencode({'resource': resource})}" if resource else url

    def dataset_doc(self, name: str, ext: str) -> str:
        return f"{self.base}/datasets/{name}.{ext}"

    def datapackage(self, name: str) -> str:
        return f"{self.base}/datasets/{name}/datapackage.json"

    def org_page(self, slug: str) -> str:
        return f"{self.base}/orgs/{slug}"

    def download(self, name: str, resource: str, fmt: str, version: int) -> str:
        query = urlencode({"format": fmt, "version": version})
        return f"{self.base}/api/v1/datasets/{name}/resources/{resource}/download?{query}"
