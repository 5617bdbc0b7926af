"""NoticeService: each user's inbox of reminders and decisions, and the mail that carries them.

Notices are written at once (in the transaction's wake, never inside it) and mailed later by a
periodic job (:meth:`deliver`), so a slow or broken mail relay never slows a request down or loses
a notice: a failed mail is tried again, up to ``max_tries`` times, for ``mail_days`` days.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from hubcity.domain.accounts import Actor, Role
from hubcity.domain.notices import Notice, NoticeDraft
from hubcity.errors import AuthenticationFailed, NotFound
from hubcity.ports import Mailer, MetadataStore, NoticeStore

__all__ = ["NoticeService"]

log = logging.getLogger(__name__)


class NoticeService:
    def __init__(
        self,
        store: NoticeStore,
        meta: MetadataStore,
        *,
        mailer: Mailer | None = None,
        public_url: str = "",
        site_name: str = "hubcity",
        max_tries: int = 5,
        mail_days: int = 3,
    ) -> None:
        self.store = store
        self.meta = meta
        self.mailer = mailer
        self.public_url = public_url.rstrip("/")
        self.site_name = site_name
        self.max_tries = max_tries
        self.mail_days = mail_days

    # -- who hears of it -------------------------------------------------------------------------
    def org_admins(self, org_id: int) -> list[int]:
        """The active admins of an organisation; the system administrators when it has none."""
        admins = [
            u.id for u, role in self.meta.list_org_members(org_id) if role == str(Role.ADMIN) and u.active
        ]
        if admins:
            return admins
        return [u.id for u in self.meta.list_users() if u.sysadmin and u.active]

    def notify(self, user_ids: Iterable[int], draft: NoticeDraft) -> list[Notice]:
        """Put the notice in each user's inbox (once per key); never raises: a notice that cannot be
        written is logged, and the work that caused it stands."""
        now = datetime.now(UTC)
        out = []
        for user_id in dict.fromkeys(user_ids):
            try:
                notice = self.store.add(user_id, draft, now)
            except Exception:  # noqa: BLE001 - a notice must never undo the decision it announces
                log.exception("notice %s for user %s could not be written", draft.key, user_id)
                continue
            if notice is not None:
                out.append(notice)
        return out

    # -- the inbox -------------------------------------------------------------------------------
    @staticmethod
    def _user(actor: Actor) -> int:
        if actor.user_id is None:
            raise AuthenticationFailed("로그인하세요.", "Sign in first.")
        return actor.user_id

    def inbox(self, actor: Actor, *, unread: bool = False, limit: int = 50, offset: int = 0) -> list[Notice]:
        return self.store.list_for(
            self._user(actor), unread=unread, limit=max(1, min(limit, 200)), offset=max(0, offset)
        )

    def count(self, actor: Actor, *, unread: bool = False) -> int:
        return self.store.count_for(self._user(actor), unread=unread)

    def unread_count(self, actor: Actor) -> int:
        """For the header of every page: 0 for anonymous visitors."""
        return self.store.count_for(actor.user_id, unread=True) if actor.user_id is not None else 0

    def get(self, actor: Actor, notice_id: int) -> Notice:
        notice = self.store.find(notice_id)
        if notice is None or notice.user_id != self._user(actor):
            raise NotFound.of("알림", "Notice", str(notice_id))
        return notice

    def mark_read(self, actor: Actor, notice_ids: list[int] | None = None) -> int:
        """Mark some (or, with None, all) of the actor's notices read; another user's ids are ignored."""
        return self.store.mark_read(self._user(actor), notice_ids, datetime.now(UTC))

    # -- mail ----------------------------------------------------------------------------------------
    def message(self, notice: Notice) -> tuple[str, str]:
        """(subject, body) of the mail: Korean first, English below, and the link."""
        link = f"{self.public_url}{notice.link}" if notice.link else ""
        parts = [notice.body, link, "", "—", notice.subject_en, "", notice.body_en, link]
        return f"[{self.site_name}] {notice.subject}", "\n".join(parts).strip() + "\n"

    def deliver(self, now: datetime | None = None) -> int:
        """Mail what is waiting in the outbox; how many went out. A no-op without a mail relay."""
        if self.mailer is None:
            return 0
        now = now or datetime.now(UTC)
        sent = 0
        for notice in self.store.outbox(since=now - timedelta(days=self.mail_days), max_tries=self.max_tries):
            user = self.meta.find_user_by_id(notice.user_id)
            if user is None or not user.active or not user.email.strip():
                self.store.mailed(
                    notice.id, {"mail_tries": self.max_tries, "mail_error": "no e-mail address"}
                )
                continue
            subject, body = self.message(notice)
            try:
                self.mailer.send(user.email.strip(), subject, body)
            except OSError as exc:  # smtplib's errors are OSErrors
                log.warning("notice %s to %s not mailed: %s", notice.id, user.username, exc)
                self.store.mailed(notice.id, {"mail_error": str(exc)[:500]})
                continue
            self.store.mailed(notice.id, {"mailed_at": now, "mail_error": ""})
            sent += 1
        return sent
