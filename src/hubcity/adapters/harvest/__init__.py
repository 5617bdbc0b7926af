"""Harvest clients: another CKAN portal's Action API and DCAT catalogues, over httpx."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx

from hubcity.adapters.harvest.ckan import list_ckan
from hubcity.adapters.harvest.dcat import list_dcat
from hubcity.adapters.harvest.guard import GuardedTransport, Resolver, resolve
from hubcity.adapters.harvest.http import USER_AGENT, download
from hubcity.domain.harvest import AddressPolicy, RemoteDataset, SourceKind

__all__ = ["HttpHarvestTransport", "same_origin"]


class HttpHarvestTransport:
    """The HarvestTransport port: one short-lived httpx client per call.

    Its connections go only where ``policy`` allows (:class:`GuardedTransport`), on every
    request, redirect hop and file. ``resolver`` replaces the system resolver and ``transport``
    the network itself (tests hand in an ``httpx.MockTransport``, which has no addresses to guard).
    """

    def __init__(
        self,
        *,
        timeout_s: float = 30.0,
        page_size: int = 100,
        policy: AddressPolicy | None = None,
        resolver: Resolver = resolve,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self.page_size = page_size
        self.policy = policy or AddressPolicy()
        self.resolver = resolver
        self.transport = transport

    def _client(self, api_key: str | None = None) -> httpx.Client:
        headers = {"User-Agent": USER_AGENT}
        if api_key:
            # CKAN's form; httpx drops it on a redirect to another origin
            headers["Authorization"] = api_key
        return httpx.Client(
            timeout=httpx.Timeout(self.timeout_s),
            follow_redirects=True,
            headers=headers,
            transport=self.transport or GuardedTransport(self.policy, resolver=self.resolver),
        )

    def list_datasets(
        self, kind: str, url: str, *, filter_org: str, filter_q: str, limit: int, api_key: str | None = None
    ) -> list[RemoteDataset]:
        if SourceKind(kind) is SourceKind.CKAN:
            with self._client(api_key) as client:
                return list_ckan(
                    client,
                    url,
                    filter_org=filter_org,
                    filter_q=filter_q,
                    page_size=self.page_size,
                    limit=limit,
                    private=bool(api_key),
                )
        with self._client() as client:  # a DCAT catalogue never gets a key
            return list_dcat(client, url, limit=limit)

    def download(
        self, url: str, dest: Path, *, max_bytes: int, api_key: str | None = None, key_for: str = ""
    ) -> None:
        """Fetch a file; the API key goes along only when the file lies on ``key_for``'s origin
        (the source's portal), never to a host the portal merely links to."""
        with self._client(api_key if api_key and same_origin(url, key_for) else None) as client:
            download(client, url, dest, max_bytes=max_bytes)


def same_origin(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    return bool(a.hostname) and (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)
