"""Access requests, the grants their decisions create, and what a grant lets its holder see.

Under the Data-Based Administration Act (데이터기반행정법) the holder of data decides a sharing
request within 20 days, and shared data serves only its stated purpose. A decision creates a
grant: grantee (a user or an organisation), dataset, the columns it names, an optional row
filter, a transformation per column (pseudonymisation, masking, generalisation …), purpose and
period. What a reader sees of a version is a *view*: the columns they may see, the rows the
filter keeps, each column transformed — computed here, made into a file by the engine.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from hubcity.domain.accounts import Actor
from hubcity.domain.datasets import Dataset, Version
from hubcity.domain.koreatime import korean_date, last_day, plus_years
from hubcity.domain.personal import UNIQUE_IDENTIFIERS
from hubcity.domain.query import FILTER_OPS, RowFilter

__all__ = [
    "HIDDEN_SUSPECTED",
    "RECORD_KEEP_YEARS",
    "TRANSFORMS",
    "AccessRequest",
    "Decision",
    "Grant",
    "RequestStatus",
    "Transform",
    "ViewSpec",
    "full_access",
    "hidden_columns",
    "parse_row_filter",
    "parse_transform",
    "restrict",
    "view_for",
    "visible_columns",
]


# a processing record outlives the processing by three years
RECORD_KEEP_YEARS = 3


class RequestStatus(StrEnum):
    PENDING = "pending"
    PROVIDED = "provided"
    PARTIAL = "partial"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"

    @property
    def open(self) -> bool:
        return self is RequestStatus.PENDING

    def label(self, lang: str = "ko") -> str:
        ko, en = _STATUS_LABELS[self]
        return ko if lang == "ko" else en


_STATUS_LABELS = {
    RequestStatus.PENDING: ("검토 중", "Pending"),
    RequestStatus.PROVIDED: ("제공", "Provided"),
    RequestStatus.PARTIAL: ("부분 제공", "Provided in part"),
    RequestStatus.REFUSED: ("거절", "Refused"),
    RequestStatus.WITHDRAWN: ("철회", "Withdrawn"),
}


class Decision(StrEnum):
    PROVIDE = "provide"
    PARTIAL = "partial"
    REFUSE = "refuse"


# kind -> (Korean label, English label, takes a number)
TRANSFORMS: dict[str, tuple[str, str, bool]] = {
    "pseudonym": ("가명처리(키 해시)", "Pseudonym (keyed hash)", False),
    "mask": ("마스킹", "Masking", True),  # keep the first n characters (default 2)
    "age_band": ("연령대", "Age band", True),  # width in years (default 10)
    "dong_to_gu": ("행정동→구", "행정동 → 구", False),
    "month": ("날짜→월", "Date → month", False),
    "round": ("반올림", "Rounding", True),  # to a multiple of n (default 10)
    "suppress": ("작은 값 가림", "Small-cell suppression", True),  # values below n become empty (default 5)
}
_DEFAULTS = {"mask": 2, "age_band": 10, "round": 10, "suppress": 5}

# suspected findings of these kinds hide their column before the owner has looked at them;
# other kinds hide once the owner confirms them
HIDDEN_SUSPECTED = frozenset(UNIQUE_IDENTIFIERS) | {"card"}


@dataclass(frozen=True)
class Transform:
    kind: str  # a key of TRANSFORMS
    param: int | None = None

    @property
    def value(self) -> int | None:
        return self.param if self.param is not None else _DEFAULTS.get(self.kind)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **({"param": self.param} if self.param is not None else {})}

    def __str__(self) -> str:
        return f"{self.kind}:{self.param}" if self.param is not None else self.kind


def parse_transform(text: str | dict[str, Any]) -> Transform:
    """``"mask:3"``, ``"pseudonym"`` or ``{"kind": "mask", "param": 3}``; ValueError names what is wrong."""
    if isinstance(text, dict):
        kind, param = str(text.get("kind", "")), text.get("param")
    else:
        kind, _, raw = str(text).strip().partition(":")
        param = raw.strip() or None
    if kind not in TRANSFORMS:
        raise ValueError(f"unknown transformation '{kind}'; use one of {', '.join(TRANSFORMS)}")
    if param is None:
        return Transform(kind)
    if not TRANSFORMS[kind][2]:
        raise ValueError(f"'{kind}' takes no number")
    try:
        number = int(param)
    except (TypeError, ValueError):
        raise ValueError(f"'{kind}' takes a whole number, not '{param}'") from None
    if not 0 < number <= 1_000_000_000:
        raise ValueError(f"'{kind}' takes a number from 1 to 1000000000")
    return Transform(kind, number)


def parse_row_filter(text: str | dict[str, Any]) -> RowFilter:
    """``"자치구=동구"``, ``"연도__gte=2020"``, ``"구__in=동구,서구"`` or ``{"column", "op", "value"}``."""
    if isinstance(text, dict):
        column, op, value = str(text.get("column", "")), str(text.get("op", "eq")), text.get("value")
    else:
        key, sep, value = str(text).partition("=")
        if not sep:
            raise ValueError(f"a row filter is column=value, not '{text}'")
        column, _, op = key.strip().partition("__")
        op = op or "eq"
        value = value.strip()
    column = column.strip()
    if not column:
        raise ValueError("a row filter needs a column")
    if op not in FILTER_OPS:
        raise ValueError(f"unknown operator '{op}'; use one of {', '.join(FILTER_OPS)}")
    if op == "in":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not value:
            raise ValueError("'in' takes a list of values")
        value = [str(v) for v in value]
    elif value is None or isinstance(value, (dict, list)):
        raise ValueError(f"the filter on '{column}' needs a value")
    else:
        value = str(value)
    return RowFilter(column=column, op=op, value=value)


def filter_dict(f: RowFilter) -> dict[str, Any]:
    return {"column": f.column, "op": f.op, "value": f.value}


def filter_text(f: RowFilter) -> str:
    value = ",".join(f.value) if isinstance(f.value, list) else f.value
    return f"{f.column}{'' if f.op == 'eq' else '__' + f.op}={value}"


@dataclass(frozen=True)
class AccessRequest:
    id: int
    dataset_id: int
    dataset_name: str
    dataset_title: str
    owner_org_id: int
    owner_org_title: str
    requester_id: int
    requester_name: str
    org_id: int | None  # asked on behalf of this organisation (None: for the requester alone)
    org_title: str | None
    purpose: str
    columns: tuple[str, ...]  # () = every column
    ends_on: date
    status: RequestStatus
    due_on: date
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str = ""
    grant_id: int | None = None
    reminded_at: datetime | None = None

    def overdue(self, today: date) -> bool:
        return self.status.open and today > self.due_on

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days


@dataclass(frozen=True)
class Grant:
    id: int
    dataset_id: int
    dataset_name: str
    dataset_title: str
    owner_org_id: int
    grantee_user_id: int | None
    grantee_org_id: int | None
    grantee_label: str  # the user's display name or the organisation's title
    columns: tuple[str, ...]
    row_filter: tuple[RowFilter, ...]
    transforms: dict[str, Transform]
    purpose: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    created_by: str | None = None
    request_id: int | None = None
    agreement_id: int | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    revoke_reason: str = ""
    key_salt: str = ""

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.starts_at <= now < self.ends_at

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if now >= self.ends_at:
            return "expired"
        if now < self.starts_at:
            return "scheduled"
        return "active"

    def destroyed_at(self, now: datetime) -> datetime | None:
        """When the provided copy ended: the revocation, or the end once it has passed."""
        return self.revoked_at or (self.ends_at if self.ends_at <= now else None)

    def keep_record_until(self, now: datetime) -> date:
        """The last day to keep this grant's processing record: three years after the data's
        destruction (PIPA), counted from the planned end while the grant still runs."""
        destroyed = self.destroyed_at(now)
        return plus_years(korean_date(destroyed) if destroyed else last_day(self.ends_at), RECORD_KEEP_YEARS)

    def holds(self, actor: Actor) -> bool:
        if self.grantee_user_id is not None:
            return actor.user_id == self.grantee_user_id
        return self.grantee_org_id is not None and self.grantee_org_id in actor.roles


def _personal(column: dict[str, Any]) -> dict[str, Any]:
    return column.get("personal") or {}


def hidden_columns(version: Version) -> set[str]:
    """Columns marked personal: confirmed findings, and suspected unique identifiers and card numbers."""
    out = set()
    for col in version.columns:
        p = _personal(col)
        status, kind = p.get("status"), p.get("kind")
        if status == "confirmed" or (status == "suspected" and kind in HIDDEN_SUSPECTED):
            out.add(str(col["name"]))
    return out


def full_access(actor: Actor, dataset: Dataset) -> bool:
    """Sysadmins and members of the owning organisation see every column and row."""
    return actor.sysadmin or dataset.owner_org_id in actor.roles


@dataclass(frozen=True)
class ViewSpec:
    """What one reader sees of one version: ``columns`` in order, rows passing ``filters``, transformed."""

    columns: tuple[str, ...]
    filters: tuple[RowFilter, ...] = ()
    transforms: dict[str, Transform] = field(default_factory=dict)
    grant_id: int | None = None
    key_salt: str = ""  # the grant's pseudonym key is derived from the server's key and this
    impossible: bool = False  # the filter names a column the version lacks: no row passes

    @property
    def signature(self) -> str:
        """Names the view's file: equal specs share one; a pseudonym key makes it the grant's own."""
        body = json.dumps(
            {
                "c": list(self.columns),
                "f": [filter_dict(f) for f in self.filters],
                "t": {k: v.as_dict() for k, v in sorted(self.transforms.items())},
                "k": self.key_salt if any(t.kind == "pseudonym" for t in self.transforms.values()) else "",
                "x": self.impossible,
            },
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(body.encode()).hexdigest()[:24]


def view_for(
    actor: Actor, dataset: Dataset, version: Version, grant: Grant | None, *, readable: bool = False
) -> ViewSpec | None:
    """The view of ``version`` for ``actor``; None when they see it whole (no file to make).

    ``readable``: the actor may read the dataset without the grant (an internal or public one);
    the grant then adds the personal columns it names to the others, and its row filter still
    holds for the whole table. The caller has already checked that the actor may read it at all."""
    names = [str(c["name"]) for c in version.columns]
    if full_access(actor, dataset):
        return None
    if grant is not None:
        allowed = set(grant.columns)
        if readable:
            allowed |= set(names) - hidden_columns(version)
        columns = tuple(n for n in names if n in allowed)
        known = set(names)
        impossible = any(f.column not in known for f in grant.row_filter)
        transforms = {k: v for k, v in grant.transforms.items() if k in columns}
        spec = ViewSpec(
            columns=columns,
            filters=grant.row_filter,
            transforms=transforms,
            grant_id=grant.id,
            key_salt=grant.key_salt,
            impossible=impossible,
        )
    else:
        hidden = hidden_columns(version)
        spec = ViewSpec(columns=tuple(n for n in names if n not in hidden))
    if spec.columns == tuple(names) and not spec.filters and not spec.transforms and not spec.impossible:
        return None
    return spec


# a column's profile, as it reads when withheld (the keys stay: pages and clients expect them)
_PROFILE: dict[str, Any] = {
    "min": None,
    "max": None,
    "top_values": [],
    "null_count": None,
    "distinct_count": None,
}


def visible_columns(version: Version, spec: ViewSpec | None) -> list[dict[str, Any]]:
    """The version's column descriptions as the view shows them: transformed columns say how and
    lose their profile (its values are the raw ones), and a row filter drops every column's profile
    (it describes rows the reader may not see)."""
    if spec is None:
        return list(version.columns)
    by_name = {str(c["name"]): c for c in version.columns}
    out = []
    for name in spec.columns:
        col = dict(by_name[name])
        col.pop("text_index", None)  # the index points into the whole file, not the view
        t = spec.transforms.get(name)
        if t is not None:
            col["transform"] = t.as_dict()
            col["type"] = _TRANSFORMED_TYPE.get(t.kind, col.get("type"))
        if t is not None or spec.filters or spec.impossible:
            col.pop("stats", None)
            col.update({k: v for k, v in _PROFILE.items() if k in col})
            col["profile_redacted"] = True
        out.append(col)
    return out


def restrict(version: Version, spec: ViewSpec | None) -> Version:
    """The version's description as a view shows it: its columns, and quality checks and warnings
    only about those columns (their examples are raw values)."""
    if spec is None:
        return version
    shown = set(spec.columns)
    quality = dict(version.quality)
    if "checks" in quality:
        quality["checks"] = [
            {**c, "examples": [] if spec.transforms.get(str(c.get("column"))) else c.get("examples", [])}
            for c in quality.get("checks") or []
            if not c.get("column") or c.get("column") in shown
        ]
    warnings = [w for w in version.warnings if not w.get("column") or w.get("column") in shown]
    return replace(version, columns=visible_columns(version, spec), quality=quality, warnings=warnings)


_TRANSFORMED_TYPE = {
    "pseudonym": "text",
    "mask": "text",
    "age_band": "text",
    "dong_to_gu": "text",
    "month": "text",
}
