"""hubcity under uvicorn on loopback, one process as ``hubcity serve`` runs it, for the benchmarks."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(
    cache: Path, env: dict[str, str], port: int, ready: str, params: dict[str, Any] | None = None
) -> Iterator[str]:
    """The server's base URL once ``GET ready`` (a path) answers 200; its log in ``cache/server.log``."""
    cmd = [
        sys.executable, "-m", "uvicorn", "hubcity.web.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    log = (cache / "server.log").open("w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"hubcity server exited: see {cache / 'server.log'}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}{ready}", params=params, timeout=30).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("hubcity server did not start in 120 s")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


class Http:
    """A client on one kept-alive HTTP/1.1 connection (the standard library's ``http.client``),
    from the request to the parsed JSON of the answer.

    The benchmarks time the server: against the same search server, httpx took about 1.5 ms
    more per call than this client (p50 8.7 against 6.9 ms, interleaved), its own request and
    response handling. ``timed_with`` in the results names the client; each benchmark also
    times httpx beside it as a diagnostic row. A connection the server closed while idle (uvicorn
    keeps one for 5 s) is opened again once: the benchmarks only read.
    """

    def __init__(self, base: str, timeout: float = 120) -> None:
        parts = urlsplit(base)
        self.host, self.port, self.timeout = parts.hostname or "127.0.0.1", parts.port or 80, timeout
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def get(self, path: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None) -> Any:
        return self._send("GET", f"{path}?{urlencode(params, doseq=True)}" if params else path)

    def post(self, path: str, body: Any) -> Any:
        data = json.dumps(body).encode()
        return self._send("POST", path, data, {"Content-Type": "application/json"})

    def _send(
        self, method: str, target: str, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        for attempt in (0, 1):
            try:
                self.conn.request(method, target, body=data, headers=headers or {})
                res = self.conn.getresponse()
                body = res.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError, http.client.CannotSendRequest):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                if attempt:
                    raise
        if res.status != 200:
            raise RuntimeError(f"{method} {target}: HTTP {res.status}: {body[:300]!r}")
        return json.loads(body)

    def close(self) -> None:
        self.conn.close()
