"""Organisations, users, logins and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hubcity.domain.accounts import (
    ANONYMOUS,
    Actor,
    ApiToken,
    Org,
    OrgKind,
    Role,
    User,
    validate_slug,
    validate_username,
)
from hubcity.errors import AuthenticationFailed, FieldError, InvalidInput, NotFound, PermissionDenied
from hubcity.ports import MetadataStore
from hubcity.services.audit import AuditService

__all__ = ["AccountService", "TOKEN_PREFIX"]

TOKEN_PREFIX = "hc_"
_MIN_PASSWORD = 8


def _hash_token(raw: str) -> str:
    # API tokens carry 256 random bits, so a fast hash is enough to keep them unreadable at rest.
    return hashlib.sha256(raw.encode()).hexdigest()


def _invalid(field: str, ko: str, en: str) -> InvalidInput:
    return InvalidInput(ko, en, [FieldError(field, ko, en)])


def _check_password(password: str) -> None:
    if len(password) < _MIN_PASSWORD:
        raise _invalid(
            "password",
            f"비밀번호는 {_MIN_PASSWORD}자 이상이어야 합니다.",
            f"Passwords need at least {_MIN_PASSWORD} characters.",
        )


class AccountService:
    def __init__(
        self, store: MetadataStore, audit: AuditService | None = None, *, tokens_per_user: int = 20
    ) -> None:
        self.store = store
        self.audit = audit
        self.tokens_per_user = tokens_per_user
        self._hasher = PasswordHasher()
        self._dummy_hash = self._hasher.hash("not-a-real-password")
        # adds the datasets an actor holds grants on (attached by the bootstrap)
        self.grants: Callable[[Actor], Actor] | None = None

    # -- organisations -----------------------------------------------------------------
    def create_org(
        self,
        actor: Actor,
        *,
        slug: str,
        title: str,
        kind: str,
        title_en: str = "",
        parent: str | None = None,
        description: str = "",
    ) -> Org:
        if not actor.sysadmin:
            raise PermissionDenied(
                "기관은 시스템 관리자만 만들 수 있습니다.", "Only sysadmins can create organisations."
            )
        if reason := validate_slug(slug):
            raise _invalid(
                "slug", f"기관 식별자가 올바르지 않습니다: {reason}", f"Invalid organisation slug: {reason}"
            )
        if not title.strip():
            raise _invalid("title", "기관 이름을 입력하세요.", "An organisation needs a title.")
        try:
            org_kind = OrgKind(kind)
        except ValueError:
            kinds = ", ".join(k.value for k in OrgKind)
            raise _invalid(
                "kind", f"기관 종류는 {kinds} 중 하나입니다.", f"kind must be one of {kinds}."
            ) from None
        parent_id = None
        if parent:
            parent_org = self.store.find_org(parent)
            if parent_org is None:
                raise _invalid(
                    "parent", f"상위 기관 '{parent}'이(가) 없습니다.", f"No parent organisation '{parent}'."
                )
            parent_id = parent_org.id
        return self.store.create_org(
            slug=slug,
            title=title.strip(),
            title_en=title_en.strip(),
            kind=str(org_kind),
            parent_id=parent_id,
            description=description,
        )

    def get_org(self, slug: str) -> Org:
        org = self.store.find_org(slug)
        if org is None:
            raise NotFound.of("기관", "Organisation", slug)
        return org

    def list_orgs(self) -> list[Org]:
        return self.store.list_orgs()

    def members(self, org: Org) -> list[tuple[User, str]]:
        return self.store.list_org_members(org.id)

    # -- users -------------------------------------------------------------------------
    def create_user(
        self,
        actor: Actor,
        *,
        username: str,
        password: str | None = None,
        display_name: str = "",
        email: str = "",
        sysadmin: bool = False,
        org: str | None = None,
        role: str = "member",
    ) -> User:
        if not actor.sysadmin:
            raise PermissionDenied(
                "사용자는 시스템 관리자만 만들 수 있습니다.", "Only sysadmins can create users."
            )
        if reason := validate_username(username):
            raise _invalid(
                "username", f"사용자 이름이 올바르지 않습니다: {reason}", f"Invalid username: {reason}"
            )
        if password is not None:
            _check_password(password)
        target_org = self.get_org(org) if org else None
        member_role = self._role(role)
        user = self.store.create_user(
            username=username,
            display_name=display_name or username,
            email=email,
            password_hash=self._hasher.hash(password) if password else None,
            sysadmin=sysadmin,
        )
        if target_org is not None:
            self.store.set_membership(user.id, target_org.id, str(member_role))
            if self.audit:
                self.audit.member_set(actor, target_org, user.username, str(member_role))
            user = self.get_user(user.id)
        return user

    def _role(self, role: str) -> Role:
        try:
            return Role(role)
        except ValueError:
            roles = ", ".join(r.value for r in Role)
            raise _invalid(
                "role", f"역할은 {roles} 중 하나입니다.", f"role must be one of {roles}."
            ) from None

    def add_member(self, actor: Actor, *, username: str, org: str, role: str) -> User:
        target = self.get_org(org)
        if not (actor.sysadmin or actor.role_in(target.id) is Role.ADMIN):
            raise PermissionDenied(
                "기관 관리자만 구성원을 추가할 수 있습니다.",
                "Only the organisation's admins can add members.",
            )
        user = self.find_user(username)
        if user is None:
            raise NotFound.of("사용자", "User", username)
        self.store.set_membership(user.id, target.id, str(self._role(role)))
        if self.audit:
            self.audit.member_set(actor, target, user.username, role)
        return self.get_user(user.id)

    def get_user(self, user_id: int) -> User:
        user = self.store.find_user_by_id(user_id)
        if user is None:
            raise NotFound.of("사용자", "User", str(user_id))
        return user

    def find_user(self, username: str) -> User | None:
        return self.store.find_user(username)

    def set_password(self, actor: Actor, username: str, password: str) -> None:
        user = self.find_user(username)
        if user is None:
            raise NotFound.of("사용자", "User", username)
        if not (actor.sysadmin or actor.user_id == user.id):
            raise PermissionDenied(
                "다른 사용자의 비밀번호는 바꿀 수 없습니다.", "You cannot change another user's password."
            )
        _check_password(password)
        self.store.set_password_hash(user.id, self._hasher.hash(password))

    def authenticate(self, username: str, password: str) -> User:
        """The user with this password; the same error (and time) for an unknown name or a wrong password."""
        user = self.store.find_user(username.strip())
        stored = self.store.password_hash(user.id) if user else None
        try:
            self._hasher.verify(stored or self._dummy_hash, password)
            ok = stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or user is None or not user.active:
            raise AuthenticationFailed(
                "사용자 이름 또는 비밀번호가 맞지 않습니다.", "The username or password is not correct."
            )
        if stored and self._hasher.check_needs_rehash(stored):
            self.store.set_password_hash(user.id, self._hasher.hash(password))
        return user

    def actor_for(self, user_id: int | None) -> Actor:
        if user_id is None:
            return ANONYMOUS
        user = self.store.find_user_by_id(user_id)
        if user is None or not user.active:
            return ANONYMOUS
        actor = Actor.for_user(user)
        return self.grants(actor) if self.grants is not None else actor

    # -- API tokens ----------------------------------------------------------------------
    def create_token(
        self, actor: Actor, *, name: str, username: str | None = None, expires_days: int | None = None
    ) -> tuple[ApiToken, str]:
        """A new token for ``username`` (default: the actor).

        The plain token is returned once and never stored; only its hash is kept.
        """
        if username is not None and username != actor.username:
            if not actor.sysadmin:
                raise PermissionDenied(
                    "다른 사용자의 토큰은 만들 수 없습니다.", "You cannot create tokens for others."
                )
            user = self.find_user(username)
            if user is None:
                raise NotFound.of("사용자", "User", username)
            user_id = user.id
        elif actor.user_id is not None:
            user_id = actor.user_id
        else:
            raise AuthenticationFailed("로그인이 필요합니다.", "Sign in first.")
        if not name.strip():
            raise _invalid("name", "토큰 이름을 입력하세요.", "A token needs a name.")
        if expires_days is not None and expires_days <= 0:
            raise _invalid(
                "expires_days", "만료일은 1일 이상이어야 합니다.", "expires_days must be positive."
            )
        now = datetime.now(UTC)
        active = sum(1 for t in self.store.list_tokens(user_id) if t.is_active(now))
        if active >= self.tokens_per_user:
            # quotas count per token: an unbounded number of tokens would make them meaningless
            raise _invalid(
                "name",
                f"활성 API 토큰은 한 사용자당 {self.tokens_per_user}개까지입니다. 쓰지 않는 토큰을 폐기한 뒤 "
                "다시 만드세요.",
                f"A user may hold at most {self.tokens_per_user} active API tokens; revoke one you no "
                "longer use and try again.",
            )
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires_at = now + timedelta(days=expires_days) if expires_days else None
        token = self.store.create_token(
            user_id=user_id,
            name=name.strip(),
            prefix=raw[:10],
            token_hash=_hash_token(raw),
            expires_at=expires_at,
        )
        if self.audit:
            self.audit.token_created(actor, token, username or actor.username)
        return token, raw

    def actor_for_token(self, raw: str) -> Actor:
        """The actor a token speaks for; AuthenticationFailed when it is unknown, revoked or expired."""
        token = self.store.find_token_by_hash(_hash_token(raw.strip()))
        now = datetime.now(UTC)
        if token is None or not token.is_active(now):
            raise AuthenticationFailed(
                "API 토큰이 올바르지 않거나 만료되었습니다.",
                "The API token is not valid, or it has expired or been revoked.",
            )
        actor = self.actor_for(token.user_id)
        if not actor.authenticated:
            raise AuthenticationFailed("API 토큰의 사용자가 비활성입니다.", "The token's user is not active.")
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            self.store.touch_token(token.id, now)
        return replace(actor, token_id=token.id)  # quotas count per token

    def list_tokens(self, actor: Actor) -> list[ApiToken]:
        if actor.user_id is None:
            return []
        return self.store.list_tokens(actor.user_id)

    def revoke_token(self, actor: Actor, token_id: int) -> None:
        mine = {t.id for t in self.list_tokens(actor)}
        if token_id not in mine and not actor.sysadmin:
            raise NotFound.of("토큰", "Token", str(token_id))
        self.store.revoke_token(token_id, datetime.now(UTC))
