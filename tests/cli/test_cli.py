"""The terminal: the same services, clear messages and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubcity.cli import app
from hubcity.demo.city import DATASETS
from hubcity.settings import get_settings


@pytest.fixture
def run(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HUBCITY_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HUBCITY_DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args), catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()


def test_operator_sets_up_a_city_from_the_terminal(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert "schema at revision" in run("migrate").output
    assert (
        run("orgs", "create", "ai-policy", "--title", "인공지능정책과", "--kind", "department").exit_code == 0
    )
    assert (
        run(
            "users", "create", "kim", "--password", "long-enough-pw", "--org", "ai-policy", "--role", "editor"
        ).exit_code
        == 0
    )
    token = run("tokens", "create", "kim")
    assert token.exit_code == 0
    assert token.stdout.strip().splitlines()[-1].startswith("hc_")
    assert run("datasets", "create", "pop", "--title", "인구", "--org", "ai-policy").exit_code == 0

    src = tmp_path / "인구.csv"
    src.write_bytes('행정동,인구수\n충장동,"1,234"\n동명동,"2,000"\n'.encode("cp949"))
    result = run("ingest", str(src), "--dataset", "pop", "--resource", "people", "--json")
    assert result.exit_code == 0, result.output
    done = json.loads(result.stdout.strip().splitlines()[-1])
    assert done["state"] == "succeeded" and done["version"] == 1 and done["rows"] == 2

    listed = json.loads(run("datasets", "list", "--json").stdout)
    assert listed["total"] == 1 and listed["items"][0]["formats"] == ["csv"]
    orgs = json.loads(run("orgs", "list", "--json").stdout)
    assert orgs[0]["title"] == "인공지능정책과"


def test_errors_are_clear_and_exit_non_zero(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("migrate")
    dup = run("orgs", "create", "x", "--title", "X", "--kind", "planet")
    assert dup.exit_code == 2 and "kind" in dup.output
    missing = run("datasets", "create", "pop", "--title", "인구", "--org", "nowhere")
    assert missing.exit_code == 2 and "nowhere" in missing.output
    run("orgs", "create", "ai", "--title", "AI", "--kind", "department")
    run("datasets", "create", "pop", "--title", "인구", "--org", "ai")
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 100)
    failed = run("ingest", str(garbage), "--dataset", "pop")
    assert failed.exit_code == 6
    assert "failed" in failed.output
    no_dataset = run("ingest", str(garbage), "--dataset", "nope")
    assert no_dataset.exit_code == 3


def test_demo_loads_once(run) -> None:  # type: ignore[no-untyped-def]
    first = run("demo", "--if-empty")
    assert first.exit_code == 0, first.output
    assert f"datasets: {len(DATASETS)}" in first.output
    second = run("demo", "--if-empty")
    assert "already loaded" in second.output
    listed = json.loads(run("datasets", "list", "--json").stdout)
    assert listed["total"] == len(DATASETS)


def test_search_reindex(run) -> None:  # type: ignore[no-untyped-def]
    run("migrate")
    assert run("orgs", "create", "roads", "--title", "도로과", "--kind", "department").exit_code == 0
    assert run("datasets", "create", "parking", "--title", "공영주차장 현황", "--org", "roads").exit_code == 0
    first = run("search", "reindex", "--if-empty")
    assert first.exit_code == 0 and "already built" in first.stdout  # datasets are indexed as they change
    again = run("search", "reindex")
    assert again.exit_code == 0 and "indexed 1 datasets" in again.stdout
    found = json.loads(run("datasets", "list", "--json", "--q", "주차").stdout)
    assert [d["name"] for d in found["items"]] == ["parking"]


def test_query_from_the_terminal(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("migrate")
    run("orgs", "create", "ai-policy", "--title", "인공지능정책과", "--kind", "department")
    run("orgs", "create", "transport", "--title", "대중교통과", "--kind", "department")
    run("users", "create", "kim", "--password", "long-enough-pw", "--org", "transport", "--role", "member")
    run(
        "datasets",
        "create",
        "population",
        "--title",
        "인구",
        "--org",
        "ai-policy",
        "--visibility",
        "restricted",
    )
    csv_path = tmp_path / "pop.csv"
    csv_path.write_text("행정동,인구수\n충장동,4210\n동명동,3875\n", encoding="utf-8")
    assert run("ingest", str(csv_path), "--dataset", "population", "--resource", "people").exit_code == 0
    sql = "SELECT 행정동, 인구수 FROM population.people ORDER BY 인구수 DESC"
    as_csv = run("query", sql, "--format", "csv")
    assert as_csv.exit_code == 0, as_csv.output
    assert as_csv.stdout.splitlines() == ["행정동,인구수", "충장동,4210", "동명동,3875"]
    as_json = json.loads(run("query", sql, "--format", "json", "--max-rows", "1").stdout)
    assert as_json["rows"] == [{"행정동": "충장동", "인구수": 4210}] and as_json["truncated"] is True
    # another department's user cannot see the restricted table; a clear error and exit code
    denied = run("query", sql, "--as", "kim")
    assert denied.exit_code == 1 and "does not exist" in denied.output
    assert run("query", "DROP TABLE x").exit_code == 1


def test_a_query_in_a_real_process_exits_cleanly(tmp_path: Path, db_url: str) -> None:
    """`hubcity query` as a user runs it: its own process, which must end with exit code 0 (a DuckDB
    connection still held by a background thread at exit used to abort the process)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "HUBCITY_DATA_DIR": str(tmp_path / "var"), "HUBCITY_DATABASE_URL": db_url}
    cli = [str(Path(sys.executable).with_name("hubcity"))]  # the installed command
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    done = subprocess.run(
        [*cli, "query", "SELECT 41 + 1 AS answer", "--format", "csv"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["answer", "42"]
