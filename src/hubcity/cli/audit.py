"""`hubcity audit verify` and `hubcity audit export`: the audit log from a terminal."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from hubcity.bootstrap import bootstrap
from hubcity.domain.accounts import SYSTEM
from hubcity.errors import PlatformError
from hubcity.settings import get_settings

__all__ = ["audit_app"]

audit_app = typer.Typer(help="The tamper-evident audit log (감사 로그).", no_args_is_help=True)
_err = Console(stderr=True)


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        _err.print(f"[red]오류[/red]: --{name} 값 '{value}'은(는) 날짜·시각이 아닙니다 (예: 2026-11-01).")
        _err.print(f"[red]error[/red]: --{name} '{value}' is not a date or time (e.g. 2026-11-01).")
        raise typer.Exit(2) from None


@audit_app.command("verify")
def verify() -> None:
    """Walk the whole hash chain; exit 0 when it holds, 1 naming the first broken entry."""
    svc = bootstrap(get_settings(), immediate=True)
    try:
        if not svc.schema_ready():
            svc.migrate()
        check = svc.audit.verify()
    finally:
        svc.close()
    if check.broken is None:
        sys.stdout.write(
            f"감사 로그 체인이 온전합니다: 항목 {check.checked:,}개 (마지막 {check.head_seq}번, "
            f"해시 {check.head_hash}).\n"
            f"The audit chain is intact: {check.checked:,} entries (last #{check.head_seq}, "
            f"hash {check.head_hash}).\n"
        )
        return
    ko, en = check.broken.message()
    _err.print(f"[red]{ko}[/red]", highlight=False)
    _err.print(f"[red]{en}[/red]", highlight=False)
    _err.print(
        f"({check.checked:,} entries before it verified; reason: {check.broken.reason})", highlight=False
    )
    raise typer.Exit(1)


@audit_app.command("export")
def export(
    since: Annotated[str | None, typer.Option(help="From this date or time (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this date or time (ISO 8601).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "jsonl",
    dataset: Annotated[str | None, typer.Option(help="Only entries about this dataset.")] = None,
) -> None:
    """Write audit entries (with their hashes) to stdout as CSV or JSON Lines; the export is logged."""
    start, end = _when(since, "since"), _when(until, "until")
    svc = bootstrap(get_settings(), immediate=True)
    try:
        if not svc.schema_ready():
            svc.migrate()
        for line in svc.audit.export(SYSTEM, fmt, dataset=dataset, since=start, until=end):
            sys.stdout.write(line)
    except PlatformError as exc:
        _err.print(f"[red]오류[/red]: {exc.message}")
        _err.print(f"[red]error[/red]: {exc.message_en}")
        raise typer.Exit(2) from None
    finally:
        svc.close()
