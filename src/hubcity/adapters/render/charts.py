"""Vega-Lite specs drawn to SVG and PNG on the server with vl-convert (no browser, no network).

vl-convert bundles Vega and Vega-Lite; the Korean fonts it draws with are
registered once per process from the system's font folders (Debian's
fonts-nanum), and every spec gets that font in its config.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import vl_convert

__all__ = ["FONT_DIRS", "VlChartRenderer"]

FONT_DIRS = (Path("/usr/share/fonts/truetype/nanum"), Path("/usr/share/fonts/opentype/noto"))
_KOREAN_FONTS = "NanumGothic, NanumBarunGothic, Noto Sans CJK KR, sans-serif"
_registered = False
_lock = threading.Lock()


def _register_fonts(extra: tuple[Path, ...]) -> None:
    global _registered
    with _lock:
        if _registered:
            return
        for folder in (*FONT_DIRS, *extra):
            if folder.is_dir():
                vl_convert.register_font_directory(str(folder))
        _registered = True


class VlChartRenderer:
    def __init__(self, *, font_dirs: tuple[Path, ...] = ()) -> None:
        self.font_dirs = font_dirs

    def _spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        _register_fonts(self.font_dirs)
        config = dict(spec.get("config") or {})
        config.setdefault("font", _KOREAN_FONTS)
        return {**spec, "config": config}

    def svg(self, spec: dict[str, Any]) -> str:
        return str(vl_convert.vegalite_to_svg(self._spec(spec)))

    def png(self, spec: dict[str, Any], *, scale: float = 2.0) -> bytes:
        return bytes(vl_convert.vegalite_to_png(self._spec(spec), scale=scale))
