"""Data-sharing agreements with partner institutions: the register, what an agreement shares and
lets land, and the record of every transfer made under it.

Sysadmins and admins of the responsible city department register, change and terminate
agreements; members of either party read them; to everyone else an agreement does not exist.

*Sharing out.* While an agreement is active, each city dataset in its scope is granted to the
partner organisation (every current column, for the agreement's purpose, until the end of its
last day in Korea). Ending or terminating the agreement revokes what it allowed; a periodic
check shares agreements that have just started and records the end of those whose last day
has passed (their grants end by themselves anyway).

*Landing.* A partner's data only lands inside an agreement: a new version of a dataset owned by
a partner needs an active agreement with that partner that has the dataset in scope
(:meth:`AgreementService.landing`, the hook ``ResourceService.start_upload`` calls). A push names
the requesting official and the case or document number it serves and is recorded as an
incoming transfer, as is a partner's file a harvest run pulls (:meth:`AgreementService.record_pull`,
with the harvest source's official and case); a partner member's export of a dataset shared
under an agreement is recorded as an outgoing one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from hubcity.domain.accounts import SYSTEM, Actor, Org, OrgKind, Role
from hubcity.domain.agreements import (
    DRAFT_FIELDS,
    Agreement,
    AgreementDraft,
    AgreementStatus,
    CheckedDraft,
    Contact,
    Direction,
    Transfer,
    check_draft,
    check_transfer_details,
)
from hubcity.domain.datasets import Dataset
from hubcity.domain.grants import Grant
from hubcity.domain.jobs import Job
from hubcity.domain.koreatime import day_end, korean_date, korean_today
from hubcity.domain.query import RowQuery
from hubcity.errors import (
    AuthenticationFailed,
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PlatformError,
)
from hubcity.ports import MetadataStore
from hubcity.services.access import AccessService
from hubcity.services.audit import AuditService
from hubcity.services.catalog import CatalogService, Channel
from hubcity.services.resources import ExportFile, ResourceService, UploadRequest

__all__ = ["AgreementService", "AgreementStore", "AgreementView"]

log = logging.getLogger(__name__)


class AgreementStore(Protocol):
    """Agreements, the datasets in their scope, and their transfer records."""

    def create_agreement(self, fields: dict[str, Any], dataset_ids: list[int]) -> Agreement: ...
    def find_agreement(self, agreement_id: int) -> Agreement | None: ...
    def update_agreement(
        self, agreement_id: int, fields: dict[str, Any], dataset_ids: list[int] | None = None
    ) -> Agreement: ...
    def list_agreements(
        self, *, org_ids: frozenset[int] | None = None, open_only: bool = False
    ) -> list[Agreement]: ...
    def find_landing(self, partner_org_id: int, dataset_id: int, on: date) -> Agreement | None: ...
    def add_transfer(self, fields: dict[str, Any]) -> Transfer: ...
    def update_transfer(self, transfer_id: int, fields: dict[str, Any]) -> Transfer: ...
    def list_transfers(self, agreement_id: int, limit: int = 500) -> list[Transfer]: ...


@dataclass(frozen=True)
class AgreementView:
    """An agreement as its page shows it: the grants it made, and whether the reader may manage it."""

    agreement: Agreement
    grants: list[Grant]
    can_manage: bool
    today: date

    @property
    def status(self) -> AgreementStatus:
        return self.agreement.status(self.today)

    def grant_state(self, dataset_id: int, now: datetime | None = None) -> str | None:
        """What the partner holds on a city dataset in scope: active, expired, revoked, or None."""
        now = now or datetime.now(UTC)
        states = [g.state(now) for g in self.grants if g.dataset_id == dataset_id]
        if "active" in states:
            return "active"
        return states[0] if states else None


def _not_found(agreement_id: int) -> NotFound:
    return NotFound.of("협약", "Agreement", str(agreement_id))


class AgreementService:
    def __init__(
        self,
        *,
        store: AgreementStore,
        meta: MetadataStore,
        catalog: CatalogService,
        resources: ResourceService,
        access: AccessService,
        audit: AuditService | None = None,
    ) -> None:
        self.store = store
        self.meta = meta
        self.catalog = catalog
        self.resources = resources
        self.access = access
        self.audit = audit

    @staticmethod
    def today() -> date:
        return korean_today()

    # -- who may do what -----------------------------------------------------------------------
    @staticmethod
    def can_read(actor: Actor, agreement: Agreement) -> bool:
        return actor.sysadmin or bool(agreement.parties & set(actor.roles))

    @staticmethod
    def can_manage(actor: Actor, agreement: Agreement) -> bool:
        """Change or terminate: sysadmins and admins of the responsible city department."""
        return actor.sysadmin or actor.roles.get(agreement.city_org_id) is Role.ADMIN

    def city_orgs_managed(self, actor: Actor) -> list[Org]:
        """The city departments the actor may register agreements for (every one for sysadmins)."""
        orgs = [o for o in self.meta.list_orgs() if o.kind.is_city_staff]
        if actor.sysadmin:
            return orgs
        return [o for o in orgs if actor.roles.get(o.id) is Role.ADMIN]

    def require_registrar(self, actor: Actor) -> list[Org]:
        """The city departments the actor may register agreements for; PermissionDenied when none."""
        if not actor.authenticated:
            raise AuthenticationFailed("로그인하세요.", "Sign in first.")
        orgs = self.city_orgs_managed(actor)
        if not orgs:
            raise _may_not_manage()
        return orgs

    # -- reading -------------------------------------------------------------------------------
    def list_agreements(self, actor: Actor, *, status: str | None = None) -> list[Agreement]:
        """Agreements the actor's organisations are party to (all for sysadmins), newest first."""
        if not actor.authenticated:
            raise AuthenticationFailed("로그인하세요.", "Sign in first.")
        wanted = None
        if status:
            try:
                wanted = AgreementStatus(status)
            except ValueError:
                raise InvalidInput(
                    f"알 수 없는 상태입니다: {status}",
                    f"Unknown status: {status}",
                    [FieldError("status", "scheduled|active|ended", "scheduled|active|ended")],
                ) from None
        orgs = None if actor.sysadmin else frozenset(actor.roles)
        found = self.store.list_agreements(org_ids=orgs)
        today = self.today()
        return [a for a in found if wanted is None or a.status(today) is wanted]

    def list_views(self, actor: Actor, *, status: str | None = None) -> list[AgreementView]:
        """:meth:`list_agreements`, each with the grants it made."""
        today = self.today()
        return [
            AgreementView(
                agreement=a,
                grants=self.access.store.list_grants(agreement_id=a.id),
                can_manage=self.can_manage(actor, a),
                today=today,
            )
            for a in self.list_agreements(actor, status=status)
        ]

    def get_agreement(self, actor: Actor, agreement_id: int) -> Agreement:
        """The agreement, or NotFound — also when the actor's organisations are not party to it."""
        found = self.store.find_agreement(agreement_id)
        if found is None or not self.can_read(actor, found):
            raise _not_found(agreement_id)
        return found

    def view(self, actor: Actor, agreement_id: int) -> AgreementView:
        """The agreement with the grants it made (active, expired and revoked, newest first)."""
        agreement = self.get_agreement(actor, agreement_id)
        return AgreementView(
            agreement=agreement,
            grants=self.access.store.list_grants(agreement_id=agreement.id),
            can_manage=self.can_manage(actor, agreement),
            today=self.today(),
        )

    def list_transfers(self, actor: Actor, agreement_id: int) -> list[Transfer]:
        """The agreement's transfers, newest first; a push whose ingest has since published a version
        gets that version's number."""
        agreement = self.get_agreement(actor, agreement_id)
        out = []
        for t in self.store.list_transfers(agreement.id):
            if t.job_id and t.version_number is None:
                job = self.meta.find_job(t.job_id)
                if job is not None and job.version_number is not None:
                    t = self.store.update_transfer(t.id, {"version_number": job.version_number})
            out.append(t)
        return out

    # -- the register --------------------------------------------------------------------------
    def create_agreement(self, actor: Actor, draft: AgreementDraft) -> Agreement:
        self.require_registrar(actor)
        checked = check_draft(draft, self.today())
        partner, city, datasets = self._resolve(checked)
        if not actor.sysadmin and actor.roles.get(city.id) is not Role.ADMIN:
            raise _may_not_manage()
        now = datetime.now(UTC)
        created = self.store.create_agreement(
            {
                **self._fields(checked, partner, city),
                "no_onward_transfer": True,
                "end_reason": "",
                "created_at": now,
                "created_by": actor.username,
                "updated_at": now,
            },
            [d.id for d in datasets],
        )
        self._audit(actor, "agreement.create", created, details={"datasets": list(created.dataset_names)})
        return self._sync(actor, created, now)

    def update_agreement(self, actor: Actor, agreement_id: int, changes: Mapping[str, Any]) -> Agreement:
        """Change some fields; the grants follow (datasets added or dropped, a new purpose or end)."""
        current = self.get_agreement(actor, agreement_id)
        if not self.can_manage(actor, current):
            raise _may_not_manage()
        if current.status(self.today()) is AgreementStatus.ENDED:
            raise Conflict("종료된 협약은 고칠 수 없습니다.", "An ended agreement cannot be changed.")
        unknown = sorted(set(changes) - DRAFT_FIELDS)
        if unknown:
            raise InvalidInput(
                f"고칠 수 없는 항목입니다: {', '.join(unknown)}",
                f"Not a field of an agreement: {', '.join(unknown)}",
                [FieldError(k, "알 수 없는 항목", "unknown field") for k in unknown],
            )
        merged = replace(_draft_of(current), **_clean_changes(changes))
        checked = check_draft(merged, self.today())
        partner, city, datasets = self._resolve(checked)
        if not actor.sysadmin and actor.roles.get(city.id) is not Role.ADMIN:
            raise _may_not_manage()
        now = datetime.now(UTC)
        fields = self._fields(checked, partner, city)
        before = {k: getattr(current, k) for k in ("title", "purpose", "legal_basis", "starts_on", "ends_on")}
        changed = sorted(k for k, v in before.items() if fields[k] != v)
        if [d.id for d in datasets] != [d.id for d in current.datasets]:
            changed.append("datasets")
        if (partner.id, city.id) != (current.partner_org_id, current.city_org_id):
            changed.append("parties")
        updated = self.store.update_agreement(
            current.id, {**fields, "updated_at": now}, [d.id for d in datasets]
        )
        self._audit(actor, "agreement.update", updated, details={"changed": changed})
        return self._sync(actor, updated, now)

    def terminate(self, actor: Actor, agreement_id: int, reason: str) -> Agreement:
        """End the agreement now: the partner's grants are revoked at once."""
        current = self.get_agreement(actor, agreement_id)
        if not self.can_manage(actor, current):
            raise _may_not_manage()
        if current.status(self.today()) is AgreementStatus.ENDED:
            raise Conflict("이미 종료된 협약입니다.", "The agreement has already ended.")
        reason = (reason or "").strip()
        if not 2 <= len(reason) <= 2000:
            raise InvalidInput(
                "종료 사유를 2~2000자로 쓰세요.",
                "Give the reason for ending it in 2 to 2000 characters.",
                [FieldError("reason", "사유가 필요합니다.", "A reason is required.")],
            )
        now = datetime.now(UTC)
        # revoke first: should it fail, the agreement stays open and the periodic check ends it later
        revoked = self.access.end_agreement_grants(actor, current.id, f"agreement {current.id} terminated")
        ended = self.store.update_agreement(
            current.id, {"ended_early_at": now, "end_reason": reason, "closed_at": now, "updated_at": now}
        )
        self._audit(
            actor, "agreement.terminate", ended, details={"reason": reason, "grants_revoked": revoked}
        )
        return ended

    def check(self, now: datetime | None = None) -> int:
        """The periodic check: share agreements that have started (and keep their grants on the current
        columns), record the end of those whose last day has passed and revoke what they allowed.
        Returns how many agreements it shared for the first time or ended."""
        now = now or datetime.now(UTC)
        changed = 0
        for agreement in self.store.list_agreements(open_only=True):
            try:
                if agreement.status(korean_date(now)) is AgreementStatus.ENDED:
                    revoked = self.access.end_agreement_grants(
                        None, agreement.id, f"agreement {agreement.id} ended on {agreement.ends_on}"
                    )
                    self.store.update_agreement(agreement.id, {"closed_at": now})
                    self._audit(None, "agreement.end", agreement, details={"grants_revoked": revoked})
                    changed += 1
                elif self._sync(None, agreement, now) != agreement:
                    changed += 1
            except Exception:  # one broken agreement must not stop the others' checks
                log.exception("agreement %s could not be checked", agreement.id)
        return changed

    def _resolve(self, checked: CheckedDraft) -> tuple[Org, Org, list[Dataset]]:
        """The two parties and the datasets in scope; every dataset must be one of the parties'."""
        errors: list[FieldError] = []
        partner = self.meta.find_org(checked.partner)
        if partner is not None and partner.kind is not OrgKind.PARTNER:
            partner = None
        if partner is None:
            errors.append(
                FieldError(
                    "partner",
                    f"협력기관이 아닙니다: {checked.partner}",
                    f"Not a partner institution: {checked.partner}",
                )
            )
        city = self.meta.find_org(checked.city_org)
        if city is not None and not city.kind.is_city_staff:
            city = None
        if city is None:
            errors.append(
                FieldError(
                    "city_org",
                    f"시 부서가 아닙니다: {checked.city_org}",
                    f"Not a city department: {checked.city_org}",
                )
            )
        datasets = []
        parties = {o.id for o in (partner, city) if o is not None}
        for name in checked.datasets:
            found = self.meta.find_dataset(name)
            # the same answer whether it does not exist or is a third party's: no names leak
            if found is None or found.owner_org_id not in parties:
                errors.append(
                    FieldError(
                        "datasets",
                        f"두 기관 어느 쪽의 데이터셋도 아닙니다: {name}",
                        f"Not a dataset of either party: {name}",
                    )
                )
            else:
                datasets.append(found)
        if errors:
            raise InvalidInput("협약의 입력값이 올바르지 않습니다.", "The agreement is invalid.", errors)
        assert partner is not None and city is not None
        return partner, city, datasets

    @staticmethod
    def _fields(checked: CheckedDraft, partner: Org, city: Org) -> dict[str, Any]:
        return {
            "title": checked.title,
            "partner_org_id": partner.id,
            "city_org_id": city.id,
            "purpose": checked.purpose,
            "legal_basis": checked.legal_basis,
            "starts_on": checked.starts_on,
            "ends_on": checked.ends_on,
            "delete_after_days": checked.delete_after_days,
            "contacts": {
                "partner": checked.partner_contact.as_dict(),
                "city": checked.city_contact.as_dict(),
            },
        }

    # -- sharing out ---------------------------------------------------------------------------
    def _sync(self, actor: Actor | None, agreement: Agreement, now: datetime) -> Agreement:
        """Make the agreement's grants what its status asks for: while active, one grant to the partner
        per city dataset in scope, over its current columns (personal ones pseudonymised), ending with
        the agreement; else none."""
        fresh = self.store.find_agreement(agreement.id)  # it may have been terminated since it was read
        if fresh is None:
            return agreement
        agreement = fresh
        active = agreement.closed_at is None and agreement.status(korean_date(now)) is AgreementStatus.ACTIVE
        ends_at = day_end(agreement.ends_on)
        wanted: dict[int, tuple[Dataset, list[str], dict[str, str]]] = {}
        for ref in agreement.city_datasets() if active else ():
            dataset = self.meta.find_dataset_by_id(ref.id)
            if dataset is not None and dataset.owner_org_id == agreement.city_org_id:
                wanted[dataset.id] = (dataset, *self._columns(dataset))
        by = actor or SYSTEM
        for grant in self.access.store.list_grants(agreement_id=agreement.id, active_at=now):
            want = wanted.get(grant.dataset_id)
            if (
                want is not None
                and grant.grantee_org_id == agreement.partner_org_id
                and grant.grantee_user_id is None
                and grant.purpose == agreement.purpose
                and grant.ends_at == ends_at
                and list(grant.columns) == want[1]
                and {k: t.kind for k, t in grant.transforms.items()} == want[2]
            ):
                del wanted[grant.dataset_id]  # still what the agreement allows
                continue
            self.access.end_agreement_grant(by, grant, f"agreement {agreement.id} changed")
        for dataset, columns, transforms in wanted.values():
            self.access.create_grant(
                by,
                dataset=dataset,
                columns=columns,
                transforms=dict(transforms),
                purpose=agreement.purpose,
                ends_at=ends_at,
                grantee_org_id=agreement.partner_org_id,
                agreement_id=agreement.id,
            )
        if active and agreement.shared_at is None:
            agreement = self.store.update_agreement(agreement.id, {"shared_at": now})
            self._audit(actor, "agreement.share", agreement, details={"datasets": len(wanted)})
        return agreement

    def _columns(self, dataset: Dataset) -> tuple[list[str], dict[str, str]]:
        """Every column of every resource's current version, in order, and the personal ones among
        them, pseudonymised: a partner gets pseudonymised personal data (PIPA), never the raw values."""
        names: dict[str, None] = {}
        personal: dict[str, str] = {}
        for resource in self.meta.list_resources(dataset.id):
            if resource.current is None:
                continue
            for column in resource.current.columns:
                names.setdefault(str(column["name"]), None)
            personal.update(dict.fromkeys(self.access.hidden_of(resource.current), "pseudonym"))
        return list(names), personal

    # -- landing and transfers -----------------------------------------------------------------
    def landing(self, actor: Actor, dataset: Dataset) -> Agreement | None:
        """The agreement a new version of ``dataset`` lands in; None when the dataset is not a partner's.

        PermissionDenied when it is a partner's and no active agreement with that partner has it in
        scope. The system itself (the CLI and the demo loader, no user behind them) may load a
        partner's file outside an agreement: it acts for whoever runs the server, not for a partner."""
        owner = self.meta.find_org_by_id(dataset.owner_org_id)
        if owner is None or owner.kind is not OrgKind.PARTNER:
            return None
        found = self.store.find_landing(owner.id, dataset.id, self.today())
        if found is not None or (actor.user_id is None and actor.sysadmin):
            return found
        raise PermissionDenied(
            f"'{dataset.title}'은(는) 협력기관 {owner.title}의 데이터셋입니다. 이 데이터셋을 대상으로 하는 "
            "시행 중인 데이터 공유 협약이 없어 올릴 수 없습니다.",
            f"'{dataset.name}' belongs to the partner institution {owner.title_en or owner.title}; "
            "no active data-sharing agreement has it in scope, so nothing can be uploaded to it.",
        )

    def partner_owned(self, dataset: Dataset) -> bool:
        """Whether pushes to the dataset need an agreement, an official and a case number."""
        owner = self.meta.find_org_by_id(dataset.owner_org_id)
        return owner is not None and owner.kind is OrgKind.PARTNER

    def check_push(
        self, actor: Actor, dataset_name: str, *, official: str | None, case: str | None
    ) -> tuple[Dataset, Agreement | None, str, str]:
        """Before a file is taken in: the actor may upload to the dataset, and a push of a partner's
        data lands inside an active agreement and names the official and case (TransferDetailsMissing,
        400, when either is missing). Returns the dataset, the agreement and the cleaned details."""
        dataset = self.catalog.get_editable(actor, dataset_name)
        agreement = self.landing(actor, dataset)
        if agreement is None:
            return dataset, None, "", ""
        official, case = check_transfer_details(official, case)
        return dataset, agreement, official, case

    def upload(self, actor: Actor, req: UploadRequest, *, official: str | None, case: str | None) -> Job:
        """Start an upload (``ResourceService.start_upload``); a push of a partner's data is checked by
        :meth:`check_push` and recorded as an incoming transfer."""
        try:
            dataset, agreement, official, case = self.check_push(
                actor, req.dataset, official=official, case=case
            )
        except PlatformError:
            req.path.unlink(missing_ok=True)
            raise
        job = self.resources.start_upload(actor, req)
        if agreement is not None:
            self._record(
                actor,
                agreement,
                Direction.IN,
                dataset,
                resource=job.resource_name or "",
                version=job.version_number,
                official=official or "",
                case=case or "",
                job_id=job.id,
                fmt=Path(req.filename).suffix.lstrip(".").lower()[:20],
            )
        return job

    def record_pull(
        self,
        actor: Actor,
        agreement: Agreement,
        dataset: Dataset,
        *,
        resource: str,
        version: int | None,
        official: str,
        case: str,
        job_id: str | None,
        fmt: str,
    ) -> Transfer:
        """A partner's file that hubcity pulled (a harvest run) and that landed in ``dataset`` under
        ``agreement`` (from :meth:`landing`): recorded as an incoming transfer, with the official and
        case required as for a push."""
        if not agreement.covers(dataset.id) or not self.partner_owned(dataset):
            raise PermissionDenied(
                f"협약 {agreement.id}은(는) '{dataset.title}'을(를) 대상으로 하지 않습니다.",
                f"Agreement {agreement.id} does not have '{dataset.name}' in scope.",
            )
        official, case = check_transfer_details(official, case)
        return self._record(
            actor,
            agreement,
            Direction.IN,
            dataset,
            resource=resource,
            version=version,
            official=official,
            case=case,
            job_id=job_id,
            fmt=fmt[:20],
        )

    def export(
        self,
        actor: Actor,
        dataset_name: str,
        resource_name: str,
        fmt: str,
        *,
        version: int | None = None,
        as_of: datetime | None = None,
        query: RowQuery | None = None,
        case: str | None = None,
        channel: Channel | None = None,
    ) -> ExportFile:
        """A version as a file (``ResourceService.export``); a partner member's export of a dataset shared
        under an agreement is recorded as an outgoing transfer (the official is the user)."""
        exported = self.resources.export(
            actor,
            dataset_name,
            resource_name,
            fmt,
            version=version,
            as_of=as_of,
            query=query,
            channel=channel,
        )
        dataset = self.meta.find_dataset(dataset_name)
        grant = self.access.grant_of(actor, dataset) if dataset is not None else None
        if dataset is None or grant is None or grant.agreement_id is None:
            return exported
        agreement = self.store.find_agreement(grant.agreement_id)
        if agreement is None or agreement.partner_org_id not in actor.roles:
            return exported
        _, _, shown = self.resources.get_version(actor, dataset_name, resource_name, version, as_of)
        self._record(
            actor,
            agreement,
            Direction.OUT,
            dataset,
            resource=resource_name,
            version=shown.number,
            official=actor.display_name or actor.username or "",
            case=" ".join((case or "").split())[:100],
            fmt=fmt,
        )
        return exported

    def _record(
        self,
        actor: Actor,
        agreement: Agreement,
        direction: Direction,
        dataset: Dataset,
        *,
        resource: str,
        version: int | None,
        official: str,
        case: str,
        fmt: str,
        job_id: str | None = None,
    ) -> Transfer:
        transfer = self.store.add_transfer(
            {
                "agreement_id": agreement.id,
                "direction": str(direction),
                "dataset_id": dataset.id,
                "dataset_name": dataset.name,
                "resource_name": resource,
                "version_number": version,
                "job_id": job_id,
                "format": fmt,
                "official": official[:100],
                "case_no": case,
                "user_id": actor.user_id,
                "username": actor.username,
                "at": datetime.now(UTC),
            }
        )
        if self.audit is not None:
            self.audit.record(
                actor,
                "agreement.transfer",
                object_kind="agreement",
                object_id=str(agreement.id),
                dataset_id=dataset.id,
                purpose=agreement.purpose,
                details={
                    "direction": str(direction),
                    "resource": resource,
                    "version": version,
                    "official": official,
                    "case": case,
                    "transfer": transfer.id,
                },
            )
        return transfer

    def _audit(self, actor: Actor | None, action: str, agreement: Agreement, details: dict[str, Any]) -> None:
        if self.audit is not None:
            self.audit.record(
                actor,
                action,
                object_kind="agreement",
                object_id=str(agreement.id),
                purpose=agreement.purpose,
                details={"title": agreement.title, "partner": agreement.partner_org_slug, **details},
            )


def _may_not_manage() -> PermissionDenied:
    return PermissionDenied(
        "시 담당 부서의 관리자만 협약을 등록·수정·종료할 수 있습니다.",
        "Only admins of the responsible city department may register, change or end an agreement.",
    )


def _draft_of(agreement: Agreement) -> AgreementDraft:
    return AgreementDraft(
        title=agreement.title,
        partner=agreement.partner_org_slug,
        city_org=agreement.city_org_slug,
        datasets=agreement.dataset_names,
        purpose=agreement.purpose,
        legal_basis=agreement.legal_basis,
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
        delete_after_days=agreement.delete_after_days,
        partner_contact=agreement.partner_contact,
        city_contact=agreement.city_contact,
    )


def _clean_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Changes in the draft's shapes: contacts as Contact, datasets as a tuple of names."""
    out = dict(changes)
    for side in ("partner_contact", "city_contact"):
        if side in out:
            out[side] = Contact.of(out[side])
    if "datasets" in out:
        value = out["datasets"]
        out["datasets"] = tuple(str(v) for v in (value.split(",") if isinstance(value, str) else value or ()))
    if "no_onward_transfer" in out:
        out["no_onward_transfer"] = bool(out["no_onward_transfer"])
    return out
