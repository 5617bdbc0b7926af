"""``hubcity harvest``: add and list harvest sources, run one now (inline, with its change log)."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from hubcity.domain.accounts import SYSTEM
from hubcity.domain.harvest import HarvestRun, HarvestSource, RunState

__all__ = ["harvest_app"]

harvest_app = typer.Typer(
    help="Harvesting from other CKAN portals and DCAT catalogues (수집).", no_args_is_help=True
)


def _source_json(s: HarvestSource) -> dict[str, Any]:
    last = s.last_run
    return {
        "name": s.name,
        "title": s.title,
        "kind": str(s.kind),
        "url": s.url,
        "org": s.org_slug,
        "schedule_hours": s.schedule_hours,
        "fetch_files": s.fetch_files,
        "filter_org": s.filter_org,
        "filter_q": s.filter_q,
        "enabled": s.enabled,
        "official": s.official,
        "case_no": s.case_no,
        "has_api_key": s.has_api_key,
        "last_run": {"id": last.id, "state": str(last.state), "counts": last.counts} if last else None,
    }


def _run_json(r: HarvestRun) -> dict[str, Any]:
    return {
        "id": r.id,
        "state": str(r.state),
        "counts": r.counts,
        "message": r.message,
        "message_en": r.message_en,
        "changes": [
            {
                "kind": str(c.kind),
                "identifier": c.identifier,
                "dataset": c.dataset_name,
                "diff": c.diff,
                "message": c.message,
                "message_en": c.message_en,
            }
            for c in r.changes or []
        ],
    }


@harvest_app.command("add")
def harvest_add(
    name: Annotated[
        str, typer.Argument(help="Short slug; harvested datasets are named '<name>--<upstream>'.")
    ],
    url: Annotated[str, typer.Argument(help="CKAN portal address, or a DCAT catalogue URL.")],
    org: Annotated[str, typer.Option(help="Local organisation that will own the harvested datasets.")],
    kind: Annotated[str, typer.Option(help="ckan or dcat.")] = "ckan",
    title: Annotated[str, typer.Option(help="A title people recognise.")] = "",
    schedule_hours: Annotated[int, typer.Option(help="Hours between scheduled runs; 0 = only by hand.")] = 24,
    fetch_files: Annotated[
        bool, typer.Option(help="Also download files and ingest them as versions.")
    ] = False,
    filter_org: Annotated[str, typer.Option(help="CKAN: only this upstream organisation.")] = "",
    filter_q: Annotated[str, typer.Option(help="CKAN: only datasets matching this search.")] = "",
    disabled: Annotated[bool, typer.Option("--disabled", help="Add it switched off.")] = False,
    official: Annotated[
        str, typer.Option(help="Requesting official named on each transfer (required for a partner's org).")
    ] = "",
    case_no: Annotated[
        str, typer.Option(help="Case or document number of those transfers (required for a partner's org).")
    ] = "",
) -> None:
    """Add a harvest source."""
    from hubcity.cli import _run, _services, out

    def body() -> None:
        with _services() as svc:
            source = svc.harvest.create_source(
                SYSTEM,
                {
                    "name": name,
                    "title": title,
                    "kind": kind,
                    "url": url,
                    "org": org,
                    "schedule_hours": schedule_hours,
                    "fetch_files": fetch_files,
                    "filter_org": filter_org,
                    "filter_q": filter_q,
                    "enabled": not disabled,
                    "official": official,
                    "case_no": case_no,
                },
            )
        out.print(f"harvest source '{source.name}' added ({source.kind}, {source.url} → {source.org_slug})")

    _run(body)


@harvest_app.command("list")
def harvest_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List harvest sources and their last runs."""
    from hubcity.cli import _services, out

    with _services() as svc:
        sources = svc.harvest.list_sources(SYSTEM)
    if as_json:
        sys.stdout.write(json.dumps([_source_json(s) for s in sources], ensure_ascii=False) + "\n")
        return
    table = Table("name", "kind", "url", "org", "schedule", "last run")
    for s in sources:
        last = s.last_run
        table.add_row(
            s.name,
            str(s.kind),
            s.url,
            s.org_slug,
            ("off" if not s.enabled else f"{s.schedule_hours} h" if s.schedule_hours else "manual"),
            f"#{last.id} {last.state} {last.counts}" if last else "—",
        )
    out.print(table)


@harvest_app.command("run")
def harvest_run(
    name: Annotated[str, typer.Argument(help="The source's name.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the run and its change log as JSON.")
    ] = False,
    restore: Annotated[
        bool, typer.Option("--restore", help="Also harvest again the datasets deleted here.")
    ] = False,
) -> None:
    """Run a harvest now, in this process, and print what changed."""
    from hubcity.cli import _run, _services, err, out

    def body() -> HarvestRun:
        with _services() as svc:  # jobs run inline here
            queued = svc.harvest.run_source(SYSTEM, name, restore=restore)
            return svc.harvest.get_run(SYSTEM, name, queued.id)

    run = _run(body)
    if as_json:
        sys.stdout.write(json.dumps(_run_json(run), ensure_ascii=False, default=str) + "\n")
    else:
        for c in run.changes or []:
            diff = ", ".join(sorted(c.diff)) if c.diff else ""
            out.print(f"{c.kind:10} {c.dataset_name or c.identifier} {diff} {c.message_en}".rstrip())
        (err if run.state is RunState.FAILED else out).print(f"{run.message}\n{run.message_en}")
    if run.state is RunState.FAILED:
        raise typer.Exit(7)
