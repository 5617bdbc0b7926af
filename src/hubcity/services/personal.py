"""Personal data in published versions: the scan at ingest, owners' decisions, re-runs, the publishing rule.

Findings live with the columns they describe, in each version's ``columns`` JSON::

    {"name": "주민번호", "type": "text", ...,
     "personal": {"kind": "rrn", "confidence": 0.99, "explanation": "표본 40개 중 37개가 …",
                  "explanation_en": "37 of 40 sampled values are valid RRNs …", "counts": {...},
                  "status": "suspected" | "confirmed" | "dismissed", "rules": "kr-pii-2026.1",
                  "decided_by": "kim", "decided_at": "2026-…"}}

An owner's decision follows the column: a new version (or a re-run under newer rules) keeps a
confirmed column confirmed, and keeps a dismissed finding dismissed while the detector finds the
same kind there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hubcity.domain.accounts import Actor
from hubcity.domain.datasets import Dataset, Resource, Version, Visibility, can_edit, can_read
from hubcity.domain.personal import (
    REDACTED_PROFILE,
    RULES_VERSION,
    UNIQUE_IDENTIFIERS,
    ColumnFinding,
    PersonalKind,
    classify_column,
    kind_label,
    personal_shown,
)
from hubcity.errors import FieldError, IngestError, InvalidInput, NotFound, PermissionDenied
from hubcity.ports import ColumnSampler, Lake, MetadataStore

__all__ = [
    "SCANNED_TYPES",
    "PersonalDataService",
    "RescanReport",
    "identifier_columns",
    "publish_blockers",
]

log = logging.getLogger(__name__)

# column types whose values can hold identifiers (numbers without leading zeros type as integer)
SCANNED_TYPES = frozenset({"text", "integer"})
DECISIONS = ("confirmed", "dismissed")


def _entry(finding: ColumnFinding, status: str = "suspected") -> dict[str, Any]:
    return {**finding.as_dict(), "status": status}


def merge_decision(finding: ColumnFinding | None, before: dict[str, Any] | None) -> dict[str, Any] | None:
    """A column's ``personal`` entry from a fresh finding and what was recorded for it before."""
    status = (before or {}).get("status")
    decided: dict[str, Any] = {k: before[k] for k in ("decided_by", "decided_at") if before and k in before}
    if before is not None and status == "confirmed":
        if finding is not None and str(finding.kind) == before.get("kind"):
            return {**_entry(finding, "confirmed"), **decided}
        return {**before, "rules": RULES_VERSION}  # the owner said so: it stays personal
    if before is not None and status == "dismissed" and finding is not None:
        if str(finding.kind) == before.get("kind"):
            return {**_entry(finding, "dismissed"), **decided}
    return _entry(finding) if finding is not None else None


def identifier_columns(resources: list[Resource]) -> list[tuple[str, str, str]]:
    """(resource, column, kind) of the current versions' columns holding confirmed or suspected
    unique identifiers (주민등록번호, 외국인등록번호, 여권번호, 운전면허번호)."""
    found = []
    for r in resources:
        for col in r.current.columns if r.current else []:
            p = col.get("personal") or {}
            if p.get("status") in ("suspected", "confirmed") and p.get("kind") in UNIQUE_IDENTIFIERS:
                found.append((r.name, str(col.get("name")), str(p["kind"])))
    return found


def publish_blockers(dataset: Dataset, visibility: str, legal_basis: str, resources: list[Resource]) -> None:
    """Refuse to make a dataset public while it holds unique identifiers and records no legal basis."""
    if visibility != Visibility.PUBLIC or legal_basis.strip():
        return
    found = identifier_columns(resources)
    if not found:
        return
    listed = ", ".join(f"{col} ({kind_label(kind)})" for _, col, kind in found)
    listed_en = ", ".join(f"{col} ({kind_label(kind, 'en')})" for _, col, kind in found)
    raise InvalidInput(
        f"고유식별정보가 있는 열이 있어 법적 근거 없이 공개할 수 없습니다: {listed}. "
        "법적 근거(legal_basis)를 기록하거나, 해당 열이 개인정보가 아니면 탐지 결과를 기각하세요.",
        f"'{dataset.name}' cannot be made public without a recorded legal basis: these columns hold "
        f"unique identifiers: {listed_en}. Record the legal basis (legal_basis), or dismiss wrong findings.",
        [FieldError("visibility", f"고유식별정보 열: {listed}", f"unique identifier columns: {listed_en}")],
    )


def _public_identifier_error(column: str, p: dict[str, Any], filename: str) -> IngestError:
    label, label_en = kind_label(p["kind"]), kind_label(p["kind"], "en")
    return IngestError(
        f"공개 데이터셋에 고유식별정보({label})가 든 열 '{column}'을(를) 법적 근거 없이 게시할 수 "
        f"없습니다 — {p['explanation']}. 데이터셋에 법적 근거를 기록하거나 비공개로 바꾼 뒤 "
        "다시 올리세요.",
        f"Column '{column}' seems to hold {label_en}s, which a public dataset cannot publish without "
        f"a recorded legal basis — {p['explanation_en']}. Record the dataset's legal basis or make it "
        "non-public, then upload again.",
        file=filename,
        column=column,
    )


@dataclass
class RescanReport:
    versions: int = 0
    columns: int = 0
    findings: int = 0
    changed: list[str] = field(default_factory=list)  # "dataset/resource@v2:column: kind → kind"


class PersonalDataService:
    def __init__(
        self, *, store: MetadataStore, lake: Lake, sampler: ColumnSampler, sample_size: int = 1000
    ) -> None:
        self.store = store
        self.lake = lake
        self.sampler = sampler
        self.sample_size = sample_size
        # called with the dataset's id after an owner's decision (the bootstrap attaches the reindex)
        self.on_decision: Callable[[int], None] | None = None
        # called with the dataset's id when findings on published versions changed (a decision, a
        # re-run): the bootstrap attaches ResourceService.protect_personal, which seals identifiers
        self.on_findings: Callable[[int], object] | None = None

    def _editable(self, actor: Actor, name: str) -> Dataset:
        """The dataset when the actor edits it; NotFound when they may not even read it."""
        dataset = self.store.find_dataset(name)
        if dataset is None or not can_read(actor, dataset):
            raise NotFound.of("데이터셋", "Dataset", name)
        if not can_edit(actor, dataset):
            raise PermissionDenied(
                "이 데이터셋의 개인정보 탐지 결과를 다룰 권한이 없습니다 (소유 기관의 편집자만).",
                "Only editors of the owning organisation may handle this dataset's personal-data findings.",
            )
        return dataset

    # -- scanning ---------------------------------------------------------------------------------
    def scan(
        self, parquet: Path, columns: list[dict[str, Any]], before: list[dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        """``columns`` with a ``personal`` entry on each column that holds personal data.

        ``before`` are the same resource's columns as last recorded (the previous version's, or this
        version's own on a re-run): decisions on columns of the same name carry over.
        """
        earlier = {str(c.get("name")): c.get("personal") for c in before or [] if c.get("personal")}
        names = [str(c["name"]) for c in columns if c.get("type", "text") in SCANNED_TYPES]
        samples = self.sampler.sample_values(parquet, names, limit=self.sample_size) if names else {}
        out = []
        for col in columns:
            name = str(col["name"])
            finding = classify_column(str(col.get("original_name") or name), samples.get(name, []))
            if finding is None and col.get("original_name") and col.get("original_name") != name:
                finding = classify_column(name, samples.get(name, []))
            entry = merge_decision(finding, earlier.get(name))
            new = {k: v for k, v in col.items() if k != "personal"}
            if entry is not None:
                new["personal"] = entry
            out.append(new)
        return out

    def scan_ingest(
        self,
        dataset: Dataset,
        parquet: Path,
        columns: list[dict[str, Any]],
        previous: Version | None,
        filename: str,
    ) -> list[dict[str, Any]]:
        """The scan at ingest; refuses a version that would put unique identifiers into a public
        dataset without a legal basis (nothing is published then)."""
        scanned = self.scan(parquet, columns, previous.columns if previous else None)
        for col in scanned:  # the profile shows every reader sample values: not those of personal columns
            if personal_shown(col):
                col.update(REDACTED_PROFILE)
        if dataset.visibility is Visibility.PUBLIC and not dataset.legal_basis.strip():
            for col in scanned:
                p = col.get("personal") or {}
                if p.get("status") in ("suspected", "confirmed") and p.get("kind") in UNIQUE_IDENTIFIERS:
                    raise _public_identifier_error(str(col["name"]), p, filename)
        return scanned

    def rescan(
        self, actor: Actor, dataset_name: str | None = None, *, all_versions: bool = False
    ) -> RescanReport:
        """Run the current rules again over the current versions (or every version) of one dataset
        (its editors) or of every dataset (sysadmins); decisions are kept."""
        if dataset_name is not None:
            dataset = self._editable(actor, dataset_name)
            ids = [dataset.id]
        else:
            if not actor.sysadmin:
                raise PermissionDenied(
                    "모든 데이터셋의 재검사는 시스템 관리자만 할 수 있습니다.",
                    "Only system administrators may re-run the scan over every dataset.",
                )
            ids = self.store.all_dataset_ids()
        report = RescanReport()
        touched: set[int] = set()
        for dataset_id in ids:
            ds = self.store.find_dataset_by_id(dataset_id)
            if ds is None:
                continue
            for resource in self.store.list_resources(ds.id):
                versions = self.store.list_versions(resource.id) if all_versions else [resource.current]
                for version in versions:
                    if version is None or not version.is_table or version.parquet_key is None:
                        continue
                    if self._rescan_version(ds, resource, version, report):
                        touched.add(ds.id)
        for dataset_id in sorted(touched):
            if self.on_findings is not None:
                self.on_findings(dataset_id)
        return report

    def _rescan_version(
        self, ds: Dataset, resource: Resource, version: Version, report: RescanReport
    ) -> bool:
        """Scan one version again; True when a finding changed."""
        assert version.parquet_key is not None
        scanned = self.scan(self.lake.local_path(version.parquet_key), version.columns, version.columns)
        report.versions += 1
        report.columns += len(scanned)
        changes: dict[str, dict[str, Any] | None] = {}
        for old, new in zip(version.columns, scanned, strict=True):
            before, after = old.get("personal"), new.get("personal")
            if after is not None:
                report.findings += 1
            if before != after:
                changes[str(new["name"])] = after
                b = (before or {}).get("kind", "—")
                a = (after or {}).get("kind", "—")
                if b != a:
                    report.changed.append(
                        f"{ds.name}/{resource.name}@v{version.number}:{new['name']}: {b} → {a}"
                    )
        if changes:
            self.store.set_column_personal(version.id, changes)
        return bool(changes)

    # -- decisions --------------------------------------------------------------------------------
    def decide(
        self,
        actor: Actor,
        dataset_name: str,
        resource_name: str,
        column: str,
        status: str,
        *,
        kind: str | None = None,
    ) -> dict[str, Any]:
        """Confirm or dismiss the finding on a column of the current version (editors of the owner).

        Confirming a column the detector missed needs ``kind``.
        """
        dataset = self._editable(actor, dataset_name)
        if status not in DECISIONS:
            raise InvalidInput(
                "status는 confirmed 또는 dismissed입니다.",
                "status must be confirmed or dismissed.",
                [FieldError("status", "confirmed 또는 dismissed", "confirmed or dismissed")],
            )
        resource = self.store.find_resource(dataset.id, resource_name)
        if resource is None:
            raise NotFound.of("리소스", "Resource", resource_name)
        version = resource.current
        if version is None or not version.is_table:
            raise NotFound("아직 게시된 표 형식 버전이 없습니다.", "No table version has been published yet.")
        col = next((c for c in version.columns if c.get("name") == column), None)
        if col is None:
            raise NotFound.of("열", "Column", column)
        current = dict(col.get("personal") or {})
        if kind is not None:
            try:
                kind = str(PersonalKind(kind))
            except ValueError:
                allowed = ", ".join(k.value for k in PersonalKind)
                raise InvalidInput(
                    f"알 수 없는 개인정보 종류입니다: {kind} ({allowed})",
                    f"Unknown kind of personal data: {kind} (use {allowed})",
                    [FieldError("kind", "알 수 없는 종류", "unknown kind")],
                ) from None
        if not current:
            if status == "dismissed":
                raise InvalidInput(
                    f"열 '{column}'에는 기각할 탐지 결과가 없습니다.",
                    f"Column '{column}' has no finding to dismiss.",
                )
            if kind is None:
                raise InvalidInput(
                    f"열 '{column}'에는 탐지 결과가 없습니다. 개인정보로 표시하려면 종류(kind)를 정하세요.",
                    f"Column '{column}' has no finding; give the kind to mark it personal.",
                    [FieldError("kind", "종류가 필요합니다", "kind is required")],
                )
            label, label_en = kind_label(kind), kind_label(kind, "en")
            current = {
                "kind": kind,
                "confidence": 1.0,
                "explanation": f"데이터 담당자가 이 열을 {label}(으)로 표시했습니다",
                "explanation_en": f"The data owner marked this column as {label_en}",
                "counts": {},
                "header_hint": False,
                "unique_identifier": kind in UNIQUE_IDENTIFIERS,
                "rules": RULES_VERSION,
            }
        elif kind is not None and kind != current.get("kind"):
            if status == "dismissed":
                raise InvalidInput(
                    "기각할 때는 종류를 바꿀 수 없습니다.", "The kind cannot be changed when dismissing."
                )
            current.update(kind=kind, unique_identifier=kind in UNIQUE_IDENTIFIERS, confidence=1.0)
        current.update(status=status, decided_by=actor.username, decided_at=datetime.now(UTC).isoformat())
        self.store.set_column_personal(version.id, {column: current})
        if self.on_findings is not None:  # sealed and redacted before the answer says "confirmed"
            self.on_findings(dataset.id)
        if self.on_decision is not None:
            self.on_decision(
                dataset.id
            )  # a confirmed column leaves the search terms (and a dismissed one returns)
        return current
