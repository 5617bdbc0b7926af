"""Data-sharing agreements (MOUs) with partner institutions, and the transfers made under them.

Gwangju signs agreements with partners (KEPCO, SKT, university hospitals …): a title, the
partner and the city department responsible, the datasets in scope (of either side), purpose,
legal basis, period, how long after the end the partner deletes what it received, and a
contact on each side. Onward transfer to third parties is forbidden in every agreement, so it
is not a choice but a term shown on each one.

The status follows the Korean calendar: *scheduled* before ``starts_on``, *active* through
``ends_on``, *ended* after it — or from the moment the agreement is terminated early. While an
agreement is active the city's datasets in scope are granted to the partner, and the partner's
datasets in scope take new versions; each push and each partner's export is a transfer record
(who asked, under which case or document number, when), as X-Road logs every exchange.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from hubcity.domain.koreatime import korean_date
from hubcity.errors import FieldError, InvalidInput

__all__ = [
    "DRAFT_FIELDS",
    "MAX_DELETE_DAYS",
    "Agreement",
    "AgreementDataset",
    "AgreementDraft",
    "AgreementStatus",
    "CheckedDraft",
    "Contact",
    "Direction",
    "Transfer",
    "TransferDetailsMissing",
    "check_draft",
    "check_transfer_details",
]

MAX_DELETE_DAYS = 3650
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,30}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class AgreementStatus(StrEnum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    ENDED = "ended"

    def label(self, lang: str = "ko") -> str:
        ko, en = _STATUS_LABELS[self]
        return ko if lang == "ko" else en


_STATUS_LABELS = {
    AgreementStatus.SCHEDULED: ("시행 예정", "Scheduled"),
    AgreementStatus.ACTIVE: ("시행 중", "Active"),
    AgreementStatus.ENDED: ("종료", "Ended"),
}


class Direction(StrEnum):
    IN = "in"  # a partner pushed a file into the hub
    OUT = "out"  # a partner's member exported a dataset shared with them

    def label(self, lang: str = "ko") -> str:
        ko, en = {Direction.IN: ("수신", "In"), Direction.OUT: ("제공", "Out")}[self]
        return ko if lang == "ko" else en


@dataclass(frozen=True)
class Contact:
    """The person to call on one side of an agreement."""

    name: str = ""
    email: str = ""
    phone: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email, "phone": self.phone}

    @classmethod
    def of(cls, value: Any) -> Contact:
        if isinstance(value, Contact):
            return value
        data = value if isinstance(value, dict) else {}
        return cls(
            name=str(data.get("name") or "").strip(),
            email=str(data.get("email") or "").strip(),
            phone=str(data.get("phone") or "").strip(),
        )


@dataclass(frozen=True)
class AgreementDataset:
    """A dataset in scope; ``owner_org_id`` says whose side it is on."""

    id: int
    name: str
    title: str
    owner_org_id: int


@dataclass(frozen=True)
class Agreement:
    id: int
    title: str
    partner_org_id: int
    partner_org_slug: str
    partner_org_title: str
    city_org_id: int
    city_org_slug: str
    city_org_title: str
    datasets: tuple[AgreementDataset, ...]
    purpose: str
    legal_basis: str
    starts_on: date
    ends_on: date
    delete_after_days: int
    partner_contact: Contact
    city_contact: Contact
    created_at: datetime
    updated_at: datetime
    created_by: str | None = None
    no_onward_transfer: bool = True
    ended_early_at: datetime | None = None
    end_reason: str = ""
    shared_at: datetime | None = None  # when the city's datasets were first granted to the partner
    closed_at: datetime | None = None  # when the end was recorded and the grants revoked

    def status(self, today: date) -> AgreementStatus:
        if self.ended_early_at is not None or today > self.ends_on:
            return AgreementStatus.ENDED
        if today < self.starts_on:
            return AgreementStatus.SCHEDULED
        return AgreementStatus.ACTIVE

    @property
    def ended_on(self) -> date:
        """The last day the agreement held: its end date, or the day it was terminated."""
        if self.ended_early_at is not None:
            return min(korean_date(self.ended_early_at), self.ends_on)
        return self.ends_on

    @property
    def delete_by(self) -> date:
        """The day by which the partner must have deleted the data it received."""
        return self.ended_on + timedelta(days=self.delete_after_days)

    @property
    def parties(self) -> frozenset[int]:
        return frozenset({self.partner_org_id, self.city_org_id})

    @property
    def dataset_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.datasets)

    def city_datasets(self) -> tuple[AgreementDataset, ...]:
        """The city's datasets in scope: these are shared out to the partner."""
        return tuple(d for d in self.datasets if d.owner_org_id == self.city_org_id)

    def covers(self, dataset_id: int) -> bool:
        return any(d.id == dataset_id for d in self.datasets)


@dataclass(frozen=True)
class Transfer:
    """One exchange under an agreement: a partner's push (in) or a partner's export (out)."""

    id: int
    agreement_id: int
    direction: Direction
    dataset_id: int | None
    dataset_name: str
    resource_name: str
    version_number: int | None
    official: str  # the requesting official, by name
    case_no: str  # the case or document number (문서번호) the exchange serves
    at: datetime
    job_id: str | None = None
    format: str = ""
    user_id: int | None = None
    username: str | None = None


@dataclass(frozen=True)
class AgreementDraft:
    """An agreement as a user submits it: text as typed, checked by :func:`check_draft`."""

    title: str
    partner: str  # the partner organisation's slug
    city_org: str  # the responsible city department's slug
    datasets: tuple[str, ...]
    purpose: str
    legal_basis: str
    starts_on: date | str
    ends_on: date | str
    delete_after_days: int | str
    partner_contact: Contact = field(default_factory=Contact)
    city_contact: Contact = field(default_factory=Contact)
    no_onward_transfer: bool = True


DRAFT_FIELDS = frozenset(AgreementDraft.__dataclass_fields__)


@dataclass(frozen=True)
class CheckedDraft:
    """A draft that passed the field rules (the organisations and datasets are the service's to check)."""

    title: str
    partner: str
    city_org: str
    datasets: tuple[str, ...]
    purpose: str
    legal_basis: str
    starts_on: date
    ends_on: date
    delete_after_days: int
    partner_contact: Contact
    city_contact: Contact


def _err(name: str, ko: str, en: str) -> FieldError:
    return FieldError(name, ko, en)


def _text(value: str, name: str, low: int, high: int, ko: str, en: str, errors: list[FieldError]) -> str:
    text = (value or "").strip()
    if not low <= len(text) <= high:
        errors.append(
            _err(
                name, f"{ko}을(를) {low}~{high}자로 쓰세요.", f"Write the {en} in {low} to {high} characters."
            )
        )
    return text


def _day(value: date | str, name: str, errors: list[FieldError]) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors.append(_err(name, "날짜는 2026-12-31 모양으로 쓰세요.", "Write the date as 2026-12-31."))
        return None


def _contact(value: Contact, side: str, errors: list[FieldError]) -> Contact:
    """A side's contact may be left for later; once given, it names a person and is reachable."""
    ko_side = "협력기관" if side == "partner" else "시"
    c = Contact.of(value)
    if (c.email or c.phone) and not c.name:
        errors.append(
            _err(
                f"{side}_contact.name", f"{ko_side} 담당자 이름을 쓰세요.", f"Name the {side} contact person."
            )
        )
    if c.name and not c.email and not c.phone:
        errors.append(
            _err(
                f"{side}_contact",
                f"{ko_side} 담당자의 이메일이나 전화번호를 쓰세요.",
                f"Give the {side} contact's e-mail or phone number.",
            )
        )
    if len(c.name) > 100:
        errors.append(
            _err(f"{side}_contact.name", "이름은 100자 이내입니다.", "The name has up to 100 characters.")
        )
    if c.email and (len(c.email) > 320 or not _EMAIL.match(c.email)):
        errors.append(
            _err(
                f"{side}_contact.email",
                "이메일 주소가 올바르지 않습니다.",
                "The e-mail address is not valid.",
            )
        )
    if c.phone and not _PHONE.match(c.phone):
        errors.append(
            _err(
                f"{side}_contact.phone",
                "전화번호는 숫자와 '-'로 쓰세요 (예: 062-613-1234).",
                "Write the phone number in digits and '-' (e.g. 062-613-1234).",
            )
        )
    return c


def check_draft(draft: AgreementDraft, today: date) -> CheckedDraft:
    """The draft's field rules; InvalidInput names every field that breaks one."""
    errors: list[FieldError] = []
    title = _text(draft.title, "title", 2, 300, "협약명", "title", errors)
    purpose = _text(draft.purpose, "purpose", 5, 5000, "공유 목적", "purpose", errors)
    legal_basis = _text(draft.legal_basis, "legal_basis", 2, 2000, "법적 근거", "legal basis", errors)
    starts = _day(draft.starts_on, "starts_on", errors)
    ends = _day(draft.ends_on, "ends_on", errors)
    if starts is not None and ends is not None and ends < starts:
        errors.append(
            _err("ends_on", "종료일이 시작일보다 앞섭니다.", "The end date is before the start date.")
        )
    elif ends is not None and ends < today:
        errors.append(
            _err(
                "ends_on",
                "종료일이 이미 지났습니다. 협약을 끝내려면 '종료'를 쓰세요.",
                "The end date has passed; to end an agreement, terminate it.",
            )
        )
    try:
        days = int(str(draft.delete_after_days).strip())
    except ValueError:
        days = -1
    if not 0 <= days <= MAX_DELETE_DAYS:
        errors.append(
            _err(
                "delete_after_days",
                f"파기 기한은 종료 후 0~{MAX_DELETE_DAYS}일 사이의 정수입니다.",
                f"The deletion period is a whole number of days from 0 to {MAX_DELETE_DAYS}.",
            )
        )
    if not draft.no_onward_transfer:
        errors.append(
            _err(
                "no_onward_transfer",
                "제3자 재제공 금지는 모든 협약의 조건이라 뺄 수 없습니다.",
                "No onward transfer to third parties is a term of every agreement; it cannot be lifted.",
            )
        )
    names = tuple(dict.fromkeys(n.strip() for n in draft.datasets if n and n.strip()))
    if not names:
        errors.append(
            _err(
                "datasets", "협약 대상 데이터셋을 하나 이상 고르세요.", "Name at least one dataset in scope."
            )
        )
    partner_contact = _contact(draft.partner_contact, "partner", errors)
    city_contact = _contact(draft.city_contact, "city", errors)
    for name in ("partner", "city_org"):
        if not str(getattr(draft, name) or "").strip():
            errors.append(_err(name, "기관을 고르세요.", "Choose the organisation."))
    if errors:
        raise InvalidInput("협약의 입력값이 올바르지 않습니다.", "The agreement is invalid.", errors)
    assert starts is not None and ends is not None
    return CheckedDraft(
        title=title,
        partner=draft.partner.strip(),
        city_org=draft.city_org.strip(),
        datasets=names,
        purpose=purpose,
        legal_basis=legal_basis,
        starts_on=starts,
        ends_on=ends,
        delete_after_days=days,
        partner_contact=partner_contact,
        city_contact=city_contact,
    )


class TransferDetailsMissing(InvalidInput):
    """A push of a partner's data without the requesting official or the case number (400)."""

    status = 400
    code = "transfer_details_missing"


def check_transfer_details(official: str | None, case: str | None) -> tuple[str, str]:
    """The official's name and the case number of a partner's push, both required (1–100 characters)."""
    errors: list[FieldError] = []
    cleaned = []
    for value, name, header, ko, en in (
        (official, "official", "X-Hubcity-Official", "요청 담당자", "requesting official"),
        (case, "case", "X-Hubcity-Case", "사건·문서번호", "case or document number"),
    ):
        text = (value or "").strip()
        if not text or len(text) > 100 or _CONTROL.search(text):
            errors.append(
                _err(
                    name,
                    f"{ko}을(를) 100자 이내로 쓰세요 ({header}).",
                    f"Give the {en} in up to 100 characters ({header}).",
                )
            )
        cleaned.append(text)
    if errors:
        raise TransferDetailsMissing(
            "협력기관 데이터를 올릴 때는 요청 담당자(X-Hubcity-Official)와 사건·문서번호(X-Hubcity-Case)가 "
            "필요합니다.",
            "A push of a partner's data needs the requesting official (X-Hubcity-Official) and the case or "
            "document number (X-Hubcity-Case).",
            errors,
        )
    return cleaned[0], cleaned[1]
