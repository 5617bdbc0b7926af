"""The lake on S3 over real HTTP: a local moto server speaking the S3 protocol, reached as MinIO or AWS are.

hubcity has no S3 settings of its own: s3fs (through botocore) reads the standard
``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` and
``AWS_DEFAULT_REGION`` variables, so these tests set exactly those and nothing else.
The bucket is made and checked with a separate client given the endpoint
explicitly, so a lake that silently fell back to local disk (or to AWS) fails.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import s3fs
from moto.server import ThreadedMotoServer

from hubcity.adapters.lake import FsspecLake, make_lake
from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM
from hubcity.settings import Settings
from tests.factories import make_dataset, upload

KEY_ID = "hubcity-test-key"
SECRET = "hubcity-test-secret"
BUCKET = "hubcity-lake"


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str

    def client(self) -> s3fs.S3FileSystem:
        """A client of its own, pointed at the server explicitly (not through the environment)."""
        return s3fs.S3FileSystem(
            endpoint_url=self.endpoint, key=KEY_ID, secret=SECRET, skip_instance_cache=True
        )

    def new_prefix(self) -> str:
        return f"{self.bucket}/{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    nowhere = tmp_path_factory.mktemp("aws") / "absent"
    try:
        with pytest.MonkeyPatch.context() as mp:
            for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL_S3"):
                mp.delenv(name, raising=False)
            mp.setenv("AWS_CONFIG_FILE", str(nowhere))
            mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere))
            mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
            mp.setenv("AWS_ENDPOINT_URL", endpoint)
            mp.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
            mp.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
            mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
            srv = S3Server(endpoint=endpoint, bucket=BUCKET)
            srv.client().mkdir(BUCKET)
            yield srv
    finally:
        # fsspec keeps one S3FileSystem per set of arguments; those hold this server's endpoint
        s3fs.S3FileSystem.clear_instance_cache()
        server.stop()


def test_s3_lake_round_trip(s3: S3Server, tmp_path: Path) -> None:
    prefix = s3.new_prefix()
    lake = make_lake(f"s3://{prefix}", tmp_path / "cache")
    assert isinstance(lake, FsspecLake)
    assert isinstance(lake.fs, s3fs.S3FileSystem)

    payload = "행정동,인구수\n충장동,1234\n".encode("cp949") + bytes(range(256)) * 64
    local = tmp_path / "source.csv"
    local.write_bytes(payload)
    key = "datasets/1/people/source-abc.csv"

    assert not lake.exists(key)
    lake.put(local, key)
    assert lake.exists(key)
    assert lake.size(key) == len(payload)
    assert s3.client().cat_file(f"{prefix}/{key}") == payload

    with lake.open(key) as fh:
        assert fh.read() == payload

    cached = lake.local_path(key)
    assert cached.is_relative_to(tmp_path / "cache")
    assert cached.read_bytes() == payload
    assert lake.local_path(key) == cached

    lake.delete(key)
    assert not lake.exists(key)
    assert not s3.client().exists(f"{prefix}/{key}")
    lake.delete(key)  # deleting what is gone is not an error


def test_s3_lake_threads_missing_the_cache_together_all_get_the_file(s3: S3Server, tmp_path: Path) -> None:
    lake = make_lake(f"s3://{s3.new_prefix()}", tmp_path / "cache")
    payload = bytes(range(256)) * 8192  # 2 MiB: downloads overlap
    local = tmp_path / "data.parquet"
    local.write_bytes(payload)
    lake.put(local, "v/data.parquet")

    start = threading.Barrier(8)

    def read() -> bytes:
        start.wait()
        return lake.local_path("v/data.parquet").read_bytes()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: read(), range(8)))
    assert all(r == payload for r in results)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [lake.local_path("v/data.parquet").name]


@pytest.fixture
def settings(s3: S3Server, tmp_path: Path, db_url: str) -> Settings:
    """The shared ``settings`` fixture, with the lake in the S3 bucket."""
    return Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=db_url,
        lake_url=f"s3://{s3.new_prefix()}",
        secret_key="test-secret-key-0123456789",  # type: ignore[arg-type]
    )


def test_upload_read_and_export_through_an_s3_lake(
    s3: S3Server, settings: Settings, services: Services, city: dict[str, object], tmp_path: Path
) -> None:
    make_dataset(services)
    src = tmp_path / "people.csv"
    src.write_bytes('행정동,인구수\n충장동,"1,234"\n동명동,567\n'.encode("cp949"))

    job = upload(
        services, SYSTEM, "population", src, copy_to=tmp_path / "up" / "people.csv", resource="people"
    )
    assert job.version_number == 1, job.error

    assert settings.lake_url is not None
    prefix = settings.lake_url.removeprefix("s3://")
    keys = s3.client().find(prefix)
    assert any(k.endswith(".parquet") for k in keys), keys
    assert any(k.endswith(".csv") for k in keys), keys
    assert not (settings.data_dir / "lake").exists()

    page = services.resources.read_rows(SYSTEM, "population", "people")
    assert page.rows == [{"행정동": "충장동", "인구수": 1234}, {"행정동": "동명동", "인구수": 567}]

    csv = services.resources.export(SYSTEM, "population", "people", "csv")
    text = csv.path.read_text(encoding="utf-8-sig")
    assert text.splitlines() == ["행정동,인구수", "충장동,1234", "동명동,567"]

    cp949 = services.resources.export(SYSTEM, "population", "people", "csv-cp949")
    assert cp949.path.read_bytes().decode("cp949").splitlines()[1] == "충장동,1234"

    source = services.resources.export(SYSTEM, "population", "people", "source")
    assert source.path.read_bytes() == src.read_bytes()
