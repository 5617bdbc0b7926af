"""Evidence packs: a query pinned to exact versions, its numbers, chart and narrative.

Creating a pack runs the query under the creator's rights, rewrites every table
reference to the exact version it read (``"population"."census@v3"``), runs the
pinned SQL and keeps its result. The pack never changes after that; its id is
its permanent URL. Re-running it replaces each pin with the table's current
version, runs under the *viewer's* rights and compares with the stored numbers
(the evidence drift).

A pack is visible to its owner, to the users it is shared with and to
sysadmins — and only while the viewer may read every table it pinned; to anyone
else it does not exist (404, like a missing one).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from hubcity.domain.accounts import Actor
from hubcity.domain.charts import ChartOptions, check_options
from hubcity.domain.evidence import Drift, EvidencePack, NewerVersion, PinnedTable, compare_results
from hubcity.domain.query import QueryResult, TableRef
from hubcity.errors import (
    AuthenticationFailed,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PlatformError,
)
from hubcity.ports import EvidenceDocumentWriter, MetadataStore, SqlRewriter
from hubcity.services.charts import ChartData, ChartService
from hubcity.services.query import QueryService

__all__ = ["EVIDENCE_ROWS", "EvidenceService", "Rerun"]

EVIDENCE_ROWS = 1000  # result rows a pack keeps (and compares)


@dataclass(frozen=True)
class Rerun:
    sql: str  # the unpinned SQL that ran
    result: QueryResult
    drift: Drift


def _pinned_ref(pin: PinnedTable) -> TableRef:
    return TableRef(None, pin.dataset, f"{pin.resource}@v{pin.version}")


class EvidenceService:
    def __init__(
        self,
        *,
        store: MetadataStore,
        query: QueryService,
        charts: ChartService,
        rewriter: SqlRewriter,
        writer: EvidenceDocumentWriter,
    ) -> None:
        self.store = store
        self.query = query
        self.charts = charts
        self.rewriter = rewriter
        self.writer = writer

    # -- creating ----------------------------------------------------------------------------
    def pin(self, actor: Actor, sql: str) -> tuple[str, list[PinnedTable]]:
        """``sql`` with every table it reads pinned to the version it reads now, and the pins."""
        names: dict[TableRef, TableRef] = {}
        pins: list[PinnedTable] = []
        for ref in self.query.tables_of(sql):
            if ref.schema is None and not ref.name.isdigit():
                continue  # a CTE; DuckDB answers for unknown names
            bound = self.query.bind_table(actor, ref)
            if bound is None:
                continue  # not the actor's to read: the run below fails as for a missing table
            table, _, number = bound.label.rpartition("@v")
            dataset, _, resource = table.partition(".")
            pin = PinnedTable(ref=str(ref), dataset=dataset, resource=resource, version=int(number))
            names[ref] = _pinned_ref(pin)
            if pin not in pins:
                pins.append(pin)
        if not pins:
            raise InvalidInput(
                "증거 자료의 쿼리는 허브의 표를 하나 이상 읽어야 합니다.",
                "An evidence pack's query must read at least one of the hub's tables.",
                [FieldError("sql", "허브의 표를 읽는 SQL을 쓰세요.", "Write SQL that reads hub tables.")],
            )
        return self.rewriter.rename_tables(sql, names), pins

    def create_pack(
        self,
        actor: Actor,
        *,
        title: str,
        sql: str,
        narrative: str = "",
        chart: ChartOptions | None = None,
        shared_with: list[str] | None = None,
        shared: bool = False,
    ) -> EvidencePack:
        if actor.user_id is None:
            raise AuthenticationFailed("증거 자료를 만들려면 로그인하세요.", "Sign in to make a pack.")
        errors = []
        title, sql = title.strip(), sql.strip()
        if not title or len(title) > 200:
            errors.append(FieldError("title", "제목은 1~200자입니다.", "The title is 1 to 200 characters."))
        if not sql or len(sql) > 100_000:
            errors.append(FieldError("sql", "SQL이 비어 있거나 너무 깁니다.", "Empty or too long SQL."))
        if len(narrative) > 20_000:
            errors.append(FieldError("narrative", "설명은 2만 자까지입니다.", "At most 20,000 characters."))
        users = [u.strip() for u in shared_with or [] if u.strip()]
        for name in users:
            if self.store.find_user(name) is None:
                errors.append(
                    FieldError(
                        "shared_with", f"사용자 '{name}'이(가) 없습니다.", f"There is no user '{name}'."
                    )
                )
        if errors:
            raise InvalidInput("증거 자료의 입력값이 올바르지 않습니다.", "The pack is invalid.", errors)
        self.query.run(actor, sql, max_rows=0)  # the query must run as written, under the actor's rights
        pinned_sql, pins = self.pin(actor, sql)
        result = self.query.run(actor, pinned_sql, max_rows=EVIDENCE_ROWS)
        options = check_options(chart, result.columns).as_dict() if chart is not None else None
        return self.store.create_evidence_pack(
            {
                "id": uuid.uuid4().hex[:16],
                "title": title,
                "narrative": narrative.strip(),
                "owner_id": actor.user_id,
                "shared_with": list(dict.fromkeys(users)),
                "shared": shared,
                "sql": sql,
                "pinned_sql": pinned_sql,
                "pinned": [p.__dict__ for p in pins],
                "chart": options,
                "result": {"columns": result.columns, "rows": result.rows, "truncated": result.truncated},
                "created_at": datetime.now(UTC),
            }
        )

    # -- reading -----------------------------------------------------------------------------
    def get_pack(self, actor: Actor, pack_id: str) -> EvidencePack:
        pack = self.store.find_evidence_pack(pack_id)
        if pack is None or not self._may_see(actor, pack):
            raise NotFound.of("증거 자료", "Evidence pack", pack_id)
        return pack

    def _may_see(self, actor: Actor, pack: EvidencePack) -> bool:
        if not (
            actor.sysadmin
            or (actor.user_id is not None and pack.owner_id == actor.user_id)
            or (actor.username is not None and actor.username in pack.shared_with)
            or pack.shared
        ):
            return False
        try:
            return all(self.query.bind_table(actor, _pinned_ref(p)) is not None for p in pack.pinned)
        except PlatformError:
            return False

    def share_pack(self, actor: Actor, pack_id: str, shared: bool) -> EvidencePack:
        """Open the pack to anyone with its link who may read every table it pins (or close it
        again); only its owner may."""
        pack = self.get_pack(actor, pack_id)
        if pack.owner_id != actor.user_id:
            raise PermissionDenied(
                "자기가 만든 증거 자료만 공유 설정을 바꿀 수 있습니다.", "Only the pack's owner may share it."
            )
        done = self.store.share_evidence_pack(pack.id, shared)
        if done is None:
            raise NotFound.of("증거 자료", "Evidence pack", pack_id)
        return done

    def list_packs(self, actor: Actor) -> list[EvidencePack]:
        if actor.user_id is None or actor.username is None:
            return []
        packs = self.store.list_evidence_packs(actor.user_id, actor.username)
        return [p for p in packs if self._may_see(actor, p)]

    def chart(self, actor: Actor, pack_id: str, *, lang: str = "ko") -> ChartData | None:
        """The pack's chart over its pinned (unchanging) data, or None when it has none."""
        pack = self.get_pack(actor, pack_id)
        if pack.chart is None:
            return None
        return self.charts.data(actor, pack.pinned_sql, ChartOptions.of(pack.chart), lang=lang)

    def png(self, actor: Actor, pack_id: str) -> bytes:
        data = self.chart(actor, pack_id)
        if data is None:
            raise NotFound.of("증거 자료의 차트", "Chart of evidence pack", pack_id)
        return self.charts.png(data)

    def pdf(self, actor: Actor, pack_id: str, *, url: str) -> bytes:
        pack = self.get_pack(actor, pack_id)
        data = self.chart(actor, pack_id)
        return self.writer.pdf(pack, chart_png=self.charts.png(data) if data else None, url=url)

    # -- drift -------------------------------------------------------------------------------
    def rerun(self, actor: Actor, pack_id: str) -> Rerun:
        """The same SQL on the newest versions, under the viewer's rights, against the stored numbers."""
        pack = self.get_pack(actor, pack_id)
        current = {_pinned_ref(p): TableRef(None, p.dataset, p.resource) for p in pack.pinned}
        sql = self.rewriter.rename_tables(pack.pinned_sql, current)
        result = self.query.run(actor, sql, max_rows=EVIDENCE_ROWS)
        drift = compare_results(pack.columns, pack.rows, result.columns, result.rows)
        newer = []
        for pin in pack.pinned:
            bound = self.query.bind_table(actor, TableRef(None, pin.dataset, pin.resource))
            if bound is None:
                continue
            newest = int(bound.label.rpartition("@v")[2])
            if newest != pin.version:
                newer.append(NewerVersion(pin.dataset, pin.resource, pin.version, newest))
        return Rerun(
            sql=sql,
            result=result,
            drift=Drift(
                cells=drift.cells,
                added_rows=drift.added_rows,
                removed_rows=drift.removed_rows,
                columns_added=drift.columns_added,
                columns_removed=drift.columns_removed,
                newer=newer,
            ),
        )
