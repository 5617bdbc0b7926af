"""The browser tests' Chromium: Debian's package, never a downloaded build."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = f"Debian Chromium is not at {CHROMIUM}: run `make browser-deps` (apt-get install chromium)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM
