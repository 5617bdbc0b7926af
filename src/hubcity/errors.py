"""The exceptions hubcity raises, one tree for every surface.

    PlatformError
    ├── NotFound
    ├── AlreadyExists
    ├── Conflict
    ├── InvalidInput          (field errors)
    ├── AuthenticationFailed
    ├── PermissionDenied
    ├── TooManyRequests
    ├── IngestError           (file, sheet, row, column, reason)
    ├── RemoteError           (a harvested portal refused, timed out or sent garbage)
    └── QueryError
        ├── QueryTimeout
        ├── QueryTooLarge
        └── QueryCancelled

Every error carries a Korean message (``message``) and an English one
(``message_en``). Services raise only these; ``web/app.py`` maps each class to
an HTTP status in one place and the CLI maps it to an exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "AlreadyExists",
    "AuthenticationFailed",
    "Conflict",
    "FieldError",
    "IngestError",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "PlatformError",
    "QueryCancelled",
    "QueryError",
    "QueryTimeout",
    "QueryTooLarge",
    "RemoteError",
    "TooManyRequests",
]


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field."""

    field: str
    message: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "message_en": self.message_en}


class PlatformError(Exception):
    """Base of every error hubcity raises on purpose."""

    status = 500
    code = "error"

    def __init__(self, message: str, message_en: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message

    def details(self) -> list[dict[str, Any]]:
        return []

    def __str__(self) -> str:
        if self.message_en and self.message_en != self.message:
            return f"{self.message} ({self.message_en})"
        return self.message


class NotFound(PlatformError):
    status = 404
    code = "not_found"

    @classmethod
    def of(cls, kind_ko: str, kind_en: str, key: str) -> NotFound:
        return cls(f"{kind_ko} '{key}'을(를) 찾을 수 없습니다.", f"{kind_en} '{key}' was not found.")


class AlreadyExists(PlatformError):
    status = 409
    code = "already_exists"


class Conflict(PlatformError):
    status = 409
    code = "conflict"


class InvalidInput(PlatformError):
    status = 422
    code = "invalid_input"

    def __init__(
        self, message: str, message_en: str | None = None, errors: list[FieldError] | None = None
    ) -> None:
        super().__init__(message, message_en)
        self.errors = errors or []

    def details(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self.errors]


class AuthenticationFailed(PlatformError):
    status = 401
    code = "authentication_failed"


class PermissionDenied(PlatformError):
    status = 403
    code = "permission_denied"


class TooManyRequests(PlatformError):
    """Too many submissions from one place in a short time (e.g. data requests)."""

    status = 429
    code = "too_many_requests"

    def __init__(
        self, message: str, message_en: str | None = None, *, retry_after: int | None = None
    ) -> None:
        super().__init__(message, message_en)
        self.retry_after = retry_after


@dataclass
class IngestLocation:
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    byte_offset: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class IngestError(PlatformError):
    """A file could not be read. Says what went wrong and where (file, sheet, row, column)."""

    status = 422
    code = "ingest_error"

    def __init__(
        self,
        message: str,
        message_en: str | None = None,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        byte_offset: int | None = None,
    ) -> None:
        super().__init__(message, message_en)
        self.location = IngestLocation(file, sheet, row, column, byte_offset)

    @property
    def file(self) -> str | None:
        return self.location.file

    @property
    def row(self) -> int | None:
        return self.location.row

    @property
    def column(self) -> str | None:
        return self.location.column

    def where(self) -> str:
        """A short 'file, sheet, row, column' string for messages."""
        loc = self.location
        parts = []
        if loc.file:
            parts.append(loc.file)
        if loc.sheet:
            parts.append(f"sheet {loc.sheet}")
        if loc.row is not None:
            parts.append(f"row {loc.row}")
        if loc.column:
            parts.append(f"column {loc.column}")
        if loc.byte_offset is not None:
            parts.append(f"byte {loc.byte_offset}")
        return ", ".join(parts)

    def details(self) -> list[dict[str, Any]]:
        return [self.location.as_dict()] if self.location.as_dict() else []

    def __str__(self) -> str:
        where = self.where()
        base = super().__str__()
        return f"{base} [{where}]" if where else base


class RemoteError(PlatformError):
    """Another portal (a harvest source) could not be reached or answered something unreadable."""

    status = 502
    code = "remote_error"


class QueryError(PlatformError):
    status = 400
    code = "query_error"


class QueryTimeout(QueryError):
    status = 408
    code = "query_timeout"


class QueryTooLarge(QueryError):
    status = 413
    code = "query_too_large"


class QueryCancelled(QueryError):
    status = 409
    code = "query_cancelled"
