"""Pages of access requests and grants (데이터 제공 요청), on top of ``services.access``.

``/datasets/{name}/access-request`` and ``/access/new?dataset=…`` (for a restricted dataset
the user cannot see) take a request; ``/access`` lists one's own requests and those one's
organisations must decide, ``/access/board`` counts them per department, and
``/access/requests/{id}`` shows one with the owner admins' decision form. ``/access/grants``
lists the grants held and given, with revocation. The service decides who may do what;
the pages only offer the forms a user could use, and a mistake comes back beside its field.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hubcity.domain.accounts import Actor, Org, Role
from hubcity.domain.grants import TRANSFORMS, AccessRequest, filter_text
from hubcity.domain.koreatime import KST, korean_today, last_day
from hubcity.errors import AuthenticationFailed, FieldError, InvalidInput, NotFound
from hubcity.web.api.access import AccessBoardRead, AccessRequestRead, GrantRead
from hubcity.web.deps import ActorDep, ServicesDep, check_csrf
from hubcity.web.ui.i18n import MESSAGES
from hubcity.web.ui.rendering import render, wants_json

__all__ = ["router"]

router = APIRouter()

_REQUEST_FIELDS = ("dataset", "purpose", "columns", "ends_on", "org")
_DECISION_FIELDS = ("decision", "columns", "row_filter", "ends_on", "reason")
Errors = dict[str, tuple[str, str]]

MESSAGES.update(
    {
        "acc.nav": ("데이터 제공 요청", "Access requests"),
        "acc.title": ("데이터 제공 요청", "Access requests"),
        "acc.intro": (
            "다른 부서의 데이터를 목적·열·기간을 정해 요청하고, 우리 기관에 온 요청을 결정합니다. "
            "소유 기관은 {days}일 안에 결정합니다(데이터기반행정법).",
            "Ask another department for data with a purpose, columns and a period, and decide the "
            "requests your organisations receive. The owner decides within {days} days.",
        ),
        "acc.tab_mine": ("내 요청", "My requests"),
        "acc.tab_decide": ("결정할 요청", "To decide"),
        "acc.tab_board": ("부서별 현황", "By department"),
        "acc.tab_grants": ("제공 권한", "Grants"),
        "acc.none": ("요청이 없습니다.", "No requests."),
        "acc.col_no": ("번호", "No."),
        "acc.col_dataset": ("데이터셋", "Dataset"),
        "acc.col_requester": ("요청자", "Requester"),
        "acc.col_owner": ("소유 기관", "Owner"),
        "acc.col_status": ("상태", "Status"),
        "acc.col_due": ("결정 기한", "Decide by"),
        "acc.col_created": ("요청일", "Requested"),
        "acc.overdue": ("기한 초과", "Overdue"),
        "acc.days_left": ("{n}일 남음", "{n} days left"),
        "acc.due_today": ("오늘까지", "due today"),
        "acc.new_title": ("데이터 제공 요청", "Request access"),
        "acc.new_link": ("접근 요청", "Request access"),
        "acc.new_intro": (
            "이용 목적과 필요한 열, 이용 기간을 적어 주세요. 소유 기관의 관리자가 {days}일 안에 "
            "제공·부분 제공·거절을 결정합니다.",
            "Give the purpose, the columns you need and the period. The owner's admins decide "
            "within {days} days: provide, provide in part, or refuse.",
        ),
        "acc.f_dataset": ("데이터셋 식별자", "Dataset name"),
        "acc.f_dataset_help": (
            "볼 수 없는 제한 데이터셋은 소유 부서가 알려 준 식별자를 적습니다.",
            "For a restricted dataset you cannot see, the name its owner gave you.",
        ),
        "acc.f_purpose": ("이용 목적", "Purpose"),
        "acc.f_purpose_help": (
            "제공받은 데이터는 이 목적에만 씁니다 (5~5000자).",
            "Shared data serves this purpose only (5 to 5000 characters).",
        ),
        "acc.f_columns": ("필요한 열", "Columns needed"),
        "acc.f_columns_help": (
            "아무것도 고르지 않으면 모든 열을 요청합니다.",
            "Choose none to ask for every column.",
        ),
        "acc.f_other_columns": ("보이지 않는 열", "Columns you cannot see"),
        "acc.f_other_columns_help": (
            "가려진 열(개인정보 등)의 이름을 쉼표나 줄바꿈으로 구분해 적습니다.",
            "Names of hidden columns (personal data …), separated by commas or lines.",
        ),
        "acc.f_ends_on": ("이용 종료일", "Use until"),
        "acc.f_ends_on_help": (
            "이 날까지 이용하고, 이후에는 자동으로 끝납니다.",
            "Access ends by itself after this day.",
        ),
        "acc.f_org": ("요청 주체", "On behalf of"),
        "acc.f_org_help": (
            "기관으로 요청하면 그 기관의 모든 구성원이 권한을 갖습니다.",
            "Asked for an organisation, every member of it holds the grant.",
        ),
        "acc.f_org_self": ("본인", "Myself"),
        "acc.submit": ("요청하기", "Send request"),
        "acc.owner_sees_all": (
            "소유 기관의 구성원은 이미 모든 열을 볼 수 있습니다.",
            "Members of the owning organisation already see every column.",
        ),
        "acc.hidden_note": (
            "열 {n}개가 가려져 있습니다 (개인정보이거나 권한 범위 밖).",
            "{n} columns are hidden (personal data, or outside your access).",
        ),
        "acc.transformed_note": ("변환되어 보이는 열", "Columns shown transformed"),
        "acc.request": ("접근 요청", "Access request"),
        "acc.requested": (
            "요청을 접수했습니다. 결정 기한은 {due}입니다.",
            "Request filed. Decision due {due}.",
        ),
        "acc.purpose": ("이용 목적", "Purpose"),
        "acc.columns": ("요청한 열", "Columns asked for"),
        "acc.all_columns": ("모든 열", "every column"),
        "acc.ends_on": ("이용 종료일", "Use until"),
        "acc.on_behalf": ("요청 주체", "On behalf of"),
        "acc.decided": ("결정", "Decision"),
        "acc.decided_by": ("{who}, {when}", "{who}, {when}"),
        "acc.reason": ("사유", "Reason"),
        "acc.grant_link": ("제공 권한 보기", "See the grant"),
        "acc.withdraw": ("요청 철회", "Withdraw request"),
        "acc.decide_form": ("요청 결정", "Decide the request"),
        "acc.d_provide": ("제공", "Provide"),
        "acc.d_partial": ("부분 제공", "Provide in part"),
        "acc.d_refuse": ("거절", "Refuse"),
        "acc.d_columns": ("제공할 열과 변환", "Columns to give and their transformation"),
        "acc.d_columns_help": (
            "요청한 열이 미리 골라져 있습니다. 열을 줄이거나 변환·행 조건을 두면 '부분 제공'입니다.",
            "The requested columns are chosen. Fewer columns, transformations or a row filter make it "
            "'provide in part'.",
        ),
        "acc.d_transform": ("변환", "Transformation"),
        "acc.d_param": ("숫자", "Number"),
        "acc.t_none": ("변환 없음", "None"),
        "acc.personal": ("개인정보", "Personal"),
        "acc.unknown_columns": ("데이터셋에 없는 요청 열", "Requested columns the dataset lacks"),
        "acc.d_row_filter": ("행 조건", "Row filter"),
        "acc.d_row_filter_help": (
            "한 줄에 하나씩: 열=값, 열__gte=값, 열__in=값1,값2 (모두 만족하는 행만 제공).",
            "One per line: col=value, col__gte=value, col__in=a,b (rows meeting all of them).",
        ),
        "acc.d_ends_on_help": ("비워 두면 요청한 종료일까지입니다.", "Empty: until the requested end date."),
        "acc.d_reason_help": ("거절할 때는 꼭 적습니다.", "Required when refusing."),
        "acc.d_submit": ("결정하기", "Decide"),
        "acc.board_title": ("부서별 요청 현황", "Requests by department"),
        "acc.board_none": ("결정을 기다리는 요청이 없습니다.", "No requests waiting for a decision."),
        "acc.pending": ("검토 중 {n}건", "{n} pending"),
        "acc.n_overdue": ("기한 초과 {n}건", "{n} overdue"),
        "acc.due_soon": ("곧 마감 {n}건", "{n} due soon"),
        "acc.grants_title": ("제공 권한", "Grants"),
        "acc.grants_mine": ("내가 받은 권한", "Grants I hold"),
        "acc.grants_given": ("우리 기관이 준 권한", "Grants my organisations gave"),
        "acc.grants_none": ("권한이 없습니다.", "No grants."),
        "acc.g_grantee": ("받는 쪽", "Grantee"),
        "acc.g_state": ("상태", "State"),
        "acc.g_columns": ("열", "Columns"),
        "acc.g_transforms": ("변환", "Transformations"),
        "acc.g_filter": ("행 조건", "Row filter"),
        "acc.g_period": ("기간", "Period"),
        "acc.g_state.active": ("유효", "Active"),
        "acc.g_state.expired": ("만료", "Expired"),
        "acc.g_state.revoked": ("회수됨", "Revoked"),
        "acc.g_state.scheduled": ("시작 전", "Scheduled"),
        "acc.revoke": ("회수", "Revoke"),
        "acc.revoke_reason": ("회수 사유", "Reason for revoking"),
        **{f"acc.t.{kind}": (ko, en) for kind, (ko, en, _) in TRANSFORMS.items()},
    }
)


# -- helpers -----------------------------------------------------------------------------------
def _signed_in(request: Request, actor: Actor) -> RedirectResponse | None:
    """Pages of one's own requests need a user: the browser goes to the login form, JSON gets 401."""
    if actor.authenticated:
        return None
    if wants_json(request):
        raise AuthenticationFailed("로그인이 필요합니다.", "Sign in first.")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={target}", status_code=303)


def _may_decide(actor: Actor, owner_org_id: int) -> bool:
    """Whether to offer the decision and revoke forms (the service checks again)."""
    return actor.sysadmin or actor.role_in(owner_org_id) is Role.ADMIN


def _field_errors(
    errors_in: list[FieldError], known: tuple[str, ...]
) -> tuple[Errors, list[tuple[str, str]]]:
    """Errors keyed by form field; ``row_filter.2`` names its line, ``transforms.<col>`` its row."""
    errors: Errors = {}
    general: list[tuple[str, str]] = []
    for err in errors_in:
        name, _, rest = err.field.partition(".")
        if name == "row_filter" and rest.isdigit():
            line = int(rest) + 1
            ko, en = f"{line}번째 줄: {err.message}", f"line {line}: {err.message_en}"
            old = errors.get(name)
            errors[name] = (f"{old[0]} / {ko}", f"{old[1]} / {en}") if old else (ko, en)
        elif name == "transforms" and rest:
            errors.setdefault(err.field, (err.message, err.message_en))
        elif name in known:
            errors.setdefault(name, (err.message, err.message_en))
        else:
            general.append((err.message, err.message_en))
    return errors, general


def _invalid(exc: InvalidInput, known: tuple[str, ...]) -> tuple[Errors, list[tuple[str, str]]]:
    errors, general = _field_errors(exc.errors, known)
    if not exc.errors:
        general.append((exc.message, exc.message_en))
    return errors, general


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]


# -- lists -------------------------------------------------------------------------------------
@router.get("/access", name="access")
def access_list(request: Request, services: ServicesDep, actor: ActorDep, box: str = "mine") -> Response:
    if (login := _signed_in(request, actor)) is not None:
        return login
    box = box if box in ("mine", "decide") else "mine"
    today = korean_today()
    found = services.access.list_requests(actor, box=box)
    # the open ones first, the most urgent on top; then the decided ones, newest first
    items = sorted((r for r in found if r.status.open), key=lambda r: (r.due_on, r.id))
    items += sorted((r for r in found if not r.status.open), key=lambda r: -r.id)
    context = {"box": box, "items": items, "today": today, "due_days": services.access.due_days}
    data = {"box": box, "items": [AccessRequestRead.of(r, today) for r in items]}
    return render(request, "access/list.html", context, actor=actor, data=data)


@router.get("/access/board", name="access_board")
def access_board(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    if (login := _signed_in(request, actor)) is not None:
        return login
    today = korean_today()
    boards = services.access.board(actor, today)
    data = [AccessBoardRead.of(b, today) for b in boards]
    return render(request, "access/board.html", {"boards": boards, "today": today}, actor=actor, data=data)


# -- the request form --------------------------------------------------------------------------
def _visible_columns(services: Any, actor: Actor, name: str) -> tuple[Any, list[str]]:
    """The dataset and the column names the actor sees; (None, []) for one they cannot read."""
    try:
        dataset, resources = services.resources.list_resources(actor, name)
    except NotFound:
        return None, []
    names: dict[str, None] = {}
    for r in resources:
        for c in r.current.columns if r.current else []:
            names.setdefault(str(c["name"]))
    return dataset, list(names)


def _form_page(
    request: Request,
    services: Any,
    actor: Actor,
    *,
    action: str,
    name: str,
    values: dict[str, Any],
    errors: Errors | None = None,
    general: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> Response:
    dataset, columns = _visible_columns(services, actor, name) if name else (None, [])
    orgs: list[Org] = [o for o in services.accounts.list_orgs() if o.id in actor.roles]
    chosen = set(values.get("columns", []))
    hidden_asked = [c for c in values.get("columns", []) if c not in columns]
    if hidden_asked and not values.get("other_columns"):
        values = {**values, "other_columns": ", ".join(hidden_asked)}
    context = {
        "action": action,
        "fixed": action != "/access/new",
        "name": name,
        "dataset": dataset,
        "columns": columns,
        "chosen": chosen,
        "orgs": orgs,
        "values": values,
        "errors": errors or {},
        "general": general or [],
        "due_days": services.access.due_days,
    }
    data = {
        "dataset": name or None,
        "columns": columns,
        "orgs": [o.slug for o in orgs],
        "create_url": "/api/v1/access-requests",
        "errors": [{"field": f, "message": ko, "message_en": en} for f, (ko, en) in (errors or {}).items()],
    }
    return render(request, "access/new.html", context, actor=actor, data=data, status=status)


def _default_values(dataset: str = "") -> dict[str, Any]:
    return {"dataset": dataset, "ends_on": (korean_today() + timedelta(days=365)).isoformat(), "columns": []}


def _submit(
    request: Request,
    services: Any,
    actor: Actor,
    *,
    action: str,
    values: dict[str, Any],
) -> Response:
    name = str(values["dataset"]).strip()
    try:
        if not name:
            raise InvalidInput(
                "데이터셋을 적으세요.",
                "Name the dataset.",
                [FieldError("dataset", "데이터셋 식별자를 적으세요.", "Give the dataset's name.")],
            )
        created = services.access.request_access(
            actor,
            dataset=name,
            purpose=values["purpose"],
            ends_on=values["ends_on"],
            columns=values["columns"],
            org=values["org"] or None,
        )
    except InvalidInput as exc:
        errors, general = _invalid(exc, _REQUEST_FIELDS)
        return _form_page(
            request,
            services,
            actor,
            action=action,
            name=name,
            values=values,
            errors=errors,
            general=general,
            status=422,
        )
    except NotFound as exc:
        errors = {"dataset": (exc.message, exc.message_en)}
        return _form_page(
            request, services, actor, action=action, name=name, values=values, errors=errors, status=404
        )
    return RedirectResponse(f"/access/requests/{created.id}?filed=1", status_code=303)


def _posted(
    dataset: str, purpose: str, columns: list[str], other_columns: str, ends_on: str, org: str
) -> dict[str, Any]:
    asked = list(dict.fromkeys([*columns, *_split(other_columns)]))
    return {
        "dataset": dataset,
        "purpose": purpose,
        "columns": asked,
        "other_columns": other_columns,
        "ends_on": ends_on,
        "org": org,
    }


@router.get("/datasets/{name}/access-request", name="access_request_form")
def access_request_form(request: Request, name: str, services: ServicesDep, actor: ActorDep) -> Response:
    if (login := _signed_in(request, actor)) is not None:
        return login
    services.catalog.get_dataset(actor, name)  # 404 for a dataset they cannot see: /access/new takes those
    action = f"/datasets/{name}/access-request"
    return _form_page(request, services, actor, action=action, name=name, values=_default_values(name))


@router.post("/datasets/{name}/access-request")
def access_request_post(
    request: Request,
    name: str,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    purpose: Annotated[str, Form()] = "",
    columns: Annotated[list[str] | None, Form()] = None,
    other_columns: Annotated[str, Form()] = "",
    ends_on: Annotated[str, Form()] = "",
    org: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    if (login := _signed_in(request, actor)) is not None:
        return login
    values = _posted(name, purpose, columns or [], other_columns, ends_on, org)
    return _submit(request, services, actor, action=f"/datasets/{name}/access-request", values=values)


@router.get("/access/new", name="access_new")
def access_new(request: Request, services: ServicesDep, actor: ActorDep, dataset: str = "") -> Response:
    if (login := _signed_in(request, actor)) is not None:
        return login
    name = dataset.strip()
    return _form_page(request, services, actor, action="/access/new", name=name, values=_default_values(name))


@router.post("/access/new")
def access_new_post(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    dataset: Annotated[str, Form()] = "",
    purpose: Annotated[str, Form()] = "",
    columns: Annotated[list[str] | None, Form()] = None,
    other_columns: Annotated[str, Form()] = "",
    ends_on: Annotated[str, Form()] = "",
    org: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    if (login := _signed_in(request, actor)) is not None:
        return login
    values = _posted(dataset, purpose, columns or [], other_columns, ends_on, org)
    return _submit(request, services, actor, action="/access/new", values=values)


# -- one request -------------------------------------------------------------------------------
def _decision_columns(services: Any, actor: Actor, req: AccessRequest) -> list[dict[str, Any]]:
    """Every column of the dataset (the deciding admin sees them all), personal ones marked."""
    _, resources = services.resources.list_resources(actor, req.dataset_name)
    out: dict[str, dict[str, Any]] = {}
    for r in resources:
        if r.current is None:
            continue
        personal = services.access.hidden_of(r.current)
        for c in r.current.columns:
            name = str(c["name"])
            out.setdefault(name, {"name": name, "type": c.get("type", ""), "personal": name in personal})
    return list(out.values())


def _detail_page(
    request: Request,
    services: Any,
    actor: Actor,
    req: AccessRequest,
    *,
    values: dict[str, Any] | None = None,
    errors: Errors | None = None,
    general: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> Response:
    today = korean_today()
    decide = req.status.open and _may_decide(actor, req.owner_org_id)
    columns = _decision_columns(services, actor, req) if decide else []
    known = {c["name"] for c in columns}
    grant = None
    if req.grant_id is not None:
        try:
            grant = services.access.get_grant(actor, req.grant_id)
        except NotFound:
            grant = None
    defaults = {
        "decision": "",
        "columns": [c for c in req.columns if c in known] if req.columns else [c["name"] for c in columns],
        "transforms": {},
        "row_filter": "",
        "ends_on": req.ends_on.isoformat(),
        "reason": "",
    }
    context = {
        "req": req,
        "today": today,
        "overdue": req.overdue(today),
        "days_left": req.days_left(today),
        "decide": decide,
        "withdraw": req.status.open and req.requester_id == actor.user_id,
        "columns": columns,
        "unknown": [c for c in req.columns if c not in known] if decide else [],
        "transforms": TRANSFORMS,
        "grant": grant,
        "grant_last_day": last_day(grant.ends_at) if grant else None,
        "now": datetime.now(KST),
        "values": values or defaults,
        "errors": errors or {},
        "general": general or [],
        "filed": request.query_params.get("filed") == "1",
    }
    data = AccessRequestRead.of(req, today)
    return render(request, "access/request.html", context, actor=actor, data=data, status=status)


@router.get("/access/requests/{request_id}", name="access_request")
def access_request(request: Request, request_id: int, services: ServicesDep, actor: ActorDep) -> Response:
    if (login := _signed_in(request, actor)) is not None:
        return login
    return _detail_page(request, services, actor, services.access.get_request(actor, request_id))


@router.post("/access/requests/{request_id}/decision")
def access_decide(
    request: Request,
    request_id: int,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
    columns: Annotated[list[str] | None, Form()] = None,
    t_column: Annotated[list[str] | None, Form()] = None,
    t_kind: Annotated[list[str] | None, Form()] = None,
    t_param: Annotated[list[str] | None, Form()] = None,
    row_filter: Annotated[str, Form()] = "",
    ends_on: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    req = services.access.get_request(actor, request_id)
    # one row per column: its name, the chosen kind ("" for none) and an optional number
    rows = list(zip(t_column or [], t_kind or [], t_param or [], strict=False))
    transforms = {
        col: f"{kind}:{param.strip()}" if param.strip() else kind for col, kind, param in rows if kind
    }
    lines = [line.strip() for line in row_filter.splitlines() if line.strip()]
    try:
        services.access.decide(
            actor,
            request_id,
            decision=decision,
            columns=columns or [],
            row_filter=lines,
            transforms=transforms,
            reason=reason,
            ends_on=ends_on.strip() or None,
        )
    except InvalidInput as exc:
        errors, general = _invalid(exc, _DECISION_FIELDS)
        values = {
            "decision": decision,
            "columns": columns or [],
            "transforms": {col: (kind, param) for col, kind, param in rows},
            "row_filter": row_filter,
            "ends_on": ends_on,
            "reason": reason,
        }
        return _detail_page(
            request, services, actor, req, values=values, errors=errors, general=general, status=422
        )
    return RedirectResponse(f"/access/requests/{request_id}", status_code=303)


@router.post("/access/requests/{request_id}/withdraw")
def access_withdraw(
    request: Request,
    request_id: int,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    services.access.withdraw(actor, request_id)
    return RedirectResponse(f"/access/requests/{request_id}", status_code=303)


# -- grants ------------------------------------------------------------------------------------
@router.get("/access/grants", name="access_grants")
def access_grants(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    if (login := _signed_in(request, actor)) is not None:
        return login
    now = datetime.now(KST)
    mine = services.access.list_grants(actor, box="mine")
    given = services.access.list_grants(actor, box="given")
    context = {
        "mine": mine,
        "given": given,
        "now": now,
        "last_day": lambda g: last_day(g.ends_at),
        "filter_text": filter_text,
        "may_revoke": lambda g: _may_decide(actor, g.owner_org_id),
    }
    data = {"mine": [GrantRead.of(g, now) for g in mine], "given": [GrantRead.of(g, now) for g in given]}
    return render(request, "access/grants.html", context, actor=actor, data=data)


@router.post("/access/grants/{grant_id}/revoke")
def access_revoke(
    request: Request,
    grant_id: int,
    services: ServicesDep,
    actor: ActorDep,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    services.access.revoke(actor, grant_id, reason)
    return RedirectResponse(f"/access/grants#grant-{grant_id}", status_code=303)
