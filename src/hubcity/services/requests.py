"""Citizens' data requests (공공데이터 제공신청): file, list, read and answer them.

Anyone may file a request, signed in or not; the board is public. Staff of the
owner department (editors and admins) and sysadmins answer, change the status
and reassign; while a request has no owner, any city staff editor may assign
it. The requester's e-mail reaches only those who may answer, and the name is
shown masked to everyone else. Nothing is sent by e-mail (hubcity has no mail
server): requesters follow their request on its page.

Abuse guards that track no one: length limits, a honeypot field the form hides
from people, and a per-process rate limit keyed on a salted hash of the client
address, kept only in memory and forgotten after the window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hubcity.domain.accounts import Actor
from hubcity.domain.datasets import Visibility
from hubcity.domain.koreatime import korean_date
from hubcity.domain.requests import (
    OPEN_STATUSES,
    DataRequest,
    DataRequestFilter,
    RequestStatus,
    can_assign,
    can_manage,
    mask_name,
    valid_email,
)
from hubcity.errors import FieldError, InvalidInput, NotFound, PermissionDenied, TooManyRequests
from hubcity.ports import MetadataStore
from hubcity.services.catalog import CatalogService

__all__ = ["NewDataRequest", "RateLimiter", "RequestAnswer", "RequestPage", "RequestService"]

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
NAME_MAX = 100
EMAIL_MAX = 320
ANSWER_MAX = 5000


@dataclass(frozen=True)
class NewDataRequest:
    """A request as a citizen files it."""

    title: str
    description: str
    requester_name: str = ""
    requester_email: str = ""
    org: str = ""  # the department the citizen suggests (slug), optional


@dataclass(frozen=True)
class RequestAnswer:
    """What staff change on a request; ``None`` leaves a field as it is."""

    status: str | None = None
    answer: str | None = None
    dataset: str | None = None  # a public dataset's name; "" removes the link
    org: str | None = None  # the owner department (slug)


@dataclass(frozen=True)
class RequestPage:
    items: list[DataRequest]
    total: int
    limit: int
    offset: int
    today: date
    counts: dict[str, int] = field(default_factory=dict)  # per status, among the other filters


class RateLimiter:
    """At most ``limit`` hits per ``window`` for one key; keys are salted hashes, held in memory only."""

    def __init__(self, limit: int, window: timedelta, *, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window.total_seconds()
        self.max_keys = max_keys
        self._salt = secrets.token_bytes(32)  # new per process: the hashes mean nothing elsewhere
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, address: str) -> str:
        return hmac.new(self._salt, address.encode(), hashlib.sha256).hexdigest()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
        return hits

    def allowed(self, key: str, now: float) -> bool:
        with self._lock:
            return len(self._recent(key, now)) < self.limit

    def hit(self, key: str, now: float) -> None:
        with self._lock:
            hits = self._recent(key, now)
            hits.append(now)
            self._hits[key] = hits
            self._hits.move_to_end(key)
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)

    def retry_after(self, key: str, now: float) -> float:
        """Seconds until ``key`` may hit again (0 when it may now)."""
        with self._lock:
            hits = self._recent(key, now)
            if len(hits) < self.limit or not hits:
                return 0.0
            return max(0.0, hits[0] + self.window - now)

    def __len__(self) -> int:
        return len(self._hits)


def _now() -> datetime:
    return datetime.now(UTC)


class RequestService:
    def __init__(
        self,
        store: MetadataStore,
        catalog: CatalogService,
        *,
        due_days: int = 10,
        rate_limit: int = 5,
        rate_window: timedelta = timedelta(minutes=10),
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.due_days = due_days
        self.clock = clock
        self.limiter = RateLimiter(rate_limit, rate_window)

    def today(self) -> date:
        return korean_date(self.clock())

    # -- filing --------------------------------------------------------------------------------
    def create_request(
        self, actor: Actor, new: NewDataRequest, *, client: str | None = None, honeypot: str = ""
    ) -> DataRequest:
        """File a request; ``client`` is the caller's address, used only as a rate-limit key."""
        if honeypot.strip():
            raise InvalidInput(
                "자동 입력으로 보이는 신청은 받지 않습니다. 숨은 칸을 비우고 다시 보내 주세요.",
                "This looks like an automated submission; leave the hidden field empty and send again.",
            )
        title = new.title.strip()
        description = new.description.strip()
        name = new.requester_name.strip()
        email = new.requester_email.strip()
        slug = new.org.strip()
        errors: list[FieldError] = []
        if not title:
            errors.append(FieldError("title", "제목을 입력하세요.", "Enter a title."))
        elif len(title) > TITLE_MAX:
            errors.append(
                FieldError(
                    "title",
                    f"제목은 {TITLE_MAX}자 이내로 써 주세요 (지금 {len(title)}자).",
                    f"Keep the title within {TITLE_MAX} characters (it has {len(title)}).",
                )
            )
        if not description:
            errors.append(
                FieldError(
                    "description",
                    "어떤 데이터가 왜 필요한지 적어 주세요.",
                    "Describe the data you need and why.",
                )
            )
        elif len(description) > DESCRIPTION_MAX:
            errors.append(
                FieldError(
                    "description",
                    f"설명은 {DESCRIPTION_MAX:,}자 이내로 써 주세요 (지금 {len(description):,}자).",
                    f"Keep the description within {DESCRIPTION_MAX:,} characters "
                    f"(it has {len(description):,}).",
                )
            )
        if len(name) > NAME_MAX:
            errors.append(
                FieldError(
                    "requester_name",
                    f"이름은 {NAME_MAX}자 이내로 써 주세요.",
                    f"Keep the name within {NAME_MAX} characters.",
                )
            )
        if email and not valid_email(email):
            errors.append(
                FieldError(
                    "requester_email",
                    "이메일 주소 형식이 올바르지 않습니다 (예: name@example.com).",
                    "This is not an e-mail address (e.g. name@example.com).",
                )
            )
        org = self.store.find_org(slug) if slug else None
        if slug and org is None:
            errors.append(
                FieldError("org", "목록에 있는 부서를 고르세요.", "Choose a department from the list.")
            )
        if errors:
            raise InvalidInput(
                "입력값을 확인해 주세요: " + errors[0].message,
                "Please check the request: " + errors[0].message_en,
                errors,
            )
        key = self.limiter.key(client) if client else None
        now = self.clock()
        if key is not None and not self.limiter.allowed(key, now.timestamp()):
            minutes = int(self.limiter.window // 60)
            raise TooManyRequests(
                f"짧은 시간에 신청이 너무 많습니다. {minutes}분쯤 뒤에 다시 신청해 주세요.",
                f"Too many requests in a short time; please try again in about {minutes} minutes.",
            )
        fields: dict[str, Any] = {
            "title": title,
            "description": description,
            "requester_name": name,
            "requester_email": email,
            "suggested_org_id": org.id if org else None,
            "org_id": org.id if org else None,
            "status": str(RequestStatus.RECEIVED),
            "answer": "",
            "due_on": korean_date(now) + timedelta(days=self.due_days),
            "created_at": now,
            "updated_at": now,
        }
        event = {
            "at": now,
            "status": str(RequestStatus.RECEIVED),
            "org_id": org.id if org else None,
            "note": "",
            "by_name": actor.username,
        }
        request = self.store.create_data_request(fields, event)
        if key is not None:
            self.limiter.hit(key, now.timestamp())
        return self._view(actor, request)

    # -- reading -------------------------------------------------------------------------------
    def list_requests(
        self,
        actor: Actor,
        *,
        status: str | None = None,
        org: str | None = None,
        overdue: bool = False,
        limit: int = 20,
        offset: int = 0,
    ) -> RequestPage:
        """The public board: newest first, filtered by status, department (or "none") and overdue."""
        today = self.today()
        flt = DataRequestFilter(
            status=_status(status) if status else None,
            org=(org or "").strip() or None,
            overdue_on=today if overdue else None,
            limit=max(1, min(limit, 200)),
            offset=max(0, offset),
        )
        items, total = self.store.list_data_requests(flt)
        return RequestPage(
            items=[self._view(actor, r) for r in items],
            total=total,
            limit=flt.limit,
            offset=flt.offset,
            today=today,
            counts=self.store.count_data_requests(flt),
        )

    def get_request(self, actor: Actor, request_id: int) -> DataRequest:
        return self._view(actor, self._find(request_id))

    def can_manage(self, actor: Actor, request: DataRequest) -> bool:
        return can_manage(actor, request)

    def can_assign(self, actor: Actor, request: DataRequest) -> bool:
        return can_assign(actor, request)

    # -- answering -----------------------------------------------------------------------------
    def answer_request(self, actor: Actor, request_id: int, change: RequestAnswer) -> DataRequest:
        """Assign, change the status, answer or link a dataset; each call is one step of the history."""
        request = self._find(request_id)
        if not can_assign(actor, request):
            raise PermissionDenied(
                "담당 부서의 편집자나 시스템 관리자만 이 신청에 답변할 수 있습니다.",
                "Only editors of the owner department or sysadmins may answer this request.",
            )
        fields: dict[str, Any] = {}
        errors: list[FieldError] = []
        org_id = request.org_id
        new_org = (change.org or "").strip()
        if change.org is not None and new_org != (request.org_slug or ""):
            org = self.store.find_org(new_org) if new_org else None
            if org is None:
                errors.append(
                    FieldError("org", "목록에 있는 부서를 고르세요.", "Choose a department from the list.")
                )
            else:
                org_id = fields["org_id"] = org.id
        status = request.status
        if change.status:
            try:
                status = RequestStatus(change.status)
            except ValueError:
                errors.append(_status_error())
        answer = request.answer if change.answer is None else change.answer.strip()
        if len(answer) > ANSWER_MAX:
            errors.append(
                FieldError(
                    "answer",
                    f"답변은 {ANSWER_MAX:,}자 이내로 써 주세요.",
                    f"Keep the answer within {ANSWER_MAX:,} characters.",
                )
            )
        dataset_id: int | None = None
        dataset_name = request.dataset_name
        wanted = (change.dataset or "").strip()
        if change.dataset is not None and wanted != (request.dataset_name or ""):
            found = self.store.find_dataset(wanted) if wanted else None
            if wanted and (found is None or found.visibility is not Visibility.PUBLIC):
                errors.append(
                    FieldError(
                        "dataset",
                        f"공개 데이터셋 '{wanted}'을(를) 찾을 수 없습니다. "
                        "데이터셋의 식별자(URL 이름)를 쓰세요.",
                        f"No public dataset '{wanted}'; use the dataset's name (as in its URL).",
                    )
                )
            else:
                dataset_id = found.id if found else None
                dataset_name = found.name if found else None
                fields["dataset_id"] = dataset_id
        if status is RequestStatus.PUBLISHED and not dataset_name and "dataset" not in _fields(errors):
            errors.append(
                FieldError(
                    "dataset",
                    "제공 완료로 바꾸려면 제공한 공개 데이터셋을 연결하세요.",
                    "Link the public dataset that answers the request to mark it published.",
                )
            )
        if status is RequestStatus.REFUSED and not answer:
            errors.append(
                FieldError(
                    "answer",
                    "제공 불가로 바꾸려면 그 사유를 답변에 적어 주세요.",
                    "Give the reason in the answer to refuse a request.",
                )
            )
        if errors:
            raise InvalidInput(
                "입력값을 확인해 주세요: " + errors[0].message,
                "Please check the answer: " + errors[0].message_en,
                errors,
            )
        if status is not request.status:
            fields["status"] = str(status)
        if answer != request.answer:
            fields["answer"] = answer
        answering = {"status", "answer", "dataset_id"} & set(fields)
        if answering and not (actor.sysadmin or (org_id is not None and actor.can_edit_in(org_id))):
            raise PermissionDenied(
                "담당 부서를 지정할 수는 있지만, 답변은 그 부서의 편집자가 합니다.",
                "You may assign the request, but only editors of its department may answer it.",
            )
        if not fields:
            raise InvalidInput("바뀐 내용이 없습니다.", "Nothing was changed.")
        now = self.clock()
        fields["updated_at"] = now
        if status in OPEN_STATUSES:
            fields["answered_at"] = None
        elif "status" in fields or request.answered_at is None:
            fields["answered_at"] = now
        event = {
            "at": now,
            "status": str(status),
            "org_id": org_id,
            "note": answer if "answer" in fields else "",
            "dataset_id": dataset_id if "dataset_id" in fields else None,
            "by_name": actor.username,
        }
        return self._view(actor, self.store.update_data_request(request.id, fields, event))

    # -- helpers -------------------------------------------------------------------------------
    def _find(self, request_id: int) -> DataRequest:
        request = self.store.find_data_request(request_id)
        if request is None:
            raise NotFound.of("데이터 제공 신청", "Data request", str(request_id))
        return request

    def _view(self, actor: Actor, request: DataRequest) -> DataRequest:
        """The request as this actor may see it: contact details only for those who may answer."""
        names = {request.dataset_name} | {e.dataset_name for e in request.events}
        hidden = {n for n in names if n and self.catalog.find_dataset(actor, n) is None}
        if hidden:  # a linked dataset that has since become internal or restricted
            request = replace(
                request,
                dataset_name=None if request.dataset_name in hidden else request.dataset_name,
                dataset_title=None if request.dataset_name in hidden else request.dataset_title,
                events=tuple(
                    replace(e, dataset_name=None) if e.dataset_name in hidden else e for e in request.events
                ),
            )
        if can_manage(actor, request):
            return request
        return replace(
            request,
            requester_name=mask_name(request.requester_name),
            requester_email=None,
            events=tuple(replace(e, by=None) for e in request.events),
        )


def _fields(errors: list[FieldError]) -> set[str]:
    return {e.field for e in errors}


def _status_error() -> FieldError:
    allowed = ", ".join(s.value for s in RequestStatus)
    return FieldError("status", f"상태는 {allowed} 중 하나입니다.", f"status must be one of {allowed}.")


def _status(value: str) -> RequestStatus:
    try:
        return RequestStatus(value)
    except ValueError:
        err = _status_error()
        raise InvalidInput(err.message, err.message_en, [err]) from None
