"""SqlAgreementStore: agreements, the datasets in their scope and their transfer records.

On SQLAlchemy 2 (SQLite or PostgreSQL); each method is one transaction and rows never
leave this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from hubcity.adapters.db.tables import AgreementDatasetRow, AgreementRow, AgreementTransferRow
from hubcity.adapters.db.times import aware as _aware
from hubcity.adapters.db.times import stamp as _at
from hubcity.domain.agreements import Agreement, AgreementDataset, Contact, Direction, Transfer
from hubcity.errors import NotFound

__all__ = ["SqlAgreementStore"]


def _agreement(row: AgreementRow) -> Agreement:
    contacts = row.contacts or {}
    return Agreement(
        id=row.id,
        title=row.title,
        partner_org_id=row.partner_org_id,
        partner_org_slug=row.partner_org.slug,
        partner_org_title=row.partner_org.title,
        city_org_id=row.city_org_id,
        city_org_slug=row.city_org.slug,
        city_org_title=row.city_org.title,
        datasets=tuple(
            AgreementDataset(
                id=d.dataset_id,
                name=d.dataset.name,
                title=d.dataset.title,
                owner_org_id=d.dataset.owner_org_id,
            )
            for d in row.datasets
        ),
        purpose=row.purpose,
        legal_basis=row.legal_basis,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        delete_after_days=row.delete_after_days,
        no_onward_transfer=row.no_onward_transfer,
        partner_contact=Contact.of(contacts.get("partner")),
        city_contact=Contact.of(contacts.get("city")),
        ended_early_at=_aware(row.ended_early_at),
        end_reason=row.end_reason or "",
        shared_at=_aware(row.shared_at),
        closed_at=_aware(row.closed_at),
        created_at=_at(row.created_at),
        created_by=row.created_by,
        updated_at=_at(row.updated_at),
    )


def _transfer(row: AgreementTransferRow) -> Transfer:
    return Transfer(
        id=row.id,
        agreement_id=row.agreement_id,
        direction=Direction(row.direction),
        dataset_id=row.dataset_id,
        dataset_name=row.dataset_name,
        resource_name=row.resource_name or "",
        version_number=row.version_number,
        official=row.official,
        case_no=row.case_no or "",
        at=_at(row.at),
        job_id=row.job_id,
        format=row.format or "",
        user_id=row.user_id,
        username=row.username,
    )


class SqlAgreementStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions.begin() as s:
            yield s

    # -- agreements ------------------------------------------------------------------------
    def create_agreement(self, fields: dict[str, Any], dataset_ids: list[int]) -> Agreement:
        with self._tx() as s:
            row = AgreementRow(**fields)
            row.datasets = [AgreementDatasetRow(dataset_id=i) for i in dict.fromkeys(dataset_ids)]
            s.add(row)
            s.flush()
            s.refresh(row)
            return _agreement(row)

    def find_agreement(self, agreement_id: int) -> Agreement | None:
        with self._tx() as s:
            row = s.get(AgreementRow, agreement_id)
            return _agreement(row) if row is not None else None

    def update_agreement(
        self, agreement_id: int, fields: dict[str, Any], dataset_ids: list[int] | None = None
    ) -> Agreement:
        """Change an agreement; ``dataset_ids`` (when given) becomes its scope, in that order."""
        with self._tx() as s:
            s.execute(select(AgreementRow.id).where(AgreementRow.id == agreement_id).with_for_update())
            row = s.get(AgreementRow, agreement_id)
            if row is None:
                raise NotFound.of("협약", "Agreement", str(agreement_id))
            for key, value in fields.items():
                setattr(row, key, value)
            if dataset_ids is not None:
                wanted = list(dict.fromkeys(dataset_ids))
                kept = [d for d in row.datasets if d.dataset_id in wanted]
                have = {d.dataset_id for d in kept}
                row.datasets = kept + [AgreementDatasetRow(dataset_id=i) for i in wanted if i not in have]
            s.flush()
            s.refresh(row)
            return _agreement(row)

    def list_agreements(
        self, *, org_ids: frozenset[int] | None = None, open_only: bool = False
    ) -> list[Agreement]:
        """Agreements one of ``org_ids`` is a party to (all when None), newest first; ``open_only``:
        those whose end has not been recorded yet."""
        stmt = select(AgreementRow)
        if org_ids is not None:
            ids = sorted(org_ids)
            stmt = stmt.where(or_(AgreementRow.partner_org_id.in_(ids), AgreementRow.city_org_id.in_(ids)))
        if open_only:
            stmt = stmt.where(AgreementRow.closed_at.is_(None))
        stmt = stmt.order_by(AgreementRow.id.desc())
        with self._tx() as s:
            return [_agreement(r) for r in s.scalars(stmt).unique()]

    def find_landing(self, partner_org_id: int, dataset_id: int, on: date) -> Agreement | None:
        """The newest agreement with this partner, in force on ``on``, that has the dataset in scope."""
        stmt = (
            select(AgreementRow)
            .join(AgreementDatasetRow, AgreementDatasetRow.agreement_id == AgreementRow.id)
            .where(
                AgreementRow.partner_org_id == partner_org_id,
                AgreementDatasetRow.dataset_id == dataset_id,
                AgreementRow.ended_early_at.is_(None),
                AgreementRow.starts_on <= on,
                AgreementRow.ends_on >= on,
            )
            .order_by(AgreementRow.id.desc())
            .limit(1)
        )
        with self._tx() as s:
            row = s.scalars(stmt).unique().first()
            return _agreement(row) if row is not None else None

    # -- transfers ---------------------------------------------------------------------------
    def add_transfer(self, fields: dict[str, Any]) -> Transfer:
        with self._tx() as s:
            row = AgreementTransferRow(**fields)
            s.add(row)
            s.flush()
            s.refresh(row)
            return _transfer(row)

    def update_transfer(self, transfer_id: int, fields: dict[str, Any]) -> Transfer:
        with self._tx() as s:
            row = s.get(AgreementTransferRow, transfer_id)
            if row is None:
                raise NotFound.of("전송 기록", "Transfer", str(transfer_id))
            for key, value in fields.items():
                setattr(row, key, value)
            s.flush()
            return _transfer(row)

    def list_transfers(self, agreement_id: int, limit: int = 500) -> list[Transfer]:
        """The agreement's transfers, newest first."""
        stmt = (
            select(AgreementTransferRow)
            .where(AgreementTransferRow.agreement_id == agreement_id)
            .order_by(AgreementTransferRow.at.desc(), AgreementTransferRow.id.desc())
            .limit(limit)
        )
        with self._tx() as s:
            return [_transfer(r) for r in s.scalars(stmt)]
