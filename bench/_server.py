"""hubcity under uvicorn on loopback, one process as ``hubcity serve`` runs it, for the benchmarks."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
