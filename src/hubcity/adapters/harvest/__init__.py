"""Harvest clients: another CKAN portal's Action API and DCAT catalogues, over httpx."""

from __future__ import annotations

from pathlib import Path

import httpx

from hubcity.adapters.harvest.ckan import list_ckan
from hubcity.adapters.harvest.dcat import list_dcat
from hubcity.adapters.harvest.guard import GuardedTransport, Resolver, resolve
from hubcity.adapters.harvest.http import USER_AGENT, download
from hubcity.domain.harvest import AddressPolicy, RemoteDataset, SourceKind

__all__ = ["HttpHarvestTransport"]


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

    def _client(self) -> httpx.Client:
        return httpx.Client(
            timeout=httpx.Timeout(self.timeout_s),
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
            transport=self.transport or GuardedTransport(self.policy, resolver=self.resolver),
        )

    def list_datasets(
        self, kind: str, url: str, *, filter_org: str, filter_q: str, limit: int
    ) -> list[RemoteDataset]:
        with self._client() as client:
            if SourceKind(kind) is SourceKind.CKAN:
                return list_ckan(
                    client,
                    url,
                    filter_org=filter_org,
                    filter_q=filter_q,
                    page_size=self.page_size,
                    limit=limit,
                )
            return list_dcat(client, url, limit=limit)

    def download(self, url: str, dest: Path, *, max_bytes: int) -> None:
        with self._client() as client:
            download(client, url, dest, max_bytes=max_bytes)
