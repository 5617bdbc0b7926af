"""/harvest: the harvest sources a sysadmin or organisation admin manages, run now, and the change logs.

``/harvest`` lists the sources with their last run; ``/harvest?source=<name>`` adds that
source's recent runs and, for the chosen run (``&run=<id>``, default the newest), its
change log. ``POST /harvest/{name}/run`` queues a run. The service decides who sees what:
anyone else gets an empty list and 404s.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from hubcity.domain.harvest import CHANGE_LABELS
from hubcity.errors import AuthenticationFailed
from hubcity.web.api.harvest import HarvestRunRead, HarvestSourceRead
from hubcity.web.deps import ActorDep, ServicesDep, check_csrf
from hubcity.web.ui.i18n import MESSAGES
from hubcity.web.ui.rendering import render

__all__ = ["router"]

router = APIRouter()

MESSAGES.update(
    {
        "harvest.title": ("수집(하베스팅)", "Harvesting"),
        "harvest.intro": (
            "다른 CKAN 포털과 DCAT 카탈로그에서 데이터셋 메타데이터(원하면 파일까지)를 "
            "정해진 주기로 가져옵니다. 원본 추가와 변경은 API(/api/v1/harvest/sources)나 "
            "`hubcity harvest add`로 합니다.",
            "Imports dataset metadata (and files, when asked) from other CKAN portals and DCAT "
            "catalogues on a schedule. Add or change sources through the API "
            "(/api/v1/harvest/sources) or `hubcity harvest add`.",
        ),
        "harvest.none": ("관리하는 수집 원본이 없습니다.", "You manage no harvest sources."),
        "harvest.col_name": ("원본", "Source"),
        "harvest.col_kind": ("종류", "Kind"),
        "harvest.col_org": ("대상 기관", "Target organisation"),
        "harvest.col_schedule": ("주기", "Schedule"),
        "harvest.col_last": ("마지막 실행", "Last run"),
        "harvest.every_hours": ("{n}시간마다", "every {n} h"),
        "harvest.manual": ("수동", "by hand"),
        "harvest.disabled": ("중지됨", "disabled"),
        "harvest.files": ("파일 포함", "with files"),
        "harvest.run_now": ("지금 실행", "Run now"),
        "harvest.runs": ("최근 실행", "Recent runs"),
        "harvest.changes": ("변경 기록", "Change log"),
        "harvest.col_change": ("변경", "Change"),
        "harvest.col_dataset": ("데이터셋", "Dataset"),
        "harvest.col_diff": ("바뀐 항목", "Changed fields"),
        "harvest.no_changes": ("기록이 없습니다.", "Nothing recorded."),
        "harvest.transfer_details": (
            "협력기관 전송 기록: 요청 담당자 {official} · 사건·문서번호 {case}",
            "Recorded on each transfer from the partner: requesting official {official} · case {case}",
        ),
        "ds.harvested_from": ("수집 출처", "Harvested from"),
        "ds.deleted_upstream": (
            "원본 포털에서 삭제되어 공개를 중단했습니다.",
            "Deleted on the source portal; no longer published here.",
        ),
    }
)


def _run_summary(run: Any) -> dict[str, Any]:
    return HarvestRunRead.of(run).model_dump(mode="json")


@router.get("/harvest", name="harvest")
def harvest_page(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    source: str = "",
    run: int | None = Query(None, ge=1),
) -> Response:
    if not actor.authenticated:
        raise AuthenticationFailed("로그인이 필요합니다.", "Sign in first.")
    sources = services.harvest.list_sources(actor)
    chosen = services.harvest.get_source(actor, source) if source else None
    runs = services.harvest.list_runs(actor, chosen.name, 20) if chosen else []
    shown = None
    if chosen is not None and (run is not None or runs):
        shown = services.harvest.get_run(actor, chosen.name, run if run is not None else runs[0].id)
    context = {
        "sources": sources,
        "chosen": chosen,
        "runs": runs,
        "shown": shown,
        "change_labels": {str(k): v for k, v in CHANGE_LABELS.items()},
    }
    data = {
        "sources": [HarvestSourceRead.of(s) for s in sources],
        "source": HarvestSourceRead.of(chosen) if chosen else None,
        "runs": [HarvestRunRead.of(r) for r in runs],
        "run": HarvestRunRead.of(shown) if shown else None,
    }
    return render(request, "harvest.html", context, actor=actor, data=data)


@router.post("/harvest/{name}/run", name="harvest_run")
def harvest_run(
    request: Request, name: str, services: ServicesDep, actor: ActorDep, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf)
    queued = services.harvest.run_source(actor, name)
    return RedirectResponse(f"/harvest?source={name}&run={queued.id}", status_code=303)
