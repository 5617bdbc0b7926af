"""The chain's rules without any storage: hashing, linking, and naming the first broken entry."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hubcity.domain.audit import GENESIS_HASH, AuditDraft, AuditEntry, canonical_bytes, verify_chain

KEY = b"k" * 32


def _chain(n: int, key: bytes = KEY) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    for i in range(n):
        draft = AuditDraft(
            action="rows.read",
            actor_id=7,
            actor_name="member",
            object_kind="resource",
            object_id="salaries/pay",
            dataset_id=3,
            columns=("이름", "급여"),
            rows=i,
            details={"version": 1, "필터": ["부서 eq 교통"]},
        )
        prev = entries[-1].hash if entries else GENESIS_HASH
        entries.append(
            AuditEntry.chained(draft, seq=i + 1, at=start + timedelta(seconds=i), prev_hash=prev, key=key)
        )
    return entries


def test_the_hash_is_an_hmac_of_sorted_key_json() -> None:
    first = _chain(1)[0]
    assert first.prev_hash == "0" * 64
    body = json.loads(canonical_bytes(first).decode("utf-8"))
    assert list(body) == sorted(body) and "hash" not in body and body["prev_hash"] == GENESIS_HASH
    assert body["at"] == "2026-11-01T09:00:00.000000+00:00" and body["columns"] == ["이름", "급여"]
    assert first.hash == hmac.new(KEY, canonical_bytes(first), hashlib.sha256).hexdigest()
    # the same entry without the key: a plain SHA-256 does not match
    assert first.hash != hashlib.sha256(canonical_bytes(first)).hexdigest()


def test_an_intact_chain_verifies() -> None:
    check = verify_chain(_chain(5), KEY)
    assert check.ok and check.checked == 5 and check.head_seq == 5
    assert verify_chain([], KEY).ok and verify_chain([], KEY).head_hash == GENESIS_HASH


def test_each_kind_of_tampering_names_its_entry() -> None:
    chain = _chain(5)
    edited = [*chain[:2], replace(chain[2], rows=999), *chain[3:]]
    check = verify_chain(edited, KEY)
    assert check.broken is not None and (check.broken.seq, check.broken.reason) == (3, "hash_mismatch")
    assert check.checked == 2

    check = verify_chain([*chain[:2], *chain[3:]], KEY)  # entry 3 removed
    assert check.broken is not None and (check.broken.seq, check.broken.reason) == (3, "missing_seq")

    # entry 3 replaced by a well-formed entry (signed with the key) that does not follow entry 2
    stranger = AuditEntry.chained(
        AuditDraft(action="export"), seq=3, at=chain[2].at, prev_hash="f" * 64, key=KEY
    )
    check = verify_chain([*chain[:2], stranger, *chain[3:]], KEY)
    assert check.broken is not None and (check.broken.seq, check.broken.reason) == (3, "broken_link")


def test_another_key_does_not_verify() -> None:
    check = verify_chain(_chain(3), b"another key")
    assert check.broken is not None and check.broken.seq == 1


def test_messages_name_the_entry_in_korean_and_english() -> None:
    check = verify_chain([*_chain(5)[:3], *_chain(5)[4:]], KEY)
    assert check.broken is not None
    ko, en = check.broken.message()
    assert "4번 항목" in ko and "entry 4" in en
