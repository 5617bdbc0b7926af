"""`hubcity personal rescan [DATASET]`: run the personal-data rules again over published versions."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from hubcity.bootstrap import bootstrap
from hubcity.domain.accounts import SYSTEM
from hubcity.domain.personal import RULES_VERSION
from hubcity.errors import PlatformError
from hubcity.settings import get_settings

__all__ = ["personal_app"]

personal_app = typer.Typer(help="Personal-data detection (개인정보 탐지).", no_args_is_help=True)
_out = Console()
_err = Console(stderr=True)


@personal_app.command("rescan")
def rescan(
    dataset: Annotated[str | None, typer.Argument(help="Dataset name; every dataset when left out.")] = None,
    all_versions: Annotated[
        bool, typer.Option("--all-versions", help="Every version, not only the current ones.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Scan the columns again with the current rules; owners' decisions are kept."""
    svc = bootstrap(get_settings(), immediate=True)
    try:
        if not svc.schema_ready():
            svc.migrate()
        report = svc.personal.rescan(SYSTEM, dataset, all_versions=all_versions)
    except PlatformError as exc:
        _err.print(f"[red]오류[/red]: {exc.message}")
        _err.print(f"[red]error[/red]: {exc.message_en}")
        raise typer.Exit(3 if exc.code == "not_found" else 2) from None
    finally:
        svc.close()
    if as_json:
        body = {"rules": RULES_VERSION, **report.__dict__}
        print(json.dumps(body, ensure_ascii=False))  # noqa: T201 - the JSON is the output
        return
    _out.print(
        f"rules {RULES_VERSION}: {report.versions:,} versions, {report.columns:,} columns, "
        f"{report.findings:,} findings; {len(report.changed):,} changed"
    )
    for line in report.changed:
        _out.print(f"  {line}")
