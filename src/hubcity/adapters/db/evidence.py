"""Storage of charts, dashboards (with their tiles) and evidence packs.

``SqlStore`` takes these methods in (``class SqlStore(EvidenceStore)``); they
share its sessions. Rows turn into domain objects at this boundary.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hubcity.adapters.db.tables import ChartRow, DashboardRow, DashboardTileRow, EvidencePackRow
from hubcity.adapters.db.times import stamp as _aware
from hubcity.domain.charts import Chart, ChartOptions, Dashboard, Tile
from hubcity.domain.evidence import EvidencePack, PinnedTable
from hubcity.errors import NotFound

__all__ = ["EvidenceStore"]


def _owner_name(row: ChartRow | DashboardRow | EvidencePackRow) -> str:
    return row.owner.display_name or row.owner.username


def _chart(row: ChartRow) -> Chart:
    return Chart(
        id=row.id,
        title=row.title,
        owner_id=row.owner_id,
        owner_name=_owner_name(row),
        shared=row.shared,
        sql=row.sql,
        source=row.source,
        options=ChartOptions.of(dict(row.options or {})),
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
    )


def _tile(row: DashboardTileRow) -> Tile:
    return Tile(
        id=row.id,
        dashboard_id=row.dashboard_id,
        position=row.position,
        kind=row.kind,
        title=row.title,
        chart_id=row.chart_id,
        sql=row.sql,
        width=row.width,
    )


def _dashboard(s: Session, row: DashboardRow) -> Dashboard:
    tiles = s.scalars(
        select(DashboardTileRow)
        .where(DashboardTileRow.dashboard_id == row.id)
        .order_by(DashboardTileRow.position, DashboardTileRow.id)
    )
    return Dashboard(
        id=row.id,
        title=row.title,
        description=row.description,
        owner_id=row.owner_id,
        owner_name=_owner_name(row),
        shared=row.shared,
        filters=[str(f) for f in row.filters or []],
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
        tiles=[_tile(t) for t in tiles],
    )


def _pack(row: EvidencePackRow) -> EvidencePack:
    result = dict(row.result or {})
    return EvidencePack(
        id=row.id,
        title=row.title,
        narrative=row.narrative,
        owner_id=row.owner_id,
        owner_name=_owner_name(row),
        shared_with=[str(u) for u in row.shared_with or []],
        sql=row.sql,
        pinned_sql=row.pinned_sql,
        pinned=[PinnedTable(**p) for p in row.pinned or []],
        chart=dict(row.chart) if row.chart else None,
        columns=list(result.get("columns", [])),
        rows=list(result.get("rows", [])),
        truncated=bool(result.get("truncated", False)),
        created_at=_aware(row.created_at),
        shared=bool(row.shared),
    )


class EvidenceStore:
    def _tx(self) -> AbstractContextManager[Session]:  # SqlStore's
        raise NotImplementedError

    # -- charts ------------------------------------------------------------------------------
    def create_chart(self, fields: dict[str, Any]) -> Chart:
        with self._tx() as s:
            row = ChartRow(**fields)
            s.add(row)
            s.flush()
            s.refresh(row)
            return _chart(row)

    def find_chart(self, chart_id: str) -> Chart | None:
        with self._tx() as s:
            row = s.get(ChartRow, chart_id)
            return _chart(row) if row else None

    def list_charts(self, owner_id: int) -> list[Chart]:
        with self._tx() as s:
            rows = s.scalars(
                select(ChartRow).where(ChartRow.owner_id == owner_id).order_by(ChartRow.updated_at.desc())
            )
            return [_chart(r) for r in rows]

    def update_chart(self, chart_id: str, fields: dict[str, Any]) -> Chart:
        with self._tx() as s:
            row = s.get(ChartRow, chart_id)
            if row is None:
                raise NotFound.of("차트", "Chart", chart_id)
            for key, value in fields.items():
                setattr(row, key, value)
            s.flush()
            return _chart(row)

    def delete_chart(self, chart_id: str) -> None:
        with self._tx() as s:
            s.execute(delete(DashboardTileRow).where(DashboardTileRow.chart_id == chart_id))
            s.execute(delete(ChartRow).where(ChartRow.id == chart_id))

    # -- dashboards --------------------------------------------------------------------------
    def create_dashboard(self, fields: dict[str, Any]) -> Dashboard:
        with self._tx() as s:
            row = DashboardRow(**fields)
            s.add(row)
            s.flush()
            s.refresh(row)
            return _dashboard(s, row)

    def find_dashboard(self, dashboard_id: str) -> Dashboard | None:
        with self._tx() as s:
            row = s.get(DashboardRow, dashboard_id)
            return _dashboard(s, row) if row else None

    def list_dashboards(self, owner_id: int) -> list[Dashboard]:
        with self._tx() as s:
            rows = s.scalars(
                select(DashboardRow)
                .where(DashboardRow.owner_id == owner_id)
                .order_by(DashboardRow.updated_at.desc())
            ).all()
            return [_dashboard(s, r) for r in rows]

    def update_dashboard(self, dashboard_id: str, fields: dict[str, Any]) -> Dashboard:
        with self._tx() as s:
            row = s.get(DashboardRow, dashboard_id)
            if row is None:
                raise NotFound.of("대시보드", "Dashboard", dashboard_id)
            for key, value in fields.items():
                setattr(row, key, value)
            s.flush()
            return _dashboard(s, row)

    def delete_dashboard(self, dashboard_id: str) -> None:
        with self._tx() as s:
            s.execute(delete(DashboardTileRow).where(DashboardTileRow.dashboard_id == dashboard_id))
            s.execute(delete(DashboardRow).where(DashboardRow.id == dashboard_id))

    def add_tile(self, dashboard_id: str, fields: dict[str, Any]) -> Tile:
        with self._tx() as s:
            last = s.scalar(
                select(func.max(DashboardTileRow.position)).where(
                    DashboardTileRow.dashboard_id == dashboard_id
                )
            )
            row = DashboardTileRow(dashboard_id=dashboard_id, position=(last or 0) + 1, **fields)
            s.add(row)
            s.flush()
            return _tile(row)

    def update_tile(self, dashboard_id: str, tile_id: int, fields: dict[str, Any]) -> Tile | None:
        with self._tx() as s:
            row = s.get(DashboardTileRow, tile_id)
            if row is None or row.dashboard_id != dashboard_id:
                return None
            for key, value in fields.items():
                setattr(row, key, value)
            s.flush()
            return _tile(row)

    def order_tiles(self, dashboard_id: str, tile_ids: list[int]) -> None:
        """Number the dashboard's tiles 1, 2, … in the order given."""
        with self._tx() as s:
            for n, tile_id in enumerate(tile_ids, 1):
                s.execute(
                    update(DashboardTileRow)
                    .where(DashboardTileRow.dashboard_id == dashboard_id, DashboardTileRow.id == tile_id)
                    .values(position=n)
                )

    def delete_tile(self, dashboard_id: str, tile_id: int) -> bool:
        with self._tx() as s:
            done = s.execute(
                delete(DashboardTileRow).where(
                    DashboardTileRow.dashboard_id == dashboard_id, DashboardTileRow.id == tile_id
                )
            )
            return bool(getattr(done, "rowcount", 0))

    # -- evidence packs ----------------------------------------------------------------------
    def create_evidence_pack(self, fields: dict[str, Any]) -> EvidencePack:
        with self._tx() as s:
            row = EvidencePackRow(**fields)
            s.add(row)
            s.flush()
            s.refresh(row)
            return _pack(row)

    def find_evidence_pack(self, pack_id: str) -> EvidencePack | None:
        with self._tx() as s:
            row = s.get(EvidencePackRow, pack_id)
            return _pack(row) if row else None

    def share_evidence_pack(self, pack_id: str, shared: bool) -> EvidencePack | None:
        with self._tx() as s:
            row = s.get(EvidencePackRow, pack_id)
            if row is None:
                return None
            row.shared = shared
            s.flush()
            return _pack(row)

    def list_evidence_packs(self, owner_id: int, username: str) -> list[EvidencePack]:
        """The owner's packs and, newest first, those shared with ``username``."""
        with self._tx() as s:
            rows = s.scalars(select(EvidencePackRow).order_by(EvidencePackRow.created_at.desc()).limit(500))
            packs = [_pack(r) for r in rows]
        return [p for p in packs if p.owner_id == owner_id or username in p.shared_with]

    def delete_evidence_pack(self, pack_id: str) -> None:
        with self._tx() as s:
            s.execute(delete(EvidencePackRow).where(EvidencePackRow.id == pack_id))
