"""`hubcity keys status|rotate|prune`: the key store from a terminal (never its key material)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hubcity.adapters.db.engine import create_db_engine, current_revision, make_sessionmaker
from hubcity.adapters.db.store import SqlStore
from hubcity.adapters.engines.sealing import LEGACY, ColumnSealer
from hubcity.adapters.keys import (
    KeyStore,
    RotationReport,
    SealedFile,
    prune_lake_keys,
    rotate_lake_key,
    scan_sealed,
)
from hubcity.adapters.lake import LocalLake, make_lake
from hubcity.bootstrap import open_keys, views_dir
from hubcity.errors import PlatformError
from hubcity.settings import Settings, get_settings

__all__ = ["keys_app"]

keys_app = typer.Typer(
    help="Encryption and pseudonymisation keys, kept apart from the data (암호화·가명처리 키).",
    no_args_is_help=True,
)
_out = Console()
_err = Console(stderr=True)


def _say(text: str) -> None:
    _out.print(text, highlight=False, soft_wrap=True)  # paths stay whole, to copy


def _warn(text: str) -> None:
    _err.print(text, highlight=False, soft_wrap=True)


def _fail(exc: PlatformError) -> typer.Exit:
    _warn(f"[red]오류[/red]: {exc.message}")
    if exc.message_en != exc.message:
        _warn(f"[red]error[/red]: {exc.message_en}")
    return typer.Exit(1)


def _open(settings: Settings, *, check: bool) -> tuple[KeyStore, ColumnSealer, Path | None]:
    lake = make_lake(settings.resolved_lake_url, settings.data_dir / "cache")
    root = lake.root if isinstance(lake, LocalLake) else None
    store = open_keys(settings, lake_root=root, check=check)
    return store, ColumnSealer(store.keyring), root


def _local(root: Path | None, settings: Settings) -> Path:
    if root is None:
        raise _remote(settings)
    return root


def _remote(settings: Settings) -> typer.Exit:
    _warn(
        f"[red]오류[/red]: 레이크가 원격({settings.resolved_lake_url})입니다. 키 교체는 파일을 제자리에서 "
        "다시 암호화하므로 로컬 레이크만 지원합니다."
    )
    _warn(
        f"[red]error[/red]: the lake is remote ({settings.resolved_lake_url}). Key rotation re-seals files "
        "in place and supports a local lake only (a remote lake's readers keep cached copies)."
    )
    return typer.Exit(2)


def _status(settings: Settings, store: KeyStore, sealer: ColumnSealer, root: Path | None) -> dict[str, Any]:
    ring = store.keyring()
    files: list[SealedFile] | None = None
    if root is not None:
        files = scan_sealed(sealer, root, views_dir(settings))
    keys = []
    for k in ring.keys:
        entry: dict[str, Any] = {
            "id": k.id,
            "created": k.created.isoformat(timespec="seconds"),
            "current": k.id == ring.current,
            "origin": "setting"
            if store.lake_override is not None and k.id == store.lake_override.id
            else ("legacy" if k.legacy else "random"),
        }
        if files is not None:
            for kind in ("data", "original", "view"):
                entry[kind] = sum(
                    1 for f in files if f.kind == kind and (k.id in f.keys or (k.legacy and LEGACY in f.keys))
                )
        keys.append(entry)
    known = {k.id for k in ring.keys} | ({LEGACY} if ring.legacy else set())
    return {
        "keys_dir": str(store.root),
        "modes": store.modes(),
        "problems": [en for _, en in store.problems()],
        "lake": settings.resolved_lake_url,
        "lake_key_setting": store.lake_override is not None,
        "pseudonym_key": {"file": str(store.pseudonym_file), "origin": store.pseudonym_origin()},
        "keys": keys,
        "unknown_keys": sorted({kid for f in files or [] for kid in f.keys} - known),
        "unreadable_files": [{"path": str(f.path), "error": f.error} for f in files or [] if f.error],
        "files_counted": files is not None,
    }


@keys_app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """The keys (ids, created, which is current), the key files and their modes, and how many sealed
    files use each key — never key material."""
    settings = get_settings()
    try:
        store, sealer, root = _open(settings, check=False)
        doc = _status(settings, store, sealer, root)
    except PlatformError as exc:
        raise _fail(exc) from None
    if as_json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return
    _say(f"key store: {doc['keys_dir']}")
    for path, mode in doc["modes"].items():
        _say(f"  {mode or 'missing'}  {path}")
    for problem in doc["problems"]:
        _say(f"[red]  ! {problem}[/red]")
    table = Table("id", "created", "current", "origin", "data", "originals", "views")
    for k in doc["keys"]:
        table.add_row(
            k["id"],
            k["created"][:16].replace("T", " "),
            "✓" if k["current"] else "",
            k["origin"],
            *(str(k.get(kind, "-")) for kind in ("data", "original", "view")),
        )
    _out.print(table)  # a table: rich's own layout
    if doc["lake_key_setting"]:
        _say("HUBCITY_LAKE_KEY is set: its key seals and wins over lake.keys.")
    if not doc["files_counted"]:
        _say(f"sealed files not counted: the lake is remote ({doc['lake']}).")
    if doc["unknown_keys"]:
        _say(f"[red]sealed files use keys not in the keyring: {', '.join(doc['unknown_keys'])}[/red]")
    for f in doc["unreadable_files"]:
        _say(f"[red]unreadable: {f['path']}: {f['error']}[/red]")
    pseudonym = doc["pseudonym_key"]
    _say(f"pseudonym key: {pseudonym['file']} ({pseudonym['origin']})")


def _in_flight(settings: Settings) -> Callable[[datetime], int]:
    """How many jobs created before a time are unfinished (an ingest may seal with an old key)."""

    def count(before: datetime) -> int:
        engine = create_db_engine(settings.resolved_database_url)
        try:
            if current_revision(engine) is None:
                return 0
            jobs = SqlStore(make_sessionmaker(engine)).list_jobs(limit=1000)
            return sum(1 for j in jobs if not j.state.finished and j.created_at < before)
        finally:
            engine.dispose()

    return count


def _report(report: RotationReport) -> None:
    if report.new_key:
        _say(
            f"새 키 {report.new_key}로 파일 {report.resealed}개를 다시 암호화했습니다 "
            f"/ re-sealed {report.resealed} files with the new key {report.new_key} ({report.seconds:.1f}s)."
        )
    if report.removed:
        _say(f"removed keys: {', '.join(report.removed)}")
    if report.kept:
        why = f"{report.waited_for_jobs} jobs still running; " if report.waited_for_jobs else ""
        _say(
            f"kept keys: {', '.join(report.kept)} ({why}see `hubcity keys status`, then `hubcity keys prune`)"
        )
    for path, error in report.failed:
        _warn(f"[red]failed[/red]: {path}: {error}")


@keys_app.command("rotate")
def rotate(
    keep_old: Annotated[
        bool, typer.Option("--keep-old", help="Keep the old keys in the keyring after re-sealing.")
    ] = False,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for running ingest jobs before old keys go.")
    ] = 300.0,
) -> None:
    """Add a random lake key, make it current, re-seal every sealed file with it (one file at a time,
    through a temporary file), then remove the keys no file uses any more."""
    settings = get_settings()
    try:
        store, sealer, root = _open(settings, check=True)
        lake_root = _local(root, settings)

        def progress(done: int, total: int, f: SealedFile, seconds: float) -> None:
            size = f.path.stat().st_size / (1 << 20) if f.path.exists() else 0.0
            rel = f.path.relative_to(lake_root) if f.path.is_relative_to(lake_root) else f.path
            _warn(f"[{done}/{total}] {f.kind} {rel} ({size:.1f} MiB, {seconds:.2f}s)")

        report = rotate_lake_key(
            store,
            sealer,
            lake_root,
            views_dir(settings),
            keep_old=keep_old,
            progress=progress,
            in_flight=_in_flight(settings),
            wait_s=wait,
        )
    except PlatformError as exc:
        raise _fail(exc) from None
    _report(report)
    if report.failed:
        raise typer.Exit(1)


@keys_app.command("prune")
def prune(
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for running ingest jobs before old keys go.")
    ] = 300.0,
) -> None:
    """Remove the old lake keys no sealed file uses any more (the last step of a rotation)."""
    settings = get_settings()
    try:
        store, sealer, root = _open(settings, check=True)
        report = prune_lake_keys(
            store,
            sealer,
            _local(root, settings),
            views_dir(settings),
            in_flight=_in_flight(settings),
            wait_s=wait,
        )
    except PlatformError as exc:
        raise _fail(exc) from None
    _report(report)
