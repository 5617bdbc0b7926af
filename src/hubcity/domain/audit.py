"""The audit log's rules: what an entry holds, how entries are chained, how a chain is checked.

Every entry carries the hash of the entry before it (``prev_hash``; the first one carries 64
zeros) and its own ``hash``: HMAC-SHA256, under the audit key, of a canonical serialisation —
the entry's fields and ``prev_hash`` as JSON with sorted keys, no whitespace, UTF-8. Changing a
field, removing an entry or reordering entries therefore breaks the chain at that entry, and
:func:`verify_chain` names the first entry that does not hold.

The hash is keyed (HMAC) rather than a bare SHA-256 so that someone who can write to the
database but does not hold the key cannot recompute the hashes after an edit and make the
forged chain verify again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "GENESIS_HASH",
    "AuditAction",
    "AuditDraft",
    "AuditEntry",
    "AuditFilter",
    "ChainBreak",
    "ChainCheck",
    "canonical_bytes",
    "chain_hash",
    "clean_details",
    "verify_chain",
]

GENESIS_HASH = "0" * 64


class AuditAction(StrEnum):
    """What happened; the log is open to more (grants and access decisions add their own)."""

    ROWS_READ = "rows.read"  # rows of restricted or personal data through the rows API, the UI or CKAN
    ROWS_AGGREGATE = "rows.aggregate"
    SQL_QUERY = "sql.query"  # a SQL query that read a restricted table
    EXPORT = "export"  # any download of a version, whatever its visibility
    DATASET_CREATE = "dataset.create"
    DATASET_UPDATE = "dataset.update"
    DATASET_DELETE = "dataset.delete"
    ORG_MEMBER = "org.member"  # someone joined an organisation or their role changed
    TOKEN_CREATE = "token.create"
    AUDIT_EXPORT = "audit.export"  # the audit log itself was exported


@dataclass(frozen=True)
class AuditDraft:
    """An entry before it is chained: what the services hand to the log."""

    action: str
    actor_id: int | None = None
    actor_name: str | None = None
    object_kind: str = ""
    object_id: str = ""
    dataset_id: int | None = None
    columns: tuple[str, ...] = ()
    rows: int | None = None
    purpose: str = ""
    grant_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEntry:
    """One link of the chain, as stored."""

    seq: int
    at: datetime
    action: str
    actor_id: int | None
    actor_name: str | None
    object_kind: str
    object_id: str
    dataset_id: int | None
    columns: tuple[str, ...]
    rows: int | None
    purpose: str
    grant_id: int | None
    details: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def chained(cls, draft: AuditDraft, *, seq: int, at: datetime, prev_hash: str, key: bytes) -> AuditEntry:
        """The draft as entry ``seq`` after the entry whose hash is ``prev_hash``."""
        entry = cls(
            seq=seq,
            at=_utc(at),
            action=draft.action,
            actor_id=draft.actor_id,
            actor_name=draft.actor_name,
            object_kind=draft.object_kind,
            object_id=draft.object_id,
            dataset_id=draft.dataset_id,
            columns=tuple(draft.columns),
            rows=draft.rows,
            purpose=draft.purpose,
            grant_id=draft.grant_id,
            details=clean_details(draft.details),
            prev_hash=prev_hash,
            hash="",
        )
        return cls(**{**entry.fields(), "hash": chain_hash(entry, key)})

    def fields(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "action": self.action,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "object_kind": self.object_kind,
            "object_id": self.object_id,
            "dataset_id": self.dataset_id,
            "columns": self.columns,
            "rows": self.rows,
            "purpose": self.purpose,
            "grant_id": self.grant_id,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for the API and the exports."""
        out = self.fields()
        out["at"] = _stamp(self.at)
        out["columns"] = list(self.columns)
        return out


@dataclass(frozen=True)
class AuditFilter:
    dataset_ids: tuple[int, ...] | None = None  # None: any; () matches nothing
    owner_org_ids: tuple[int, ...] | None = None  # entries about datasets these organisations own now
    actor: str | None = None  # username
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str  # "hash_mismatch" | "broken_link" | "missing_seq"

    def message(self) -> tuple[str, str]:
        """Korean and English, naming the entry."""
        ko, en = _REASONS[self.reason]
        return (
            f"감사 로그 {self.seq}번 항목에서 체인이 끊어졌습니다: {ko}",
            f"The audit chain breaks at entry {self.seq}: {en}",
        )


_REASONS = {
    "hash_mismatch": (
        "항목의 내용이 해시와 맞지 않습니다(기록 후 고쳐졌습니다).",
        "its content does not match its hash (it was changed after it was written).",
    ),
    "broken_link": (
        "앞 항목의 해시를 가리키지 않습니다(앞 항목이 바뀌었거나 지워졌습니다).",
        "it does not point at the hash of the entry before it (that entry was changed or removed).",
    ),
    "missing_seq": (
        "이 번호의 항목이 없습니다(지워졌습니다).",
        "there is no entry with this number (it was removed).",
    ),
}


@dataclass(frozen=True)
class ChainCheck:
    checked: int
    head_seq: int  # 0 for an empty log
    head_hash: str
    broken: ChainBreak | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stamp(value: datetime) -> str:
    return _utc(value).isoformat(timespec="microseconds")


def clean_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """``details`` as plain JSON values (what the database gives back), so the hash survives storage."""
    parsed: dict[str, Any] = json.loads(json.dumps(dict(details), ensure_ascii=False, default=str))
    return parsed


def canonical_bytes(entry: AuditEntry) -> bytes:
    """The entry's fields and ``prev_hash`` (never its own hash) as sorted-key JSON in UTF-8."""
    body = entry.fields()
    del body["hash"]
    body["at"] = _stamp(entry.at)
    body["columns"] = list(entry.columns)
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def chain_hash(entry: AuditEntry, key: bytes) -> str:
    return hmac.new(key, canonical_bytes(entry), hashlib.sha256).hexdigest()


def verify_chain(entries: Iterable[AuditEntry], key: bytes) -> ChainCheck:
    """Walk the entries in ``seq`` order; the first that does not hold, and why."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainCheck(checked, expected_seq - 1, prev_hash, ChainBreak(expected_seq, "missing_seq"))
        if not hmac.compare_digest(chain_hash(entry, key), entry.hash):
            return ChainCheck(checked, expected_seq - 1, prev_hash, ChainBreak(entry.seq, "hash_mismatch"))
        if entry.prev_hash != prev_hash:
            return ChainCheck(checked, expected_seq - 1, prev_hash, ChainBreak(entry.seq, "broken_link"))
        checked += 1
        prev_hash = entry.hash
        expected_seq += 1
    return ChainCheck(checked, expected_seq - 1, prev_hash)
