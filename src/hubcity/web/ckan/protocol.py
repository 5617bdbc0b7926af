"""The CKAN Action API's wire protocol: one call's input, its parameters, and CKAN's error envelope.

CKAN answers ``{"help", "success", "result"}``, or ``{"help", "success": false, "error":
{"__type", "message", ...}}`` with its own status codes. hubcity's errors (Korean message,
English ``message_en``) are translated here, in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubcity.bootstrap import Services
from hubcity.domain.accounts import Actor
from hubcity.errors import (
    AlreadyExists,
    AuthenticationFailed,
    Conflict,
    FieldError,
    IngestError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PlatformError,
    QueryError,
)

__all__ = ["Call", "CkanError", "Upload", "error_for"]


@dataclass(frozen=True)
class Upload:
    """A file sent in the multipart field ``upload``, already saved to a file of our own."""

    path: Path
    filename: str


class CkanError(Exception):
    """An error that exists only in CKAN's protocol (a bad request, a search query it cannot run)."""

    def __init__(self, kind: str, status: int, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.kind = kind
        self.status = status
        self.message = message
        self.message_en = message_en

    @classmethod
    def bad_request(cls, message: str, message_en: str) -> CkanError:
        return cls("Bad Request", 400, message, message_en)

    @classmethod
    def search_query(cls, message: str, message_en: str) -> CkanError:
        return cls("Search Query Error", 400, message, message_en)


def _both(message: str, message_en: str) -> str:
    return message if message == message_en else f"{message} ({message_en})"


def error_for(exc: Exception) -> tuple[int, dict[str, Any]]:
    """CKAN's status code and ``error`` object for an exception an action raised."""
    if isinstance(exc, CkanError):
        text = _both(exc.message, exc.message_en)
        prefix = "Bad request - " if exc.status == 400 and exc.kind == "Bad Request" else ""
        return exc.status, {"__type": exc.kind, "message": prefix + text, "message_en": exc.message_en}
    if not isinstance(exc, PlatformError):
        return 500, {"__type": "Internal Server Error", "message": "Internal Server Error (서버 내부 오류)"}
    text = _both(exc.message, exc.message_en)
    base = {"message_en": exc.message_en}
    if isinstance(exc, NotFound):
        return 404, {"__type": "Not Found Error", "message": f"Not found: {text}", **base}
    if isinstance(exc, PermissionDenied | AuthenticationFailed):
        return 403, {"__type": "Authorization Error", "message": f"Access denied: {text}", **base}
    if isinstance(exc, InvalidInput):
        fields: dict[str, Any] = {}
        for err in exc.errors:
            fields.setdefault(err.field, []).append(_both(err.message, err.message_en))
        return 409, {"__type": "Validation Error", **fields, "message": text, **base}
    if isinstance(exc, AlreadyExists | Conflict):
        return 409, {"__type": "Validation Error", "name": [text], "message": text, **base}
    if isinstance(exc, IngestError):
        where = exc.where()
        detail = f"{text} [{where}]" if where else text
        return 409, {"__type": "Validation Error", "upload": [detail], "message": detail, **base}
    if isinstance(exc, QueryError):
        return 409, {"__type": "Validation Error", "query": [text], "message": text, **base}
    if exc.status < 500:
        kind = {429: "Too Many Requests", 401: "Authorization Error"}.get(exc.status, "Validation Error")
        return exc.status, {"__type": kind, "message": text, **base}
    return 500, {"__type": "Internal Server Error", "message": text, **base}


def missing(name: str) -> InvalidInput:
    return InvalidInput(
        f"'{name}' 값이 필요합니다.",
        f"Missing value: {name}",
        [FieldError(name, "값이 필요합니다.", "Missing value")],
    )


def invalid(name: str, ko: str, en: str) -> InvalidInput:
    return InvalidInput(f"{name}: {ko}", f"{name}: {en}", [FieldError(name, ko, en)])


_TRUE = {"true", "1", "yes", "on", "y", "t"}
_FALSE = {"false", "0", "no", "off", "n", "f", ""}


@dataclass
class Call:
    """One action call: who asks, with which parameters, where the server answers from."""

    services: Services
    actor: Actor
    params: dict[str, Any]
    base_url: str  # e.g. "http://127.0.0.1:8000", no trailing slash
    action: str = ""
    upload: Upload | None = None
    client: str | None = None  # the caller's address, a rate-limit key only (hashed, never stored)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- typed access to the parameters (GET values are strings, JSON values are typed) ----
    def has(self, name: str) -> bool:
        return name in self.params and self.params[name] is not None

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.params.get(name)
        if value is None:
            return default
        if isinstance(value, list):
            value = value[0] if value else default
        return str(value) if value is not None else None

    def require(self, *names: str) -> str:
        """The first of ``names`` given, as a non-empty string (CKAN accepts ``id`` or ``name``)."""
        for name in names:
            value = self.text(name)
            if value is not None and value.strip():
                return value.strip()
        raise missing(names[0])

    def integer(
        self, name: str, default: int | None, *, minimum: int = 0, maximum: int | None = None
    ) -> int | None:
        value = self.params.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(str(value).strip()) if not isinstance(value, bool) else None
        except ValueError:
            number = None
        if number is None:
            raise invalid(name, "정수여야 합니다.", "must be an integer")
        if number < minimum:
            raise invalid(name, f"{minimum} 이상이어야 합니다.", f"must be at least {minimum}")
        return min(number, maximum) if maximum is not None else number

    def flag(self, name: str, default: bool) -> bool:
        value = self.params.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise invalid(name, "true 또는 false여야 합니다.", "must be true or false")

    def items(self, name: str) -> list[Any] | None:
        """A list parameter: a JSON list, a JSON-encoded list string, or a comma-separated string."""
        value = self.params.get(name)
        if value is None:
            return None
        if isinstance(value, list):
            return value
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    parsed = json.loads(text)
                except json.JSONDecodeError:
                    raise invalid(
                        name, "JSON 목록이 올바르지 않습니다.", "is not a valid JSON list"
                    ) from None
                if isinstance(parsed, list):
                    return parsed
            return [p.strip() for p in text.split(",") if p.strip()]
        raise invalid(name, "목록이어야 합니다.", "must be a list")

    def mapping(self, name: str) -> dict[str, Any] | None:
        """An object parameter, given as JSON or as a JSON-encoded string."""
        value = self.params.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise invalid(name, "JSON 객체가 올바르지 않습니다.", "is not a valid JSON object") from None
        if not isinstance(value, dict):
            raise invalid(name, "JSON 객체여야 합니다.", "must be a JSON object")
        return value

    def once(self, key: str, make: Any) -> Any:
        """A value computed once per call (e.g. the organisations, for many dataset dicts)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]
