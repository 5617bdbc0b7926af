"""/agreements: data-sharing agreements with partner institutions — the register, one agreement with
its datasets, grants and transfers, the form to register or change one, and early termination.

The service decides who sees what: members of either party read an agreement, admins of the
responsible city department (and sysadmins) change and end it, everyone else gets 404. Each page
has its JSON twin (``?format=json``) in the shapes of ``/api/v1/agreements``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hubcity.domain.accounts import Actor, OrgKind
from hubcity.domain.agreements import AgreementDraft, AgreementStatus, Contact
from hubcity.errors import InvalidInput
from hubcity.services.agreements import AgreementView
from hubcity.web.api.agreements import AgreementPage, AgreementRead, TransferRead
from hubcity.web.deps import ActorDep, ServicesDep, check_csrf
from hubcity.web.ui.i18n import MESSAGES
from hubcity.web.ui.rendering import render

__all__ = ["router"]

router = APIRouter()

Errors = dict[str, tuple[str, str]]
_CONTACT_FIELDS = ("name", "email", "phone")
_FIELDS = (
    "title",
    "partner",
    "city_org",
    "datasets",
    "purpose",
    "legal_basis",
    "starts_on",
    "ends_on",
    "delete_after_days",
    *(f"{side}_contact.{f}" for side in ("partner", "city") for f in _CONTACT_FIELDS),
)

MESSAGES.update(
    {
        "nav.agreements": ("데이터 공유 협약", "Sharing agreements"),
        "agr.title": ("데이터 공유 협약", "Data-sharing agreements"),
        "agr.intro": (
            "광주광역시와 협력기관(한전, SKT, 대학병원 등)이 맺은 데이터 공유 협약입니다. 협약이 시행 중인 "
            "동안 시 부서의 대상 데이터셋은 협력기관에 제공되고, 협력기관의 데이터는 협약 안에서만 "
            "올라옵니다. 모든 전송은 요청 담당자와 문서번호와 함께 기록됩니다.",
            "Agreements between Gwangju and partner institutions (KEPCO, SKT, university hospitals …). While "
            "an agreement is active, the city's datasets in scope are shared with the partner, and the "
            "partner's data lands only inside it. Every transfer is recorded with the requesting official "
            "and the case number.",
        ),
        "agr.new": ("협약 등록", "Register an agreement"),
        "agr.edit": ("협약 수정", "Change the agreement"),
        "agr.none": (
            "소속 기관이 당사자인 협약이 없습니다.",
            "None of your organisations is party to an agreement.",
        ),
        "agr.all": ("전체", "All"),
        "agr.col_title": ("협약명", "Title"),
        "agr.col_partner": ("협력기관", "Partner"),
        "agr.col_city": ("시 담당 부서", "City department"),
        "agr.col_period": ("기간", "Period"),
        "agr.col_status": ("상태", "Status"),
        "agr.col_datasets": ("대상 데이터셋", "Datasets in scope"),
        "agr.purpose": ("공유 목적", "Purpose"),
        "agr.legal_basis": ("법적 근거", "Legal basis"),
        "agr.starts_on": ("시작일", "First day"),
        "agr.ends_on": ("종료일", "Last day"),
        "agr.delete_after_days": ("종료 후 파기 기한 (일)", "Deletion after the end (days)"),
        "agr.delete_by": ("파기 기한", "Delete by"),
        "agr.delete_help": (
            "협력기관은 협약이 끝난 뒤 이 기간 안에 제공받은 데이터를 파기합니다.",
            "The partner deletes what it received within this many days of the end.",
        ),
        "agr.no_onward": ("제3자 재제공 금지", "No onward transfer to third parties"),
        "agr.no_onward_help": (
            "모든 협약의 조건입니다. 제공받은 데이터를 다른 기관이나 사람에게 다시 제공할 수 없습니다.",
            "A term of every agreement: what is received may not be passed on to anyone else.",
        ),
        "agr.contacts": ("담당자", "Contacts"),
        "agr.partner_contact": ("협력기관 담당자", "Partner contact"),
        "agr.city_contact": ("시 담당자", "City contact"),
        "agr.contact_name": ("이름", "Name"),
        "agr.contact_email": ("이메일", "E-mail"),
        "agr.contact_phone": ("전화번호", "Phone"),
        "agr.datasets_help": (
            "두 기관 중 한쪽의 데이터셋 식별자를 한 줄에 하나씩 쓰세요. 시 부서의 데이터셋은 협약 기간 동안 "
            "협력기관에 제공되고, 협력기관의 데이터셋은 이 협약 안에서 새 파일을 받습니다.",
            "One dataset name per line, of either party. The city's datasets are shared with the partner "
            "while the agreement is active; the partner's datasets take new files inside it.",
        ),
        "agr.side_city": ("시 → 협력기관 제공", "City → partner"),
        "agr.side_partner": ("협력기관 → 시 수신", "Partner → city"),
        "agr.shared": ("제공 상태", "Shared"),
        "agr.grant_active": ("제공 중", "Shared"),
        "agr.grant_expired": ("만료", "Expired"),
        "agr.grant_revoked": ("회수됨", "Revoked"),
        "agr.grant_scheduled": ("예정", "Scheduled"),
        "agr.grant_none": ("제공 전", "Not shared"),
        "agr.transfers": ("전송 기록", "Transfers"),
        "agr.transfers_help": (
            "협력기관이 올린 파일(수신)과 협력기관 구성원이 내려받은 데이터(제공)의 기록입니다.",
            "Files the partner pushed (in) and data the partner's members exported (out).",
        ),
        "agr.no_transfers": ("전송 기록이 없습니다.", "No transfers yet."),
        "agr.t_at": ("일시", "When"),
        "agr.t_direction": ("방향", "Direction"),
        "agr.t_dataset": ("데이터셋 / 리소스", "Dataset / resource"),
        "agr.t_version": ("버전", "Version"),
        "agr.t_official": ("요청 담당자", "Official"),
        "agr.t_case": ("사건·문서번호", "Case number"),
        "agr.t_user": ("계정", "Account"),
        "agr.ended_early": ("조기 종료", "Ended early"),
        "agr.end_reason": ("종료 사유", "Reason for ending"),
        "agr.terminate": ("협약 종료", "End the agreement"),
        "agr.terminate_help": (
            "지금 종료하면 협력기관에 제공된 데이터셋 권한이 즉시 회수되고, 협력기관 데이터도 더는 올라오지 "
            "않습니다. 되돌릴 수 없습니다.",
            "Ending it now revokes what the partner was given at once, and the partner's data stops landing. "
            "It cannot be undone.",
        ),
        "agr.created": ("등록", "Registered"),
        "agr.push_help": (
            "협력기관 데이터를 API로 올릴 때는 X-Hubcity-Official(요청 담당자)과 "
            "X-Hubcity-Case(사건·문서번호) 헤더를 함께 보내세요 (한글은 퍼센트 인코딩한 UTF-8).",
            "Pushes of the partner's data through the API send the X-Hubcity-Official (requesting "
            "official) and X-Hubcity-Case (case number) headers (Korean text as percent-encoded UTF-8).",
        ),
        "agr.save": ("저장", "Save"),
        # the upload page of a partner's dataset (web/ui/uploads.py)
        "up.partner_push": ("협약에 따른 전송", "Transfer under an agreement"),
        "up.partner_push_help": (
            "협력기관의 데이터는 시행 중인 데이터 공유 협약 안에서만 올릴 수 있고, 전송마다 요청 담당자와 "
            "사건·문서번호를 기록합니다.",
            "A partner's data lands only inside an active data-sharing agreement; each transfer records "
            "the requesting official and the case or document number.",
        ),
        "up.official": ("요청 담당자", "Requesting official"),
        "up.case": ("사건·문서번호", "Case or document number"),
        "agr.choose": ("선택하세요", "Choose"),
    }
)


def _field_errors(exc: InvalidInput) -> tuple[Errors, list[tuple[str, str]]]:
    errors: Errors = {}
    general: list[tuple[str, str]] = []
    for err in exc.errors:
        key = err.field
        if key in ("partner_contact", "city_contact"):
            key = f"{key}.name"  # "give an e-mail or a phone" shows beside the contact
        if key in _FIELDS and key not in errors:
            errors[key] = (err.message, err.message_en)
        else:
            general.append((err.message, err.message_en))
    if not exc.errors:
        general.append((exc.message, exc.message_en))
    return errors, general


def _login(path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={path}", status_code=303)


@router.get("/agreements", name="agreements")
def agreements_page(request: Request, services: ServicesDep, actor: ActorDep, status: str = "") -> Response:
    if not actor.authenticated:
        return _login("/agreements")
    status = status if status in {s.value for s in AgreementStatus} else ""
    views = services.agreements.list_views(actor, status=status or None)
    context = {
        "views": views,
        "status": status,
        "statuses": list(AgreementStatus),
        "may_create": bool(services.agreements.city_orgs_managed(actor)),
    }
    items = [AgreementRead.of(v) for v in views]
    return render(
        request,
        "agreements/list.html",
        context,
        actor=actor,
        data=AgreementPage(items=items, total=len(items)),
    )


def _form_page(
    request: Request,
    services: Any,
    actor: Actor,
    values: dict[str, str],
    *,
    agreement_id: int | None = None,
    errors: Errors | None = None,
    general: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> Response:
    partners = [o for o in services.accounts.list_orgs() if o.kind is OrgKind.PARTNER]
    cities = services.agreements.city_orgs_managed(actor)
    context = {
        "values": values,
        "errors": errors or {},
        "general": general or [],
        "partners": sorted(partners, key=lambda o: o.title),
        "cities": sorted(cities, key=lambda o: o.title),
        "agreement_id": agreement_id,
        "action": f"/agreements/{agreement_id}/edit" if agreement_id else "/agreements/new",
    }
    data = {
        "api": f"/api/v1/agreements/{agreement_id}" if agreement_id else "/api/v1/agreements",
        "method": "PATCH" if agreement_id else "POST",
        "fields": list(_FIELDS),
        "values": values,
        "errors": [{"field": f, "message": ko, "message_en": en} for f, (ko, en) in (errors or {}).items()],
    }
    return render(request, "agreements/form.html", context, actor=actor, data=data, status=status)


def _values(view: AgreementView | None = None) -> dict[str, str]:
    if view is None:
        return {"delete_after_days": "30"}
    a = view.agreement
    values = {
        "title": a.title,
        "partner": a.partner_org_slug,
        "city_org": a.city_org_slug,
        "datasets": "\n".join(a.dataset_names),
        "purpose": a.purpose,
        "legal_basis": a.legal_basis,
        "starts_on": a.starts_on.isoformat(),
        "ends_on": a.ends_on.isoformat(),
        "delete_after_days": str(a.delete_after_days),
    }
    for side, contact in (("partner", a.partner_contact), ("city", a.city_contact)):
        for f in _CONTACT_FIELDS:
            values[f"{side}_contact.{f}"] = getattr(contact, f)
    return values


async def _posted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(form.get(k) or "") for k in ("csrf", *_FIELDS)}


def _draft(values: dict[str, str]) -> AgreementDraft:
    def contact(side: str) -> Contact:
        return Contact.of({f: values.get(f"{side}_contact.{f}", "") for f in _CONTACT_FIELDS})

    return AgreementDraft(
        title=values.get("title", ""),
        partner=values.get("partner", ""),
        city_org=values.get("city_org", ""),
        datasets=tuple(values.get("datasets", "").replace(",", "\n").split()),
        purpose=values.get("purpose", ""),
        legal_basis=values.get("legal_basis", ""),
        starts_on=values.get("starts_on", ""),
        ends_on=values.get("ends_on", ""),
        delete_after_days=values.get("delete_after_days", ""),
        partner_contact=contact("partner"),
        city_contact=contact("city"),
    )


@router.get("/agreements/new", name="agreement_new")
def agreement_new(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    if not actor.authenticated:
        return _login("/agreements/new")
    services.agreements.require_registrar(actor)
    return _form_page(request, services, actor, _values())


@router.post("/agreements/new")
async def agreement_create(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    values = await _posted(request)
    check_csrf(request, values.pop("csrf"))
    try:
        created = services.agreements.create_agreement(actor, _draft(values))
    except InvalidInput as exc:
        errors, general = _field_errors(exc)
        return _form_page(request, services, actor, values, errors=errors, general=general, status=422)
    return RedirectResponse(f"/agreements/{created.id}", status_code=303)


@router.get("/agreements/{agreement_id}", name="agreement")
def agreement_page(
    request: Request,
    agreement_id: int,
    services: ServicesDep,
    actor: ActorDep,
) -> Response:
    return _detail(request, services, actor, agreement_id)


def _detail(
    request: Request,
    services: Any,
    actor: Actor,
    agreement_id: int,
    *,
    error: tuple[str, str] | None = None,
    reason: str = "",
    status: int = 200,
) -> Response:
    view = services.agreements.view(actor, agreement_id)
    transfers = services.agreements.list_transfers(actor, agreement_id)
    context = {"view": view, "a": view.agreement, "transfers": transfers, "error": error, "reason": reason}
    data = {
        "agreement": AgreementRead.of(view),
        "transfers": [TransferRead.of(t) for t in transfers],
    }
    return render(request, "agreements/detail.html", context, actor=actor, data=data, status=status)


@router.get("/agreements/{agreement_id}/edit", name="agreement_edit")
def agreement_edit(request: Request, agreement_id: int, services: ServicesDep, actor: ActorDep) -> Response:
    view = services.agreements.view(actor, agreement_id)
    if not view.can_manage:
        return RedirectResponse(f"/agreements/{agreement_id}", status_code=303)
    return _form_page(request, services, actor, _values(view), agreement_id=agreement_id)


@router.post("/agreements/{agreement_id}/edit")
async def agreement_update(
    request: Request, agreement_id: int, services: ServicesDep, actor: ActorDep
) -> Response:
    values = await _posted(request)
    check_csrf(request, values.pop("csrf"))
    draft = _draft(values)
    changes = {name: getattr(draft, name) for name in AgreementDraft.__dataclass_fields__}
    changes.pop("no_onward_transfer")
    try:
        services.agreements.update_agreement(actor, agreement_id, changes)
    except InvalidInput as exc:
        errors, general = _field_errors(exc)
        return _form_page(
            request,
            services,
            actor,
            values,
            agreement_id=agreement_id,
            errors=errors,
            general=general,
            status=422,
        )
    return RedirectResponse(f"/agreements/{agreement_id}", status_code=303)


@router.post("/agreements/{agreement_id}/terminate")
def agreement_terminate(
    request: Request,
    agreement_id: int,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    try:
        services.agreements.terminate(actor, agreement_id, reason)
    except InvalidInput as exc:
        error = (exc.message, exc.message_en)
        return _detail(request, services, actor, agreement_id, error=error, reason=reason, status=422)
    return RedirectResponse(f"/agreements/{agreement_id}", status_code=303)
