"""An evidence pack as a PDF for the approval document, with reportlab.

Title, narrative, chart, result table, pinned versions, who made it and when,
and the permanent URL. Korean text uses NanumGothic when the system has it
(embedded, so the text can be searched and copied), else reportlab's built-in
CID font HYGothic-Medium (which every PDF reader can draw without embedding).
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from hubcity.domain.evidence import EvidencePack
from hubcity.domain.koreatime import KST

__all__ = ["PdfEvidenceWriter"]

_TTF = (
    Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
    Path("/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf"),
)
_MAX_ROWS = 60
_lock = threading.Lock()
_font: str | None = None


def _korean_font() -> str:
    global _font
    with _lock:
        if _font is None:
            for path in _TTF:
                if path.is_file():
                    pdfmetrics.registerFont(TTFont("HubcityKorean", str(path)))
                    _font = "HubcityKorean"
                    break
            else:
                pdfmetrics.registerFont(UnicodeCIDFont("HYGothic-Medium"))
                _font = "HYGothic-Medium"
        return _font


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e15 else str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


class PdfEvidenceWriter:
    def pdf(self, pack: EvidencePack, *, chart_png: bytes | None, url: str) -> bytes:
        font = _korean_font()
        base = ParagraphStyle("base", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
        small = ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=colors.grey)
        title = ParagraphStyle("title", parent=base, fontSize=18, leading=24, spaceAfter=6)
        head = ParagraphStyle("head", parent=base, fontSize=12, leading=18, spaceBefore=10, spaceAfter=4)
        code = ParagraphStyle("code", parent=base, fontSize=8, leading=11, backColor=colors.whitesmoke)

        def para(text: str, style: ParagraphStyle = base) -> Paragraph:
            return Paragraph(escape(text).replace("\n", "<br/>"), style)

        created = pack.created_at.astimezone(KST).strftime("%Y-%m-%d %H:%M KST")
        story: list[Any] = [
            para(pack.title, title),
            para(f"증거 자료 (Evidence pack) {pack.id} · 작성 {pack.owner_name} · {created}", small),
            para(f"영구 주소 (Permanent URL): {url}", small),
            Spacer(1, 4 * mm),
        ]
        if pack.narrative.strip():
            story += [para("설명 (Narrative)", head), para(pack.narrative)]
        if chart_png:
            reader = ImageReader(io.BytesIO(chart_png))
            width, height = reader.getSize()
            box = 170 * mm
            scale = min(box / width, 110 * mm / height)
            story += [
                para("차트 (Chart)", head),
                Image(io.BytesIO(chart_png), width=width * scale, height=height * scale),
            ]
        names = [c["name"] for c in pack.columns]
        if names:
            story.append(para(f"결과 (Result) — {len(pack.rows):,}행 (rows)", head))
            cell = ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5)
            data = [[para(n, cell) for n in names]]
            data += [[para(_cell(r.get(n)), cell) for n in names] for r in pack.rows[:_MAX_ROWS]]
            table = Table(data, repeatRows=1, hAlign="LEFT")
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(table)
            if len(pack.rows) > _MAX_ROWS:
                story.append(
                    para(f"… 처음 {_MAX_ROWS}행만 실었습니다 (first {_MAX_ROWS} rows shown).", small)
                )
        story.append(para("고정한 데이터 버전 (Pinned dataset versions)", head))
        pins = [[para("표 (table)"), para("버전 (version)")]]
        pins += [[para(f"{p.dataset}.{p.resource}"), para(f"v{p.version}")] for p in pack.pinned]
        pin_table = Table(pins, hAlign="LEFT", colWidths=[120 * mm, 30 * mm])
        pin_table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
        story += [pin_table, para("SQL", head), para(pack.pinned_sql, code)]
        out = io.BytesIO()
        doc = SimpleDocTemplate(
            out,
            pagesize=A4,
            title=pack.title,
            author=pack.owner_name,
            subject=f"hubcity evidence pack {pack.id}",
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=16 * mm,
            bottomMargin=16 * mm,
        )
        doc.build(story)
        return out.getvalue()
