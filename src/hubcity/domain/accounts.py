"""Organisations, users, memberships, API tokens and the acting user."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = [
    "ANONYMOUS",
    "ORG_KIND_LABELS",
    "SYSTEM",
    "Actor",
    "ApiToken",
    "Membership",
    "Org",
    "OrgKind",
    "Role",
    "User",
    "validate_slug",
    "validate_username",
]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$")


class OrgKind(StrEnum):
    BUREAU = "bureau"  # 실·국
    DEPARTMENT = "department"  # 과
    TEAM = "team"  # 팀
    DISTRICT = "district"  # 구청
    PARTNER = "partner"  # 협력기관
    COMPANY = "company"  # 기업

    @property
    def is_city_staff(self) -> bool:
        """Members of these organisations are city staff (they see internal data)."""
        return self in {OrgKind.BUREAU, OrgKind.DEPARTMENT, OrgKind.TEAM, OrgKind.DISTRICT}


ORG_KIND_LABELS: dict[OrgKind, tuple[str, str]] = {
    OrgKind.BUREAU: ("실·국", "Bureau"),
    OrgKind.DEPARTMENT: ("과", "Department"),
    OrgKind.TEAM: ("팀", "Team"),
    OrgKind.DISTRICT: ("구청", "District office"),
    OrgKind.PARTNER: ("협력기관", "Partner institution"),
    OrgKind.COMPANY: ("기업", "Company"),
}


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    MEMBER = "member"

    @property
    def can_edit(self) -> bool:
        return self in {Role.ADMIN, Role.EDITOR}


def validate_slug(value: str) -> str | None:
    """None when ``value`` is a valid slug, else the English reason."""
    if not _SLUG.match(value):
        return "use lowercase letters, digits, '-' or '_' (1–100 characters, starting with a letter or digit)"
    return None


def validate_username(value: str) -> str | None:
    if not _USERNAME.match(value):
        return "use 2–64 letters, digits, '.', '_', '-' or '@'"
    return None


@dataclass(frozen=True)
class Org:
    id: int
    slug: str
    title: str
    title_en: str
    kind: OrgKind
    parent_id: int | None = None
    parent_slug: str | None = None
    description: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True)
class Membership:
    org_id: int
    org_slug: str
    org_kind: OrgKind
    role: Role


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    email: str
    sysadmin: bool = False
    active: bool = True
    created_at: datetime | None = None
    memberships: tuple[Membership, ...] = ()


@dataclass(frozen=True)
class ApiToken:
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def is_active(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True)
class Actor:
    """Who is asking: a signed-in user, a token's user, or nobody."""

    user_id: int | None = None
    username: str | None = None
    display_name: str | None = None
    sysadmin: bool = False
    roles: dict[int, Role] = field(default_factory=dict)  # org id -> role
    staff: bool = False  # member of a city organisation
    granted: frozenset[int] = (
        frozenset()
    )  # datasets they (or an organisation of theirs) hold an active grant on
    token_id: int | None = None  # the API token the request came with, if any

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    def role_in(self, org_id: int) -> Role | None:
        return self.roles.get(org_id)

    def can_edit_in(self, org_id: int) -> bool:
        if self.sysadmin:
            return True
        role = self.roles.get(org_id)
        return role is not None and role.can_edit

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            sysadmin=user.sysadmin,
            roles={m.org_id: m.role for m in user.memberships},
            staff=user.sysadmin or any(m.org_kind.is_city_staff for m in user.memberships),
        )


ANONYMOUS = Actor()

# The CLI and the demo loader act as the system: a sysadmin with no user row.
SYSTEM = Actor(username="system", display_name="system", sysadmin=True, staff=True)
