"""Data-request rules, no I/O: masked names, Korean due dates, overdue, who answers, the rate limiter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hubcity.domain.accounts import Actor, Role
from hubcity.domain.koreatime import korean_date
from hubcity.domain.requests import (
    DataRequest,
    RequestStatus,
    can_assign,
    can_manage,
    mask_name,
    valid_email,
)
from hubcity.services.requests import RateLimiter


def _request(status: RequestStatus = RequestStatus.RECEIVED, org_id: int | None = 7) -> DataRequest:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    return DataRequest(
        id=1,
        title="t",
        description="d",
        status=status,
        due_on=date(2026, 11, 30),
        created_at=now,
        updated_at=now,
        org_id=org_id,
    )


def test_names_are_masked_for_the_public_board() -> None:
    assert mask_name("홍길동") == "홍*동"
    assert mask_name("남궁민수") == "남**수"
    assert mask_name("김철") == "김*"
    assert mask_name("김") == "김"
    assert mask_name("  ") == ""


def test_email_addresses_are_checked_loosely() -> None:
    assert valid_email("hong@example.com") and valid_email("a.b+c@gwangju.go.kr")
    assert not valid_email("hong") and not valid_email("hong@example") and not valid_email("a b@c.kr")


def test_the_due_date_counts_korean_calendar_days() -> None:
    # 23:30 UTC on the 19th is already the 20th in Korea
    assert korean_date(datetime(2026, 11, 19, 23, 30, tzinfo=UTC)) == date(2026, 11, 20)


def test_only_open_requests_past_their_due_date_are_overdue() -> None:
    after = date(2026, 12, 1)
    assert _request().overdue(after)
    assert _request(RequestStatus.IN_REVIEW).overdue(after)
    assert not _request().overdue(date(2026, 11, 30))  # due today is not late yet
    for answered in (RequestStatus.PLANNED, RequestStatus.PUBLISHED, RequestStatus.REFUSED):
        assert not _request(answered).overdue(after)
    assert _request().days_left(date(2026, 11, 27)) == 3


def test_who_may_answer_and_who_may_assign() -> None:
    editor = Actor(user_id=1, roles={7: Role.EDITOR}, staff=True)
    member = Actor(user_id=2, roles={7: Role.MEMBER}, staff=True)
    elsewhere = Actor(user_id=3, roles={8: Role.ADMIN}, staff=True)
    partner = Actor(user_id=4, roles={9: Role.EDITOR}, staff=False)
    sysadmin = Actor(user_id=5, sysadmin=True, staff=True)
    owned, unowned = _request(), _request(org_id=None)
    assert can_manage(editor, owned) and can_manage(sysadmin, owned) and can_manage(sysadmin, unowned)
    assert not any(can_manage(a, owned) for a in (member, elsewhere, partner, Actor()))
    assert can_assign(elsewhere, unowned) and not can_assign(elsewhere, owned)
    assert not can_assign(partner, unowned) and not can_assign(member, unowned)
    assert not can_assign(Actor(), unowned)


def test_the_rate_limiter_forgets_after_its_window() -> None:
    limiter = RateLimiter(2, timedelta(minutes=10))
    key = limiter.key("203.0.113.9")
    assert len(key) == 64 and "203.0.113.9" not in key
    assert limiter.key("203.0.113.9") == key != RateLimiter(2, timedelta(minutes=10)).key("203.0.113.9")
    limiter.hit(key, 0)
    limiter.hit(key, 60)
    assert not limiter.allowed(key, 120)
    assert limiter.allowed(limiter.key("198.51.100.1"), 120)  # another address is not affected
    assert limiter.allowed(key, 601)  # the first hit has left the window
    assert limiter.allowed(key, 661) and len(limiter) == 0  # and then nothing about it is kept


def test_the_rate_limiter_holds_a_bounded_number_of_keys() -> None:
    limiter = RateLimiter(1, timedelta(minutes=10), max_keys=3)
    for n in range(10):
        limiter.hit(limiter.key(f"10.0.0.{n}"), float(n))
    assert len(limiter) == 3
