"""HTTP for harvesting: one httpx client, and every way a remote portal can fail as a RemoteError."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from hubcity import __version__
from hubcity.errors import RemoteError

__all__ = ["USER_AGENT", "download", "get", "get_json", "http_error"]

USER_AGENT = f"hubcity-harvester/{__version__}"


def http_error(url: str, exc: Exception) -> RemoteError:
    """A clear Korean and English message for a failed request to ``url``."""
    if isinstance(exc, httpx.TimeoutException):
        return RemoteError(
            f"원격 포털이 제한 시간 안에 응답하지 않았습니다: {url}", f"The remote portal timed out: {url}"
        )
    if isinstance(exc, httpx.ConnectError):
        return RemoteError(
            f"원격 포털에 연결할 수 없습니다(연결 거부 또는 주소 오류): {url}",
            f"Could not connect to the remote portal (connection refused or unknown host): {url}",
        )
    if isinstance(exc, httpx.HTTPStatusError):
        code = exc.response.status_code
        if code in (401, 403):
            return RemoteError(
                f"원격 포털이 접근을 거부했습니다(HTTP {code}). API 키가 맞는지, 만료되지 않았는지 "
                f"확인하세요: {url}",
                f"The remote portal refused access (HTTP {code}); check that the API key is right and "
                f"not expired: {url}",
            )
        return RemoteError(
            f"원격 포털이 HTTP {code} 오류로 응답했습니다: {url}",
            f"The remote portal answered HTTP {code}: {url}",
        )
    return RemoteError(
        f"원격 포털을 읽지 못했습니다: {url} ({type(exc).__name__})",
        f"Could not read the remote portal: {url} ({type(exc).__name__}: {exc})",
    )


def get(
    client: httpx.Client, url: str, *, params: dict[str, Any] | None = None, accept: str = "*/*"
) -> httpx.Response:
    try:
        resp = client.get(url, params=params, headers={"Accept": accept})
        resp.raise_for_status()
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise http_error(url, exc) from exc
    return resp


def get_json(client: httpx.Client, url: str, params: dict[str, Any] | None = None) -> Any:
    resp = get(client, url, params=params, accept="application/json")
    try:
        return json.loads(resp.content)
    except (ValueError, UnicodeDecodeError):
        raise RemoteError(
            f"원격 포털의 응답이 JSON이 아닙니다: {url}",
            f"The remote portal did not answer JSON: {url}",
        ) from None


@contextmanager
def _stream(client: httpx.Client, url: str) -> Iterator[httpx.Response]:
    try:
        with client.stream("GET", url) as resp:
            resp.raise_for_status()
            yield resp
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise http_error(url, exc) from exc


def download(client: httpx.Client, url: str, dest: Path, *, max_bytes: int) -> None:
    """Stream ``url`` into ``dest``; refuse (and remove) a file over ``max_bytes``."""
    too_big = RemoteError(
        f"파일이 수집 한도({max_bytes:,} 바이트)보다 큽니다: {url}",
        f"The file is larger than the harvest limit ({max_bytes:,} bytes): {url}",
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _stream(client, url) as resp:
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise too_big
            size = 0
            with dest.open("wb") as out:
                for chunk in resp.iter_bytes(1 << 16):
                    size += len(chunk)
                    if size > max_bytes:
                        raise too_big
                    out.write(chunk)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
