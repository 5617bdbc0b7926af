"""The lake on a local folder and through fsspec (a non-local URL), end to end through the services."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from hubcity.adapters.lake import FsspecLake, LocalLake, make_lake
from hubcity.bootstrap import bootstrap
from hubcity.domain.accounts import SYSTEM
from hubcity.settings import Settings
from tests.factories import make_city, make_dataset, upload


def test_local_lake_refuses_keys_outside_it(tmp_path: Path) -> None:
    lake = LocalLake(tmp_path / "lake")
    with pytest.raises(ValueError):
        lake.local_path("../../etc/passwd")


def test_make_lake_picks_the_adapter(tmp_path: Path) -> None:
    assert isinstance(make_lake(str(tmp_path / "l"), tmp_path / "c"), LocalLake)
    assert isinstance(make_lake("memory://hubcity-test", tmp_path / "c"), FsspecLake)


def test_ingest_and_download_with_an_fsspec_lake(tmp_path: Path) -> None:
    bucket = f"memory://bucket-{uuid.uuid4().hex}"
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=f"sqlite:///{tmp_path / 'm.sqlite3'}",
        lake_url=bucket,
        secret_key="test-secret-key-0123456789",  # type: ignore[arg-type]
    )
    services = bootstrap(settings, immediate=True)
    try:
        services.migrate()
        make_city(services)
        make_dataset(services)
        src = tmp_path / "p.csv"
        src.write_bytes('행정동,인구수\n충장동,"1,234"\n'.encode("cp949"))
        job = upload(
            services, SYSTEM, "population", src, copy_to=tmp_path / "up" / "p.csv", resource="people"
        )
        assert job.version_number == 1, job.error
        lake = services.resources.lake
        assert isinstance(lake, FsspecLake)
        keys = lake.fs.find(lake.root)
        assert any(k.endswith(".parquet") for k in keys) and any(k.endswith(".csv") for k in keys)
        assert not (tmp_path / "var" / "lake").exists()
        page = services.resources.read_rows(SYSTEM, "population", "people")
        assert page.rows == [{"행정동": "충장동", "인구수": 1234}]
    finally:
        services.close()
