"""Harvesting: importing dataset metadata (and files) from another CKAN portal or DCAT catalogue.

A *source* names a remote catalogue and the local organisation that owns what is
harvested from it. Each *run* lists the remote datasets, maps them to hubcity's
fields (``RemoteDataset``) and records one *change* per dataset: created,
updated (with the fields that changed), unchanged, deleted upstream or failed.
A *harvest object* remembers which local dataset holds which upstream
identifier, so that names stay stable and local datasets never clash.

A source that harvests into a partner institution names the requesting official and the
case or document number: every file it pulls lands as a transfer under an agreement.

Harvesting fetches what a source's URL, its catalogue's links and its redirects name, so an
``AddressPolicy`` says which network addresses it may connect to: public internet addresses
only, unless the installation allows its intranet (server-side request forgery otherwise
reaches loopback services, the private network and cloud metadata at 169.254.169.254).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import socket
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hubcity.domain.agreements import TransferDetailsMissing, check_transfer_details
from hubcity.errors import FieldError, InvalidInput

__all__ = [
    "CHANGE_LABELS",
    "DATASET_FIELDS",
    "AddressPolicy",
    "ChangeKind",
    "HarvestChange",
    "HarvestObject",
    "HarvestRun",
    "HarvestSource",
    "HarvestSourceDraft",
    "RemoteDataset",
    "RemoteFile",
    "RunState",
    "SourceKind",
    "check_source_transfer_details",
    "diff_fields",
    "harvested_name",
    "refused_address_message",
]


class SourceKind(StrEnum):
    CKAN = "ckan"  # a CKAN Action API (package_search), e.g. another hubcity or data.go.kr's CKAN
    DCAT = "dcat"  # a DCAT catalogue document (Turtle, RDF/XML or JSON-LD), paged with Hydra


class RunState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in {RunState.SUCCEEDED, RunState.FAILED}


class ChangeKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"  # gone upstream: unpublished here, never deleted
    SKIPPED = "skipped"  # deleted here by its owners: not harvested again unless a run restores it
    FAILED = "failed"


CHANGE_LABELS: dict[ChangeKind, tuple[str, str]] = {
    ChangeKind.CREATED: ("새로 수집", "created"),
    ChangeKind.UPDATED: ("변경", "updated"),
    ChangeKind.UNCHANGED: ("변경 없음", "unchanged"),
    ChangeKind.DELETED: ("원격에서 삭제됨", "deleted upstream"),
    ChangeKind.SKIPPED: ("여기서 삭제되어 건너뜀", "skipped: deleted here"),
    ChangeKind.FAILED: ("실패", "failed"),
}

# the dataset fields a harvest writes (and compares)
DATASET_FIELDS = (
    "title",
    "title_en",
    "description",
    "keywords",
    "licence",
    "theme",
    "update_cycle",
    "spatial_coverage",
    "temporal_start",
    "temporal_end",
    "contact_name",
    "contact_email",
)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_CLEAN = re.compile(r"[^a-z0-9_-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class HarvestSourceDraft(BaseModel):
    """A harvest source as a user submits it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="Short slug; prefixes harvested names."
    )
    title: str = Field("", max_length=200)
    kind: SourceKind
    url: str = Field(min_length=8, max_length=1000)
    org: str = Field(min_length=1, description="Slug of the local organisation that owns what is harvested.")
    schedule_hours: int = Field(24, ge=0, le=24 * 365, description="Hours between runs; 0 = only by hand.")
    fetch_files: bool = False
    filter_org: str = Field("", max_length=100, description="CKAN: only this upstream organisation.")
    filter_q: str = Field("", max_length=500, description="CKAN: only datasets matching this query.")
    enabled: bool = True
    official: str = Field(
        "", max_length=100, description="The requesting official named on each transfer from a partner."
    )
    case_no: str = Field(
        "", max_length=100, description="The case or document number each transfer from a partner serves."
    )
    api_key: str = Field(
        "",
        max_length=500,
        description=(
            "CKAN: an API token of the upstream portal; with it the datasets it may read there, private "
            "ones included, are harvested (private ones restricted to the organisation). Write-only."
        ),
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("use an http:// or https:// address")
        return value.rstrip("/") if not value.endswith((".ttl", ".rdf", ".jsonld", ".xml")) else value

    @field_validator("official", "case_no", "api_key")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("write it on one line, without control characters")
        return value


@dataclass(frozen=True)
class HarvestSource:
    id: int
    name: str
    title: str
    kind: SourceKind
    url: str
    org_id: int
    org_slug: str
    org_title: str
    schedule_hours: int
    fetch_files: bool
    filter_org: str
    filter_q: str
    enabled: bool
    created_at: datetime
    updated_at: datetime
    created_by: str | None = None
    official: str = ""  # the requesting official, recorded on each transfer from a partner
    case_no: str = ""  # the case or document number those transfers serve
    has_api_key: bool = False  # an upstream API key is stored (sealed; never shown)
    last_run: HarvestRun | None = None

    def due(self, now: datetime) -> bool:
        """Whether a scheduled run is due: enabled, scheduled, and the last run started long enough ago."""
        if not self.enabled or self.schedule_hours <= 0:
            return False
        if self.last_run is None:
            return True
        if not self.last_run.state.finished:
            return False
        return (now - self.last_run.created_at).total_seconds() >= self.schedule_hours * 3600


@dataclass(frozen=True)
class HarvestChange:
    id: int
    run_id: int
    kind: ChangeKind
    identifier: str
    title: str
    dataset_name: str | None
    diff: dict[str, list[Any]] = field(default_factory=dict)  # field -> [before, after]
    message: str = ""
    message_en: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class HarvestRun:
    id: int
    source_id: int
    state: RunState
    trigger: str  # "manual" | "schedule" | "restore" (manual, bringing back datasets deleted here)
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)  # change kind -> how many
    message: str = ""
    message_en: str = ""
    changes: list[HarvestChange] | None = None


@dataclass(frozen=True)
class HarvestObject:
    """Which local dataset holds an upstream dataset, and what it looked like when last harvested."""

    id: int
    source_id: int
    identifier: str
    dataset_id: int | None
    dataset_name: str | None
    upstream_url: str
    upstream_modified: str
    content_hash: str
    files: dict[str, str]  # local resource name -> fingerprint of the upstream file
    state: str  # "active" | "deleted" (gone upstream) | "removed" (deleted here)
    harvested_at: datetime | None = None


@dataclass(frozen=True)
class RemoteFile:
    url: str
    name: str  # upstream resource name or title
    format: str  # lowercase: csv, xlsx, … or ""
    fingerprint: str  # changes when the file does (hash, modified time, size, url)


@dataclass(frozen=True)
class RemoteDataset:
    """An upstream dataset mapped to hubcity's fields; ``fields`` uses DATASET_FIELDS' names."""

    identifier: str
    name: str  # upstream name, for the local name
    source_url: str  # where people see it upstream
    modified: str  # upstream's metadata_modified / dct:modified, as given
    fields: dict[str, Any]
    files: list[RemoteFile] = field(default_factory=list)
    private: bool = False  # upstream shows it only to the key's holder: restricted here

    def content_hash(self) -> str:
        """A fingerprint of everything harvested: equal hashes mean nothing to do."""
        payload: dict[str, Any] = {
            "fields": {k: _plain(v) for k, v in sorted(self.fields.items())},
            "files": sorted((f.url, f.fingerprint) for f in self.files),
            "url": self.source_url,
        }
        if self.private:  # only then: the fingerprints of public datasets stay as they were
            payload["private"] = True
        raw = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


_DETAIL_FIELDS = {
    "official": ("official", "요청 담당자", "requesting official"),
    "case": ("case_no", "사건·문서번호", "case or document number"),
}


def check_source_transfer_details(official: str, case_no: str) -> tuple[str, str]:
    """A source harvesting into a partner institution names the requesting official and the case
    number, by the rules of a partner's push (:func:`check_transfer_details`); InvalidInput names
    the source's fields."""
    try:
        return check_transfer_details(official, case_no)
    except TransferDetailsMissing as exc:
        errors = []
        for bad in exc.errors:
            name, ko, en = _DETAIL_FIELDS[bad.field]
            errors.append(
                FieldError(
                    name,
                    f"{ko}을(를) 100자 이내로 쓰세요 ({name}).",
                    f"Give the {en} in up to 100 characters ({name}).",
                )
            )
        raise InvalidInput(
            "협력기관으로 수집하는 원본에는 요청 담당자(official)와 사건·문서번호(case_no)가 필요합니다.",
            "A source that harvests into a partner institution needs the requesting official (official) "
            "and the case or document number (case_no).",
            errors,
        ) from None


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _short(value: Any, limit: int = 200) -> Any:
    value = _plain(value)
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


def diff_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose values differ, as ``{field: [before, after]}`` (long text shortened)."""
    out: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = _plain(before.get(key)), _plain(after.get(key))
        if (old or None) != (new or None):
            out[key] = [_short(old), _short(new)]
    return out


def harvested_name(source: str, upstream: str, identifier: str) -> str:
    """A stable local name that records the source: ``<source>--<upstream name>`` (≤ 100 characters)."""
    text = unicodedata.normalize("NFKD", upstream or "").encode("ascii", "ignore").decode().lower()
    slug = _CLEAN.sub("-", text).strip("-_")
    digest = hashlib.sha1(identifier.encode("utf-8")).hexdigest()[:8]
    if not slug:
        slug = digest
    name = f"{source}--{slug}"
    if len(name) > 100:
        name = f"{name[:91].rstrip('-_')}-{digest}"
    assert _SLUG.match(name), name
    return name


# -- which addresses a harvest may connect to ----------------------------------------------------

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# what getaddrinfo also reads as an IPv4 address: 2130706433, 0x7f.1, 127.1, 017700000001
_LEGACY_IPV4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)


def _kind_of(ip: IPAddress) -> tuple[str, str] | None:
    """Why a harvest may not connect to ``ip`` (Korean, English), or None for a public address."""
    if ip.is_loopback:
        return "루프백", "loopback"
    if ip.is_link_local:
        return "링크 로컬·클라우드 메타데이터", "link-local / cloud metadata"
    if ip.is_multicast:
        return "멀티캐스트", "multicast"
    if ip.is_unspecified:
        return "지정되지 않은 주소", "unspecified"
    if ip.is_reserved:
        return "예약된 주소", "reserved"
    if ip.is_private or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return "사설망", "private network"
    if not ip.is_global:
        return "공인 인터넷이 아닌 주소", "not a public internet address"
    return None


def _embedded(ip: IPAddress) -> list[IPAddress]:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), which it may reach, then the address."""
    out: list[IPAddress] = []
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            out.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            out.append(ip.sixtofour)
        if ip in _NAT64:
            out.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [*out, ip]


@dataclass(frozen=True)
class AddressPolicy:
    """The network addresses a harvest may connect to.

    By default only public internet addresses: loopback, private (RFC 1918, unique-local
    IPv6), link-local (cloud metadata at 169.254.169.254 too), multicast, reserved and
    unspecified addresses are refused — also inside an IPv6 address that maps, tunnels or
    translates to one. ``allowed_networks`` opens some internal networks (an intranet
    portal); ``allow_private`` opens all of them.
    """

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def of(cls, *, allow_private: bool = False, allowed_networks: Iterable[str] = ()) -> AddressPolicy:
        """From settings: ``allowed_networks`` as CIDR strings (``10.20.0.0/16``, ``fd00::/8``)."""
        return cls(
            allow_private=allow_private,
            allowed_networks=tuple(ipaddress.ip_network(n.strip(), strict=False) for n in allowed_networks),
        )

    def refusal(self, address: str) -> tuple[str, str] | None:
        """Why a harvest may not connect to the IP address ``address`` (ko, en), or None if it may."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return "IP 주소가 아님", "not an IP address"
        if self.allow_private:
            return None
        candidates = _embedded(ip)
        if any(c in net for c in candidates for net in self.allowed_networks if c.version == net.version):
            return None
        for candidate in candidates:
            why = _kind_of(candidate)
            if why is not None:
                return why
        return None

    def refused_url(self, url: str) -> tuple[str, str] | None:
        """The message (ko, en) when ``url``'s host is written as an IP address the policy refuses.

        Host names are checked where they matter, on the address they resolve to when a
        harvest connects; this check answers early for what needs no name lookup."""
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            return None
        literal = _literal_ip(host)
        if literal is None:
            return None
        why = self.refusal(literal)
        return refused_address_message(host, literal, why) if why else None


def _literal_ip(host: str) -> str | None:
    """The IP address ``host`` spells, in the forms a name lookup accepts without asking DNS."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if _LEGACY_IPV4.match(host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


def refused_address_message(host: str, address: str, why: tuple[str, str]) -> tuple[str, str]:
    """The Korean and English message of a refused connection to ``host`` at ``address``."""
    shown = host if host == address else f"{host} → {address}"
    return (
        f"내부망 주소에서는 수집하지 않습니다: {shown} ({why[0]}). 내부망 포털에서 수집하려면 운영자가 "
        "HUBCITY_HARVEST__ALLOWED_NETWORKS(허용할 네트워크)나 "
        "HUBCITY_HARVEST__ALLOW_PRIVATE_ADDRESSES=true를 설정해야 합니다.",
        f"Harvesting from an internal address is refused: {shown} ({why[1]}). To harvest from an "
        "intranet portal, the operator sets HUBCITY_HARVEST__ALLOWED_NETWORKS (the networks to allow) "
        "or HUBCITY_HARVEST__ALLOW_PRIVATE_ADDRESSES=true.",
    )
