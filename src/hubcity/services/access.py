"""Access requests, decisions and grants, and the view of each version a reader gets.

A request names a dataset, a purpose, the columns needed and an end date; the owner
organisation's admins decide within ``due_days`` (20 by default): provide, provide in part
(fewer columns, a row filter, pseudonymised or generalised columns) or refuse with a reason.
A decision to provide creates a grant. Grants end by themselves: every check compares the
grant's period with the clock, so an expired grant stops working on every surface at once,
and its pseudonymised copies are destroyed by the periodic clean-up.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hubcity.domain.accounts import Actor, Role
from hubcity.domain.datasets import Dataset, Resource, Version, Visibility, can_read
from hubcity.domain.grants import (
    AccessRequest,
    Decision,
    Grant,
    RequestStatus,
    Transform,
    ViewSpec,
    filter_dict,
    full_access,
    hidden_columns,
    parse_row_filter,
    parse_transform,
    restrict,
    view_for,
)
from hubcity.domain.koreatime import day_end, korean_today
from hubcity.domain.notices import request_decided, request_due_soon, request_overdue, request_waiting
from hubcity.domain.personal import sealed_names
from hubcity.domain.query import RowFilter
from hubcity.errors import (
    AuthenticationFailed,
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from hubcity.ports import GrantStore, Lake, MetadataStore, ViewMaker
from hubcity.services.audit import AuditService
from hubcity.services.notices import NoticeService

__all__ = ["AccessService", "DepartmentBoard", "pseudonym_master_key"]

log = logging.getLogger(__name__)
# transformations after which a unique identifier is no longer one (PIPA: pseudonymised or masked)
_DE_IDENTIFY = frozenset({"pseudonym", "mask"})


def pseudonym_master_key(secret_key: str, explicit: str | None) -> bytes:
    if explicit:
        return explicit.encode("utf-8")
    return hmac.new(secret_key.encode("utf-8"), b"hubcity pseudonym keys", hashlib.sha256).digest()


@dataclass(frozen=True)
class DepartmentBoard:
    """One owner organisation's open requests: how many, overdue, due soon."""

    org_id: int
    org_title: str
    pending: int
    overdue: int
    due_soon: int
    requests: list[AccessRequest]


class AccessService:
    def __init__(
        self,
        *,
        store: GrantStore,
        meta: MetadataStore,
        lake: Lake,
        views: ViewMaker,
        master_key: bytes,
        due_days: int = 20,
        remind_days: int = 3,
        max_grant_days: int = 366 * 3,
        audit: AuditService | None = None,
    ) -> None:
        self.store = store
        self.meta = meta
        self.lake = lake
        self.views = views
        self._master = master_key
        self.due_days = due_days
        self.remind_days = remind_days
        self.max_grant_days = max_grant_days
        self.audit = audit
        self.notices: NoticeService | None = None  # set by bootstrap: the inbox and mail of reminders

    # -- who holds what ------------------------------------------------------------------------
    def granted_ids(self, actor: Actor, now: datetime | None = None) -> frozenset[int]:
        if not actor.authenticated:
            return frozenset()
        return self.store.granted_dataset_ids(actor.user_id, frozenset(actor.roles), now or datetime.now(UTC))

    def with_grants(self, actor: Actor) -> Actor:
        """The actor with the datasets they hold active grants on (checked at every request)."""
        if not actor.authenticated:
            return actor
        return replace(actor, granted=self.granted_ids(actor))

    def grant_of(self, actor: Actor, dataset: Dataset, now: datetime | None = None) -> Grant | None:
        """The grant that governs the actor's view of a dataset: their own before their organisation's,
        the newest first."""
        if dataset.id not in actor.granted or not actor.authenticated:
            return None
        grants = self.store.list_grants(
            dataset_id=dataset.id,
            holder=(actor.user_id, frozenset(actor.roles)),
            active_at=now or datetime.now(UTC),
        )
        if not grants:
            return None
        return sorted(grants, key=lambda g: (g.grantee_user_id is None, -g.id))[0]

    # -- views ---------------------------------------------------------------------------------
    def spec(self, actor: Actor, dataset: Dataset, version: Version) -> ViewSpec | None:
        """What the actor sees of a version (None: all of it)."""
        if full_access(actor, dataset):
            return None
        grant = self.grant_of(actor, dataset)
        readable = dataset.visibility is Visibility.PUBLIC or (
            dataset.visibility is Visibility.INTERNAL and actor.staff
        )
        return view_for(actor, dataset, version, grant, readable=readable)

    def shown(self, actor: Actor, dataset: Dataset, version: Version | None) -> Version | None:
        """The version's description as the actor may see it (columns left out are absent)."""
        if version is None:
            return None
        return restrict(version, self.spec(actor, dataset, version))

    def shown_resources(self, actor: Actor, dataset: Dataset, resources: list[Resource]) -> list[Resource]:
        if full_access(actor, dataset):
            return resources
        return [replace(r, current=self.shown(actor, dataset, r.current)) for r in resources]

    def data(self, actor: Actor, dataset: Dataset, version: Version) -> tuple[Version, Path, bool]:
        """(the version as shown, the file to read, whether it is a view) — the view file is made
        when first needed."""
        source = self.lake.local_path(version.parquet_key or "")
        spec = self.spec(actor, dataset, version)
        if spec is None or version.parquet_key is None:
            return version, source, False
        path, rows = self.views.make(source, version.id, spec, self._key(spec.key_salt))
        shown = replace(restrict(version, spec), row_count=rows)
        return shown, path, True

    def _key(self, salt: str) -> bytes:
        return hmac.new(self._master, f"grant:{salt}".encode(), hashlib.sha256).digest()

    # -- requests ------------------------------------------------------------------------------
    def _dataset(self, actor: Actor, name: str) -> Dataset:
        dataset = self.meta.find_dataset(name)
        if dataset is None:
            raise NotFound.of("데이터셋", "Dataset", name)
        if not can_read(actor, dataset) and not actor.roles:
            # a restricted dataset's name is known to organisation members who were told it; to
            # everyone else it does not exist
            raise NotFound.of("데이터셋", "Dataset", name)
        return dataset

    def request_access(
        self,
        actor: Actor,
        *,
        dataset: str,
        purpose: str,
        ends_on: date | str | None,
        columns: list[str] | None = None,
        org: str | None = None,
        today: date | None = None,
    ) -> AccessRequest:
        if not actor.authenticated or actor.user_id is None:
            raise AuthenticationFailed("접근을 요청하려면 로그인하세요.", "Sign in to request access.")
        ds = self._dataset(actor, dataset)
        today = today or korean_today()
        errors: list[FieldError] = []
        purpose = (purpose or "").strip()
        if not 5 <= len(purpose) <= 5000:
            errors.append(
                FieldError(
                    "purpose", "이용 목적을 5~5000자로 쓰세요.", "Write the purpose in 5 to 5000 characters."
                )
            )
        end = _date(ends_on, "ends_on", errors)
        if end is not None and end <= today:
            errors.append(
                FieldError("ends_on", "종료일은 오늘 이후여야 합니다.", "The end date must be after today.")
            )
        elif end is not None and (end - today).days > self.max_grant_days:
            errors.append(
                FieldError(
                    "ends_on",
                    f"이용 기간은 {self.max_grant_days}일까지입니다.",
                    f"The period may run at most {self.max_grant_days} days.",
                )
            )
        org_id = None
        if org:
            found = self.meta.find_org(org)
            if found is None or found.id not in actor.roles:
                errors.append(
                    FieldError(
                        "org", "소속된 기관만 고를 수 있습니다.", "Choose an organisation you belong to."
                    )
                )
            else:
                org_id = found.id
        if full_access(actor, ds):
            errors.append(
                FieldError(
                    "dataset",
                    "소유 기관의 구성원은 이미 모든 열을 볼 수 있습니다.",
                    "Members of the owning organisation already see every column.",
                )
            )
        cols = [str(c).strip() for c in columns or [] if str(c).strip()]
        if errors:
            raise InvalidInput(
                "접근 요청의 입력값이 올바르지 않습니다.", "The access request is invalid.", errors
            )
        assert end is not None
        now = datetime.now(UTC)
        req = self.store.create_request(
            {
                "dataset_id": ds.id,
                "requester_id": actor.user_id,
                "org_id": org_id,
                "purpose": purpose,
                "columns": list(dict.fromkeys(cols)),
                "ends_on": end,
                "status": str(RequestStatus.PENDING),
                "due_on": today + timedelta(days=self.due_days),
                "created_at": now,
                "reason": "",
            }
        )
        self._audit(
            actor,
            "access.request",
            req.dataset_id,
            object_id=str(req.id),
            purpose=purpose,
            columns=req.columns,
            details={"ends_on": end.isoformat()},
        )
        if self.notices is not None:
            self.notices.notify(self.notices.org_admins(req.owner_org_id), request_waiting(req))
        return req

    def _may_decide(self, actor: Actor, owner_org_id: int) -> bool:
        return actor.sysadmin or actor.roles.get(owner_org_id) is Role.ADMIN

    def get_request(self, actor: Actor, request_id: int) -> AccessRequest:
        req = self.store.find_request(request_id)
        if req is None or not (
            req.requester_id == actor.user_id
            or self._may_decide(actor, req.owner_org_id)
            or req.owner_org_id in actor.roles
        ):
            raise NotFound.of("접근 요청", "Access request", str(request_id))
        return req

    def list_requests(
        self, actor: Actor, *, box: str = "mine", status: str | None = None
    ) -> list[AccessRequest]:
        """``mine``: what the actor asked; ``decide``: what their organisations are asked."""
        if not actor.authenticated:
            raise AuthenticationFailed("로그인하세요.", "Sign in first.")
        if status is not None and status not in {str(s) for s in RequestStatus}:
            raise InvalidInput(
                f"알 수 없는 상태입니다: {status}",
                f"Unknown status: {status}",
                [FieldError("status", "알 수 없는 상태", "unknown status")],
            )
        if box == "decide":
            owners = None if actor.sysadmin else frozenset(actor.roles)
            return self.store.list_requests(owner_org_ids=owners, status=status)
        if box != "mine":
            raise InvalidInput(
                "box는 mine 또는 decide입니다.",
                "box is mine or decide.",
                [FieldError("box", "mine|decide", "mine|decide")],
            )
        return self.store.list_requests(requester_id=actor.user_id, status=status)

    def withdraw(self, actor: Actor, request_id: int) -> AccessRequest:
        req = self.get_request(actor, request_id)
        if req.requester_id != actor.user_id:
            raise PermissionDenied("요청한 사람만 철회할 수 있습니다.", "Only the requester may withdraw it.")
        if not req.status.open:
            raise Conflict("이미 결정된 요청입니다.", "The request has already been decided.")
        return self.store.update_request(
            req.id,
            {"status": str(RequestStatus.WITHDRAWN), "decided_at": datetime.now(UTC)},
            expect_status=str(RequestStatus.PENDING),
        )

    def decide(
        self,
        actor: Actor,
        request_id: int,
        *,
        decision: str,
        columns: list[str] | None = None,
        row_filter: list[Any] | None = None,
        transforms: dict[str, Any] | None = None,
        reason: str = "",
        ends_on: date | str | None = None,
    ) -> AccessRequest:
        req = self.get_request(actor, request_id)
        if not self._may_decide(actor, req.owner_org_id):
            raise PermissionDenied(
                "소유 기관의 관리자만 요청을 결정할 수 있습니다.",
                "Only admins of the owning organisation may decide a request.",
            )
        if not req.status.open:
            raise Conflict("이미 결정된 요청입니다.", "The request has already been decided.")
        try:
            kind = Decision(decision)
        except ValueError:
            raise InvalidInput(
                "결정은 provide, partial, refuse 중 하나입니다.",
                "The decision is one of provide, partial, refuse.",
                [FieldError("decision", "provide|partial|refuse", "provide|partial|refuse")],
            ) from None
        now = datetime.now(UTC)
        reason = (reason or "").strip()
        if kind is Decision.REFUSE:
            if not reason:
                raise InvalidInput(
                    "거절할 때는 사유를 쓰세요.",
                    "Give a reason when refusing.",
                    [FieldError("reason", "사유가 필요합니다.", "A reason is required.")],
                )
            decided = self.store.update_request(
                req.id,
                {
                    "status": str(RequestStatus.REFUSED),
                    "decided_at": now,
                    "decided_by": actor.username,
                    "reason": reason,
                },
                expect_status=str(RequestStatus.PENDING),
            )
            self._audit(
                actor,
                "access.decision",
                req.dataset_id,
                object_id=str(req.id),
                details={"decision": "refuse", "reason": reason},
            )
            self._tell_requester(decided)
            return decided
        dataset = self.meta.find_dataset_by_id(req.dataset_id)
        assert dataset is not None
        resources = self.meta.list_resources(dataset.id)
        known: dict[str, str] = {}
        for r in resources:
            for c in r.current.columns if r.current else []:
                known.setdefault(str(c["name"]), str(c.get("type", "text")))
        identifiers = {n for r in resources if r.current for n in sealed_names(r.current.columns)}
        errors: list[FieldError] = []
        wanted = list(dict.fromkeys(columns if columns else (req.columns or list(known))))
        unknown = [c for c in wanted if c not in known]
        if unknown:
            errors.append(
                FieldError(
                    "columns", f"없는 열: {', '.join(unknown)}", f"no such column: {', '.join(unknown)}"
                )
            )
        filters: list[RowFilter] = []
        for i, raw in enumerate(row_filter or []):
            try:
                f = parse_row_filter(raw)
            except ValueError as exc:
                errors.append(FieldError(f"row_filter.{i}", f"행 조건 오류: {exc}", f"row filter: {exc}"))
                continue
            if f.column not in known:
                errors.append(
                    FieldError(f"row_filter.{i}", f"없는 열: {f.column}", f"no such column: {f.column}")
                )
            filters.append(f)
        parsed: dict[str, Transform] = {}
        for col, raw in (transforms or {}).items():
            try:
                parsed[str(col)] = parse_transform(raw)
            except ValueError as exc:
                errors.append(FieldError(f"transforms.{col}", f"변환 오류: {exc}", f"transformation: {exc}"))
                continue
            if col not in wanted:
                errors.append(
                    FieldError(
                        f"transforms.{col}", f"제공하지 않는 열입니다: {col}", f"not a provided column: {col}"
                    )
                )
        raw_ids = [
            c for c in wanted if c in identifiers and (c not in parsed or parsed[c].kind not in _DE_IDENTIFY)
        ]
        if raw_ids and not dataset.legal_basis.strip():
            names = ", ".join(raw_ids)
            errors.append(
                FieldError(
                    "columns",
                    f"고유식별정보({names})를 그대로 제공하려면 데이터셋에 법적 근거가 "
                    "기록되어 있어야 합니다. 가명처리(pseudonym)하거나 마스킹(mask)하거나 빼세요.",
                    f"Unique identifiers ({names}) can be provided as they are only when the dataset "
                    "records a legal basis; pseudonymise, mask or leave them out.",
                )
            )
        end = _date(ends_on, "ends_on", errors) if ends_on else req.ends_on
        today = korean_today()
        if end is not None and end <= today:
            errors.append(
                FieldError("ends_on", "종료일은 오늘 이후여야 합니다.", "The end date must be after today.")
            )
        if not wanted:
            errors.append(FieldError("columns", "제공할 열이 없습니다.", "No column to provide."))
        if kind is Decision.PROVIDE and (filters or parsed or set(wanted) < set(req.columns or known)):
            errors.append(
                FieldError(
                    "decision",
                    "열을 줄이거나 행 조건·변환을 두면 '부분 제공(partial)'입니다.",
                    "Fewer columns, a row filter or transformations make it 'partial'.",
                )
            )
        if kind is Decision.PARTIAL and not (filters or parsed or set(wanted) < set(req.columns or known)):
            errors.append(
                FieldError(
                    "decision",
                    "부분 제공은 열을 줄이거나 행 조건이나 변환을 둡니다.",
                    "A partial decision leaves out columns, filters rows or transforms columns.",
                )
            )
        if errors:
            raise InvalidInput("결정의 입력값이 올바르지 않습니다.", "The decision is invalid.", errors)
        self._check_filters(resources, filters)
        assert end is not None
        status = RequestStatus.PROVIDED if kind is Decision.PROVIDE else RequestStatus.PARTIAL
        decision_fields = {
            "status": str(status),
            "decided_at": now,
            "decided_by": actor.username,
            "reason": reason,
        }
        # claim the request first: of two admins deciding at once, one wins and one gets Conflict
        self.store.update_request(req.id, decision_fields, expect_status=str(RequestStatus.PENDING))
        grant = self.store.create_grant(
            {
                "dataset_id": dataset.id,
                "grantee_user_id": None if req.org_id else req.requester_id,
                "grantee_org_id": req.org_id,
                "columns": wanted,
                "row_filter": [filter_dict(f) for f in filters],
                "transforms": {k: v.as_dict() for k, v in parsed.items()},
                "purpose": req.purpose,
                "starts_at": now,
                "ends_at": day_end(end),
                "created_at": now,
                "created_by": actor.username,
                "request_id": req.id,
                "revoke_reason": "",
                "key_salt": secrets.token_hex(16),
            }
        )
        self._supersede(actor, grant, now)
        decided = self.store.update_request(req.id, {"grant_id": grant.id})
        self._audit(
            actor,
            "access.decision",
            req.dataset_id,
            object_id=str(req.id),
            grant_id=grant.id,
            columns=wanted,
            purpose=req.purpose,
            details={
                "decision": str(kind),
                "row_filter": [filter_dict(f) for f in filters],
                "transforms": {k: str(v) for k, v in parsed.items()},
                "ends_on": end.isoformat(),
            },
        )
        self._tell_requester(decided, end)
        return decided

    def _tell_requester(self, req: AccessRequest, until: date | None = None) -> None:
        if self.notices is not None:
            self.notices.notify([req.requester_id], request_decided(req, until))

    def _check_filters(self, resources: list[Resource], filters: list[RowFilter]) -> None:
        if not filters:
            return
        spec = ViewSpec(columns=(), filters=tuple(filters))
        for r in resources:
            ver = r.current
            if ver is None or ver.parquet_key is None:
                continue
            names = {str(c["name"]) for c in ver.columns}
            if any(f.column not in names for f in filters):
                continue
            self.views.count_rows(
                self.lake.local_path(ver.parquet_key), spec
            )  # InvalidInput when a value misfits

    def _supersede(self, actor: Actor, grant: Grant, now: datetime) -> None:
        """A new grant replaces the holder's earlier active grant on the same dataset."""
        holder = (grant.grantee_user_id, frozenset({grant.grantee_org_id} if grant.grantee_org_id else ()))
        for old in self.store.list_grants(dataset_id=grant.dataset_id, holder=holder, active_at=now):
            same = old.grantee_user_id == grant.grantee_user_id and old.grantee_org_id == grant.grantee_org_id
            if old.id != grant.id and same:
                self._revoke(actor, old, f"grant {grant.id} replaces it", now)

    # -- grants --------------------------------------------------------------------------------
    def list_grants(self, actor: Actor, *, box: str = "mine", dataset: str | None = None) -> list[Grant]:
        """``mine``: grants the actor holds; ``given``: grants on their organisations' datasets."""
        if not actor.authenticated:
            raise AuthenticationFailed("로그인하세요.", "Sign in first.")
        dataset_id = None
        if dataset:
            ds = self.meta.find_dataset(dataset)
            if ds is None or not can_read(actor, ds):
                raise NotFound.of("데이터셋", "Dataset", dataset)
            dataset_id = ds.id
        if box == "given":
            owners = None if actor.sysadmin else frozenset(actor.roles)
            return self.store.list_grants(owner_org_ids=owners, dataset_id=dataset_id)
        if box != "mine":
            raise InvalidInput(
                "box는 mine 또는 given입니다.",
                "box is mine or given.",
                [FieldError("box", "mine|given", "mine|given")],
            )
        return self.store.list_grants(holder=(actor.user_id, frozenset(actor.roles)), dataset_id=dataset_id)

    def get_grant(self, actor: Actor, grant_id: int) -> Grant:
        grant = self.store.find_grant(grant_id)
        if grant is None or not (grant.holds(actor) or actor.sysadmin or grant.owner_org_id in actor.roles):
            raise NotFound.of("권한", "Grant", str(grant_id))
        return grant

    def processing_records(self, actor: Actor) -> list[Grant]:
        """Grants on the actor's organisations' datasets that transform columns (all for sysadmins):
        the owner keeps a record of each pseudonymised provision (PIPA Art. 28-4)."""
        return [g for g in self.list_grants(actor, box="given") if g.transforms]

    def revoke(self, actor: Actor, grant_id: int, reason: str = "") -> Grant:
        grant = self.get_grant(actor, grant_id)
        if not self._may_decide(actor, grant.owner_org_id):
            raise PermissionDenied(
                "소유 기관의 관리자만 권한을 회수할 수 있습니다.",
                "Only admins of the owning organisation may revoke a grant.",
            )
        if grant.revoked_at is not None:
            raise Conflict("이미 회수된 권한입니다.", "The grant is already revoked.")
        if grant.agreement_id is not None:
            raise Conflict(
                f"협약 {grant.agreement_id}번으로 만든 권한입니다. "
                "협약의 대상 데이터셋을 바꾸거나 협약을 종료하세요.",
                f"This grant comes from agreement {grant.agreement_id}: change the agreement's datasets "
                "or terminate it instead.",
            )
        return self._revoke(actor, grant, reason.strip() or "revoked", datetime.now(UTC))

    def end_agreement_grant(self, actor: Actor | None, grant: Grant, reason: str) -> Grant:
        """Revoke one grant an agreement made, because the agreement changed (its manager decided)."""
        return self._revoke(actor, grant, reason, datetime.now(UTC))

    def _revoke(self, actor: Actor | None, grant: Grant, reason: str, now: datetime) -> Grant:
        done = self.store.update_grant(
            grant.id,
            {"revoked_at": now, "revoked_by": actor.username if actor else "system", "revoke_reason": reason},
        )
        destroyed = self.views.destroy(grant.id)
        self._audit(
            actor,
            "grant.revoke",
            grant.dataset_id,
            object_id=str(grant.id),
            grant_id=grant.id,
            details={"reason": reason, "files_destroyed": destroyed},
        )
        return done

    def create_grant(
        self,
        actor: Actor,
        *,
        dataset: Dataset,
        columns: list[str],
        purpose: str,
        ends_at: datetime,
        grantee_org_id: int | None = None,
        grantee_user_id: int | None = None,
        agreement_id: int | None = None,
        transforms: dict[str, Any] | None = None,
        row_filter: list[Any] | None = None,
    ) -> Grant:
        """A grant made without a request (an agreement's): the caller has checked the rights."""
        now = datetime.now(UTC)
        grant = self.store.create_grant(
            {
                "dataset_id": dataset.id,
                "grantee_user_id": grantee_user_id,
                "grantee_org_id": grantee_org_id,
                "columns": list(columns),
                "row_filter": [filter_dict(parse_row_filter(f)) for f in row_filter or []],
                "transforms": {k: parse_transform(v).as_dict() for k, v in (transforms or {}).items()},
                "purpose": purpose,
                "starts_at": now,
                "ends_at": ends_at,
                "created_at": now,
                "created_by": actor.username,
                "agreement_id": agreement_id,
                "revoke_reason": "",
                "key_salt": secrets.token_hex(16),
            }
        )
        self._audit(
            actor,
            "grant.create",
            dataset.id,
            object_id=str(grant.id),
            grant_id=grant.id,
            columns=columns,
            purpose=purpose,
            details={"agreement_id": agreement_id},
        )
        return grant

    def end_agreement_grants(self, actor: Actor | None, agreement_id: int, reason: str) -> int:
        now = datetime.now(UTC)
        ended = 0
        for grant in self.store.list_grants(agreement_id=agreement_id, active_at=now):
            self._revoke(actor, grant, reason, now)
            ended += 1
        return ended

    # -- the clock -----------------------------------------------------------------------------
    def remind(self, today: date | None = None) -> list[AccessRequest]:
        """Requests due within ``remind_days`` that nobody has been reminded of: mark them, log them and
        tell the owner's admins; requests past their due date: tell the admins and the requester, once.
        Returns the requests reminded of now."""
        today = today or korean_today()
        if self.notices is not None:
            for late in self.store.list_requests(
                status=str(RequestStatus.PENDING), due_before=today - timedelta(days=1)
            ):
                users = [*self.notices.org_admins(late.owner_org_id), late.requester_id]
                self.notices.notify(users, request_overdue(late, -late.days_left(today)))
        due = self.store.list_requests(
            status=str(RequestStatus.PENDING),
            due_before=today + timedelta(days=self.remind_days),
            not_reminded=True,
        )
        now = datetime.now(UTC)
        for req in due:
            self.store.update_request(req.id, {"reminded_at": now})
            log.warning(
                "access request %s on %s is due %s (%d days left): remind the admins of %s",
                req.id,
                req.dataset_name,
                req.due_on,
                req.days_left(today),
                req.owner_org_title,
            )
            self._audit(
                None,
                "access.reminder",
                req.dataset_id,
                object_id=str(req.id),
                details={"due_on": req.due_on.isoformat()},
            )
            if self.notices is not None and req.days_left(today) >= 0:
                self.notices.notify(
                    self.notices.org_admins(req.owner_org_id), request_due_soon(req, req.days_left(today))
                )
        return due

    def destroy_ended(self, now: datetime | None = None) -> int:
        """Delete the view files of grants that have ended (expired or revoked)."""
        now = now or datetime.now(UTC)
        count = 0
        for folder in sorted(self.views.root.glob("g*")) if self.views.root.is_dir() else []:
            name = folder.name[1:]
            if not name.isdigit() or name == "0":
                continue
            grant = self.store.find_grant(int(name))
            if grant is None or not grant.active(now):
                count += self.views.destroy(int(name))
        return count

    def board(self, actor: Actor, today: date | None = None) -> list[DepartmentBoard]:
        """Open requests per owner organisation the actor belongs to (all of them for sysadmins)."""
        today = today or korean_today()
        pending = self.list_requests(actor, box="decide", status=str(RequestStatus.PENDING))
        by_org: dict[int, list[AccessRequest]] = {}
        for req in pending:
            by_org.setdefault(req.owner_org_id, []).append(req)
        out = []
        for org_id, reqs in by_org.items():
            out.append(
                DepartmentBoard(
                    org_id=org_id,
                    org_title=reqs[0].owner_org_title,
                    pending=len(reqs),
                    overdue=sum(1 for r in reqs if r.overdue(today)),
                    due_soon=sum(1 for r in reqs if 0 <= r.days_left(today) <= self.remind_days),
                    requests=sorted(reqs, key=lambda r: r.due_on),
                )
            )
        return sorted(out, key=lambda b: (-b.overdue, b.org_title))

    def hidden_of(self, version: Version) -> set[str]:
        return hidden_columns(version)

    def _audit(self, actor: Actor | None, action: str, dataset_id: int | None, **kw: Any) -> None:
        if self.audit is not None:
            self.audit.record(
                actor, action, object_kind=kw.pop("object_kind", "access"), dataset_id=dataset_id, **kw
            )


def _date(value: date | str | None, field: str, errors: list[FieldError]) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors.append(
            FieldError(field, "날짜는 2026-12-31 모양으로 쓰세요.", "Write the date as 2026-12-31.")
        )
        return None
