"""`hubcity personal rescan` from the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubcity.cli import app
from hubcity.settings import get_settings
from tests.services.test_personal import write_people


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


def test_rescan_from_the_terminal(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("migrate")
    assert run("orgs", "create", "welfare", "--title", "복지정책과", "--kind", "department").exit_code == 0
    created = run("datasets", "create", "aid", "--title", "지원 대상자", "--org", "welfare")
    assert created.exit_code == 0, created.output
    src = write_people(tmp_path / "people.csv", with_rrn=False)  # a public dataset: no RRNs
    assert run("ingest", str(src), "--dataset", "aid", "--resource", "people").exit_code == 0
    result = run("personal", "rescan", "aid", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["versions"] == 1 and report["findings"] == 2 and report["rules"].startswith("kr-pii")
    assert run("personal", "rescan", "--json").exit_code == 0  # every dataset
    missing = run("personal", "rescan", "nope")
    assert missing.exit_code == 3 and "nope" in missing.output
