"""The official ``ckanapi`` command line, run as a user runs it, against real hubcity servers.

The source is the demo city served by uvicorn on a free loopback port (its metadata on
SQLite or PostgreSQL, its jobs on real worker threads); the target is a fresh hubcity
with only the organisations. ``dump`` must return every public dataset and no other;
``load`` must recreate them in the target.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hubcity.bootstrap import Services, bootstrap
from hubcity.demo.city import DATASETS, ORGS
from hubcity.demo.loader import load_demo
from hubcity.domain.accounts import SYSTEM, Actor
from hubcity.settings import Settings
from tests.live import serve
from tests.web.ckan.conftest import LOTS, csv_bytes

BIN = Path(sys.executable).parent
PUBLIC = sorted(d.name for d in DATASETS if d.visibility == "public")


@contextmanager
def _serve(settings: Settings) -> Iterator[tuple[str, Services]]:
    """A server over services whose jobs run on worker threads, as `hubcity serve` does."""
    services = bootstrap(settings, immediate=False)
    services.migrate()
    try:
        with serve(services) as base:
            yield base, services
    finally:
        services.close()


def ckanapi(*args: str, cwd: Path) -> str:
    """Run the ckanapi CLI from the venv (its dump and load workers are `ckanapi` on PATH)."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(
        [str(BIN / "ckanapi"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, f"ckanapi {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _metadata(pkg: dict[str, Any]) -> dict[str, Any]:
    """What a dump must carry over: everything but ids of files and timestamps."""
    return {
        "name": pkg["name"],
        "title": pkg["title"],
        "notes": pkg["notes"],
        "owner_org": pkg["owner_org"],
        "private": pkg["private"],
        "license_id": pkg["license_id"],
        "maintainer": pkg["maintainer"],
        "maintainer_email": pkg["maintainer_email"],
        "tags": sorted(t["name"] for t in pkg["tags"]),
        "groups": [g["name"] for g in pkg["groups"]],
        "extras": sorted((e["key"], e["value"]) for e in pkg["extras"]),
    }


def _settings(tmp: Path, db_url: str) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp / "var",
        database_url=db_url,
        secret_key="ckan-cli-test-secret-0123456789",  # type: ignore[arg-type]
    )


def _token(services: Services, username: str) -> str:
    user = services.accounts.create_user(
        SYSTEM, username=username, password="ckan-load-secret", sysadmin=True
    )
    return services.accounts.create_token(Actor.for_user(user), name="ckanapi")[1]


def test_ckanapi_dump_and_load_between_two_running_hubcities(tmp_path: Path, db_url: str) -> None:
    source_settings = _settings(tmp_path / "source", db_url)
    loader = bootstrap(source_settings, immediate=True)
    loader.migrate()
    load_demo(loader)
    loader.close()

    target_settings = _settings(tmp_path / "target", f"sqlite:///{tmp_path / 'target.sqlite3'}")
    with (
        _serve(source_settings) as (source, source_services),
        _serve(target_settings) as (target, target_services),
    ):
        admin_token = _token(source_services, "ckan-admin")
        for org in ORGS:  # a fresh hubcity: the organisations and nothing else
            target_services.accounts.create_org(
                SYSTEM,
                slug=org.slug,
                title=org.title,
                title_en=org.title_en,
                kind=org.kind,
                parent=org.parent,
            )
        target_token = _token(target_services, "loader")

        assert json.loads(ckanapi("action", "package_list", "-r", source, cwd=tmp_path)) == PUBLIC
        status = json.loads(ckanapi("action", "status_show", "-r", source, "-j", cwd=tmp_path))
        assert status["site_url"] == source

        found = [
            json.loads(line)
            for line in ckanapi("search", "datasets", "q=주차", "-r", source, cwd=tmp_path).splitlines()
        ]
        assert "public-parking-lots" in [p["name"] for p in found]
        assert all(p["private"] is False for p in found)

        dump = tmp_path / "dump.jsonl"
        ckanapi("dump", "datasets", "--all", "-d", "-q", "-O", str(dump), "-r", source, cwd=tmp_path)
        dumped = _lines(dump)
        assert sorted(p["name"] for p in dumped) == PUBLIC  # every public dataset and no other
        assert all(p["resources"] and p["resources"][0]["url"].startswith(source) for p in dumped)
        parking = next(p for p in dumped if p["name"] == "public-parking-lots")
        assert parking["resources"][0]["datastore_fields"]  # -d: the columns, from datastore_search
        everything = tmp_path / "everything.jsonl"
        ckanapi(
            "dump", "datasets", "--all", "--include-private", "-q", "-O", str(everything),
            "-r", source, "-a", admin_token, cwd=tmp_path,
        )  # fmt: skip
        assert sorted(p["name"] for p in _lines(everything)) == sorted(d.name for d in DATASETS)

        ckanapi("load", "datasets", "-I", str(dump), "-q", "-r", target, "-a", target_token, cwd=tmp_path)
        assert json.loads(ckanapi("action", "package_list", "-r", target, cwd=tmp_path)) == PUBLIC
        for pkg in dumped:
            loaded = json.loads(
                ckanapi("action", "package_show", f"id={pkg['name']}", "-r", target, cwd=tmp_path)
            )
            assert _metadata(loaded) == _metadata(pkg)
        # loading again updates what is there, and fails nothing
        ckanapi("load", "datasets", "-I", str(dump), "-q", "-r", target, "-a", target_token, cwd=tmp_path)
        assert json.loads(ckanapi("action", "package_list", "-r", target, cwd=tmp_path)) == PUBLIC

        # a file through ckanapi: ingested on the target's worker threads, answered when done
        lots = tmp_path / "주차장.csv"
        lots.write_bytes(csv_bytes(LOTS))
        resource = json.loads(
            ckanapi(
                "action",
                "resource_create",
                "package_id=public-parking-lots",
                f"upload@{lots}",
                "-r",
                target,
                "-a",
                target_token,
                cwd=tmp_path,
            )  # fmt: skip
        )
        assert resource["datastore_active"] is True and resource["row_count"] == 4
        rows = json.loads(
            ckanapi(
                "action",
                "datastore_search",
                f"resource_id={resource['id']}",
                'filters:{"구": "서구"}',
                "-r",
                target,
                cwd=tmp_path,
            )  # fmt: skip
        )
        assert rows["total"] == 2 and {r["주차장명"] for r in rows["records"]} == {
            "상무지구 공영주차장",
            "풍암 공영주차장",
        }
