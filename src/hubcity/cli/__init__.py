"""The hubcity command line: the same services as the web, in a terminal."""

from __future__ import annotations

import csv
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from hubcity.bootstrap import Services, bootstrap
from hubcity.cli.audit import audit_app
from hubcity.cli.keys import keys_app
from hubcity.cli.personal import personal_app
from hubcity.domain.accounts import SYSTEM
from hubcity.domain.jobs import Job, JobState
from hubcity.errors import NotFound, PlatformError
from hubcity.ports import DatasetFilter
from hubcity.services.resources import UploadRequest
from hubcity.settings import get_settings

__all__ = ["app", "main"]

app = typer.Typer(
    help="hubcity — 데이터 기반 시정을 위한 데이터 허브 (data hub for city administration).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
users_app = typer.Typer(help="Users (사용자).", no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations (기관).", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens (토큰).", no_args_is_help=True)
datasets_app = typer.Typer(help="Datasets (데이터셋).", no_args_is_help=True)
search_app = typer.Typer(help="The catalogue search index (검색 색인).", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(orgs_app, name="orgs")
app.add_typer(tokens_app, name="tokens")
app.add_typer(datasets_app, name="datasets")
app.add_typer(search_app, name="search")
app.add_typer(audit_app, name="audit")
app.add_typer(personal_app, name="personal")
app.add_typer(keys_app, name="keys")

out = Console()
err = Console(stderr=True)
T = TypeVar("T")

EXIT_CODES = {
    "not_found": 3,
    "permission_denied": 4,
    "authentication_failed": 4,
    "already_exists": 5,
    "conflict": 5,
    "invalid_input": 2,
    "ingest_error": 6,
}


@contextmanager
def _services(*, migrate: bool = True) -> Iterator[Services]:
    svc = bootstrap(get_settings(), immediate=True)
    try:
        if migrate and not svc.schema_ready():
            svc.migrate()
        yield svc
    finally:
        svc.close()


def _run(fn: Callable[[], T]) -> T:
    """Run a command body; platform errors become a clear message and an exit code."""
    try:
        return fn()
    except PlatformError as exc:
        err.print(f"[red]오류[/red]: {exc.message}")
        if exc.message_en != exc.message:
            err.print(f"[red]error[/red]: {exc.message_en}")
        for detail in exc.details():
            err.print(f"  {detail}")
        raise typer.Exit(EXIT_CODES.get(exc.code, 1)) from None


@app.command()
def migrate() -> None:
    """Create or upgrade the metadata database schema (Alembic)."""
    with _services(migrate=False) as svc:
        revision = svc.migrate()
        out.print(f"schema at revision {revision} ({svc.settings.resolved_database_url.split('://')[0]})")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
) -> None:
    """Serve the web UI and the APIs, with job workers in the same process."""
    import uvicorn

    with _services() as svc:
        has_demo = svc.accounts.find_user("admin") is not None
    out.print(f"hubcity: http://{host}:{port}/")
    if has_demo:
        from hubcity.demo.loader import DEMO_LOGIN

        out.print(f"demo login: {DEMO_LOGIN[0]} / {DEMO_LOGIN[1]}")
    # the web layer is named, not imported: cli and web are sibling layers
    uvicorn.run("hubcity.web.app:create_app", factory=True, host=host, port=port, log_level="info")


@app.command()
def worker() -> None:
    """Run job workers in a process of their own (for a separate worker tier)."""
    settings = get_settings()
    svc = bootstrap(settings, immediate=False)
    svc.resources.recover_stale_jobs()
    out.print(f"hubcity worker: {settings.jobs.workers} threads on {settings.jobs_path}")
    svc.queue.run_forever()


@app.command()
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the demo city is already loaded.")
    ] = False,
) -> None:
    """Load the demo Gwangju: organisations, users per role and about ten generated datasets."""
    from hubcity.demo.loader import load_demo

    def body() -> None:
        with _services() as svc:
            loaded = load_demo(svc, if_empty=if_empty, say=lambda m: out.print(m))
            if not loaded:
                out.print("demo city already loaded")

    _run(body)


@search_app.command("reindex")
def search_reindex(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when no dataset has been indexed yet.")
    ] = False,
) -> None:
    """Rebuild the search index of every dataset (after an upgrade or an analyzer change)."""

    def body() -> None:
        with _services() as svc:
            indexer = svc.catalog.indexer
            if indexer is None:
                return
            if if_empty and indexer.built():
                out.print("search index already built")
                return
            started = time.monotonic()
            count = indexer.reindex_all()
            out.print(f"indexed {count:,} datasets in {time.monotonic() - started:.1f} s")

    _run(body)


# -- users, orgs, tokens --------------------------------------------------------------------
@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Argument(help="Username.")],
    sysadmin: Annotated[bool, typer.Option("--sysadmin", help="Make a system administrator.")] = False,
    password: Annotated[str | None, typer.Option(help="Password (prompted when omitted).")] = None,
    org: Annotated[str | None, typer.Option(help="Organisation slug to join.")] = None,
    role: Annotated[str, typer.Option(help="admin, editor or member.")] = "member",
    display_name: Annotated[str, typer.Option(help="Name shown in the UI.")] = "",
    email: Annotated[str, typer.Option(help="E-mail address.")] = "",
) -> None:
    """Create a user."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    def body() -> None:
        with _services() as svc:
            user = svc.accounts.create_user(
                SYSTEM,
                username=name,
                password=password,
                sysadmin=sysadmin,
                org=org,
                role=role,
                display_name=display_name,
                email=email,
            )
            out.print(f"user {user.username} created" + (" (sysadmin)" if user.sysadmin else ""))

    _run(body)


@orgs_app.command("create")
def orgs_create(
    slug: Annotated[str, typer.Argument(help="URL name, e.g. ai-policy.")],
    title: Annotated[str, typer.Option("--title", help="Korean name, e.g. 인공지능정책과.")],
    kind: Annotated[
        str, typer.Option("--kind", help="bureau, department, team, district, partner or company.")
    ],
    parent: Annotated[str | None, typer.Option(help="Parent organisation slug.")] = None,
    title_en: Annotated[str, typer.Option(help="English name.")] = "",
) -> None:
    """Create an organisation."""

    def body() -> None:
        with _services() as svc:
            org = svc.accounts.create_org(
                SYSTEM, slug=slug, title=title, kind=kind, parent=parent, title_en=title_en
            )
            out.print(f"organisation {org.slug} ({org.title}) created")

    _run(body)


@orgs_app.command("list")
def orgs_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List organisations."""
    with _services() as svc:
        orgs = svc.accounts.list_orgs()
    if as_json:
        sys.stdout.write(
            json.dumps(
                [
                    {
                        "slug": o.slug,
                        "title": o.title,
                        "title_en": o.title_en,
                        "kind": str(o.kind),
                        "parent": o.parent_slug,
                    }
                    for o in orgs
                ],
                ensure_ascii=False,
            )
            + "\n"
        )
        return
    table = Table("slug", "title", "kind", "parent")
    for o in orgs:
        table.add_row(o.slug, o.title, str(o.kind), o.parent_slug or "")
    out.print(table)


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Argument(help="Username the token acts for.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "cli",
    expires_days: Annotated[int | None, typer.Option(help="Expire after this many days.")] = None,
) -> None:
    """Create an API token for a user; the token alone is printed on the last line."""

    def body() -> None:
        with _services() as svc:
            token, raw = svc.accounts.create_token(
                SYSTEM, name=label, username=name, expires_days=expires_days
            )
            err.print(f"token '{token.name}' for {name} (shown once; store it now)")
            sys.stdout.write(raw + "\n")

    _run(body)


# -- datasets and ingest ----------------------------------------------------------------------
@datasets_app.command("list")
def datasets_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    q: Annotated[str | None, typer.Option(help="Search words.")] = None,
    limit: Annotated[int, typer.Option(help="How many.")] = 100,
) -> None:
    """List datasets."""
    with _services() as svc:
        page = svc.catalog.list_datasets(SYSTEM, DatasetFilter(q=q, limit=limit))
    if as_json:
        rows = [
            {
                "name": d.name,
                "title": d.title,
                "owner_org": d.owner_org_slug,
                "visibility": str(d.visibility),
                "formats": list(d.formats),
                "quality_score": d.quality_score,
            }
            for d in page.items
        ]
        sys.stdout.write(json.dumps({"total": page.total, "items": rows}, ensure_ascii=False) + "\n")
        return
    table = Table("name", "title", "organisation", "visibility", "formats")
    for d in page.items:
        table.add_row(d.name, d.title, d.owner_org_slug, str(d.visibility), ", ".join(d.formats))
    out.print(table)
    out.print(f"{page.total} datasets")


@datasets_app.command("create")
def datasets_create(
    name: Annotated[str, typer.Argument(help="URL name.")],
    title: Annotated[str, typer.Option(help="Korean title.")],
    org: Annotated[str, typer.Option(help="Owner organisation slug.")],
    visibility: Annotated[str, typer.Option(help="public, internal or restricted.")] = "public",
    title_en: Annotated[str, typer.Option(help="English title.")] = "",
) -> None:
    """Create a dataset."""

    def body() -> None:
        with _services() as svc:
            d = svc.catalog.create_dataset(
                SYSTEM,
                {
                    "name": name,
                    "title": title,
                    "owner_org": org,
                    "visibility": visibility,
                    "title_en": title_en,
                },
            )
            out.print(f"dataset {d.name} created")

    _run(body)


@app.command()
def query(
    sql: Annotated[
        str, typer.Argument(help='One read-only SELECT, e.g. \'SELECT * FROM "dataset"."resource"\'.')
    ],
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    as_user: Annotated[
        str | None, typer.Option("--as", help="Run with this user's rights (default: the operator's).")
    ] = None,
    max_rows: Annotated[
        int | None, typer.Option(help="At most this many rows (capped by the settings).")
    ] = None,
) -> None:
    """Run SQL over the lake's tables (쿼리), in the same sandbox as the web."""
    if fmt not in ("table", "csv", "json"):
        err.print("[red]오류[/red]: --format은 table, csv, json 중 하나입니다 (table, csv or json).")
        raise typer.Exit(2)

    def body() -> None:
        with _services() as svc:
            actor = SYSTEM
            if as_user:
                user = svc.accounts.find_user(as_user)
                if user is None:
                    raise NotFound.of("사용자", "User", as_user)
                actor = svc.accounts.actor_for(user.id)  # with the grants they hold
            result = svc.query.run(actor, sql, max_rows=max_rows)
        names = [c["name"] for c in result.columns]
        if fmt == "json":
            payload = {"columns": result.columns, "rows": result.rows, "truncated": result.truncated}
            sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
        elif fmt == "csv":
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(names)
            writer.writerows([row[n] for n in names] for row in result.rows)
        else:
            table = Table(*names)
            for row in result.rows:
                table.add_row(*("" if row[n] is None else str(row[n]) for n in names))
            out.print(table)
            more = " (잘림 truncated)" if result.truncated else ""
            err.print(f"{len(result.rows):,} rows{more} · {result.elapsed_ms:,.0f} ms")

    _run(body)


def follow_job(svc: Services, job: Job, console: Console) -> Job:
    """Run the job in a thread (unless a server's worker takes it first) and draw a progress bar."""
    runner = threading.Thread(target=svc.resources.run_job, args=(job.id,), daemon=True)
    runner.start()
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(job.params.get("filename", "ingest"), total=max(job.bytes_total, 1), rows=0)
        while True:
            current = svc.resources.get_job(SYSTEM, job.id)
            bar.update(task, completed=current.bytes_done, rows=current.rows_done)
            if current.state.finished:
                if current.state is JobState.SUCCEEDED:
                    bar.update(task, completed=max(current.bytes_total, 1))
                runner.join(timeout=5)
                return current
            time.sleep(0.2)


@app.command()
def ingest(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV, TSV, XLSX, XLS, JSON, JSONL or Parquet file.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    dataset: Annotated[str, typer.Option("--dataset", help="Dataset name.")],
    resource: Annotated[
        str | None, typer.Option("--resource", help="Resource name (default: from the file name).")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Override the detected encoding (utf-8, cp949 …).")
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet to read.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the finished job as JSON.")] = False,
) -> None:
    """Ingest a file as a new version of a resource, with a progress bar."""
    import shutil
    import tempfile

    def body() -> None:
        with _services() as svc:
            svc.settings.uploads_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=svc.settings.uploads_dir, prefix="cli-")
            with open(fd, "wb") as dst, file.open("rb") as src:
                shutil.copyfileobj(src, dst, 1 << 20)
            job = svc.resources.start_upload(
                SYSTEM,
                UploadRequest(
                    dataset=dataset,
                    path=Path(tmp),
                    filename=file.name,
                    resource=resource,
                    encoding=encoding,
                    sheet=sheet,
                ),
                enqueue=False,
            )
            done = follow_job(svc, job, err)
            if as_json:
                sys.stdout.write(json.dumps(_job_json(done), ensure_ascii=False, default=str) + "\n")
            if done.state is JobState.FAILED:
                error = done.error or {}
                err.print(f"[red]실패[/red]: {error.get('message')}")
                err.print(f"[red]failed[/red]: {error.get('message_en')}")
                if error.get("where"):
                    err.print(f"  at {error['where']}")
                raise typer.Exit(6)
            if not as_json:
                out.print(f"{dataset}/{done.resource_name}: {done.message}")

    _run(body)


def _job_json(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "state": str(job.state),
        "dataset": job.dataset_name,
        "resource": job.resource_name,
        "version": job.version_number,
        "rows": job.rows_done,
        "message": job.message,
        "error": job.error,
    }


# registered last: the harvest commands use this module's helpers
from hubcity.cli.harvest import harvest_app  # noqa: E402

app.add_typer(harvest_app, name="harvest")


def main() -> None:
    try:
        app()
    except PlatformError as exc:  # raised before a command could say it, e.g. an unsafe key store at start
        err.print(f"[red]오류[/red]: {exc.message}", highlight=False, soft_wrap=True)
        if exc.message_en != exc.message:
            err.print(f"[red]error[/red]: {exc.message_en}", highlight=False, soft_wrap=True)
        raise SystemExit(EXIT_CODES.get(exc.code, 1)) from None
