"""hubcity's settings, read from the environment with the prefix ``HUBCITY_``.

Nested groups use ``__`` (``HUBCITY_QUERY__ROW_LIMIT=5000``). The four settings a
first-time operator needs have short names: ``HUBCITY_DATA_DIR``,
``HUBCITY_DATABASE_URL``, ``HUBCITY_LAKE_URL`` and ``HUBCITY_SECRET_KEY``.
Nothing is built at import time; ``get_settings()`` is cached and tests build
``Settings(...)`` directly.
"""

from __future__ import annotations

import ipaddress
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = [
    "AuditSettings",
    "HarvestSettings",
    "IngestSettings",
    "JobSettings",
    "QuerySettings",
    "RequestSettings",
    "Settings",
    "WebSettings",
    "get_settings",
]

_PLACEHOLDER_SECRETS = {"", "changethis", "change-me", "secret", "dev-secret-key-not-for-production"}
DEV_SECRET = "dev-secret-key-not-for-production"


class AuditSettings(BaseModel):
    key: SecretStr | None = Field(
        None,
        description="Key of the audit log's hash chain (HMAC-SHA256). Unset: derived from the secret key. "
        "Set it in production and keep it apart from the database; changing it makes the existing "
        "chain fail `hubcity audit verify`.",
    )


class AccessSettings(BaseModel):
    due_days: int = Field(
        20, ge=1, le=365, description="Days an owner has to decide an access request (데이터기반행정법: 20)."
    )
    remind_days: int = Field(
        3, ge=0, le=60, description="Remind the owner this many days before the due date."
    )
    max_grant_days: int = Field(
        366 * 3, ge=1, description="Longest period a grant may run, in days (its end date is required)."
    )
    pseudonym_key: SecretStr | None = Field(
        None,
        description="Key from which each grant's pseudonymisation key (HMAC-SHA256) is derived. Unset "
        "(the default): pseudonym.key in the key store (keys_dir). Set, it wins over the file. Keep it "
        "apart from the database: with the database alone nobody can recompute a pseudonym.",
    )


class IngestSettings(BaseModel):
    max_upload_mb: int = Field(4096, description="Largest upload accepted, in MiB.")
    max_columns: int = Field(2000, description="Most columns a table may have.")
    max_field_mb: int = Field(10, description="Largest single field (cell) in MiB.")
    personal_sample: int = Field(
        1000, ge=10, description="Distinct values per column the personal-data scan reads at ingest."
    )
    preview_rows: int = Field(100, description="Rows shown in a dataset page's preview.")


class JobSettings(BaseModel):
    workers: int = Field(
        2, description="Worker threads for ingest and other long jobs in the server process."
    )
    immediate: bool = Field(
        False, description="Run jobs inline in the caller instead of in workers (for scripts and the CLI)."
    )


class QuerySettings(BaseModel):
    row_limit: int = Field(10_000, description="Most rows one API page or query returns.")
    timeout_seconds: float = Field(30.0, description="Time limit for one query.")
    memory_limit: str = Field("1GB", description="DuckDB memory limit for one query or ingest step.")
    threads: int = Field(2, description="DuckDB threads.")
    engine: Literal["duckdb", "spark"] = Field(
        "duckdb",
        description="Engine of the SQL sandbox: duckdb (in-process) or spark "
        "(PySpark over the same Parquet lake; install the spark extra and Java 17+).",
    )
    spark_master: str = Field(
        "local[2]",
        description="Spark master URL for the spark engine: local[N] runs Spark in this process' JVM "
        "with N cores; spark://host:7077 (or any master URL) uses a cluster, whose workers must "
        "see the lake's files at the same paths.",
    )
    rate_per_minute: dict[str, int] = Field(
        default_factory=lambda: {"anonymous": 60, "member": 300, "editor": 600, "admin": 600, "sysadmin": 0},
        description="Queries (SQL, filtered rows, aggregates, CKAN datastore actions) per minute by role; "
        "0 = no limit. A call with an API token counts against that token, a browser session against "
        "its user, an anonymous caller against its client address.",
    )
    quota_per_day: dict[str, int] = Field(
        default_factory=lambda: {
            "anonymous": 10_000,
            "member": 100_000,
            "editor": 200_000,
            "admin": 200_000,
            "sysadmin": 0,
        },
        description="Queries per Korean day by role, counted like rate_per_minute (per token, user or "
        "address) and renewed at midnight KST; 0 = no quota. GET /api/v1/quota shows a caller's use.",
    )
    tokens_per_user: int = Field(
        20,
        ge=1,
        description="Most active API tokens one user may hold (quotas count per token, so this bounds "
        "what one user can ask for in a day).",
    )
    rate_redis_url: str = Field(
        "",
        description="Redis URL (redis://host:6379/0) where every process of the installation counts "
        "the query rate limits and daily quotas together; empty = each process counts in its own memory.",
    )


class RequestSettings(BaseModel):
    due_days: int = Field(
        10,
        ge=1,
        description="Days a department has to answer a citizen's data request "
        "(the Public Data Act asks for a decision within 10 days).",
    )
    rate_limit: int = Field(
        5, ge=1, description="Most data requests one client address may file per window (kept in memory)."
    )
    rate_window_minutes: int = Field(10, ge=1, description="The window of the data-request rate limit.")


class HarvestSettings(BaseModel):
    max_file_mb: int = Field(
        512,
        ge=1,
        description="Largest file a harvest downloads (with fetch_files on), in MiB; bigger ones fail.",
    )
    timeout_seconds: float = Field(
        30.0, gt=0, description="Time limit for one request to a harvested portal."
    )
    page_size: int = Field(
        100, ge=1, le=1000, description="Datasets asked for per page of a remote catalogue."
    )
    max_datasets: int = Field(100_000, ge=1, description="Most datasets one run takes from a source.")
    check_minutes: int = Field(
        5, ge=1, le=59, description="How often the job workers look for sources whose scheduled run is due."
    )
    allow_private_addresses: bool = Field(
        False,
        description="Let harvests connect to internal addresses: loopback, private (RFC 1918, unique-local "
        "IPv6), link-local (169.254.0.0/16 with cloud metadata, fe80::/10), multicast, reserved and "
        "unspecified. Off (the default), only public internet addresses are fetched from, checked on the "
        "address each host name resolves to when connecting, on every redirect and every file URL; "
        "a source whose URL is such an address written out is refused when it is saved.",
    )
    allowed_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Internal networks harvests may connect to although allow_private_addresses is off, "
        "as CIDR: an intranet portal such as 10.20.0.0/16 or 192.168.5.10/32. Comma-separated or a "
        "JSON list.",
    )

    @field_validator("allowed_networks", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else [n for n in text.split(",") if n.strip()]
        if isinstance(value, list | tuple):
            out = []
            for item in value:
                try:
                    out.append(str(ipaddress.ip_network(str(item).strip(), strict=False)))
                except ValueError:
                    raise ValueError(f"not a network in CIDR form (10.20.0.0/16): {item!r}") from None
            return out
        return value


class MailSettings(BaseModel):
    host: str = Field(
        "", description="SMTP relay that carries notices by e-mail (unset: notices stay in the inbox only)."
    )
    port: int = Field(25, ge=1, le=65535, description="Port of the SMTP relay.")
    security: Literal["none", "starttls", "ssl"] = Field(
        "none", description="none, starttls (usually port 587) or ssl (usually port 465)."
    )
    username: str = Field("", description="SMTP login, when the relay asks for one.")
    password: SecretStr | None = Field(None, description="SMTP password.")
    sender: str = Field("hubcity@localhost", description="From address of notices.")
    sender_name: str = Field("광주 데이터허브", description="Name shown beside the From address.")
    every_minutes: int = Field(1, ge=1, le=59, description="How often the outbox is sent.")
    max_tries: int = Field(5, ge=1, le=100, description="Attempts per notice before giving up on mailing it.")


class WebSettings(BaseModel):
    session_max_age_days: int = Field(14, description="How long a login session lasts, in days.")
    secure_cookies: bool = Field(False, description="Send the session cookie only over HTTPS.")
    default_language: Literal["ko", "en"] = Field("ko", description="Language of the UI for new visitors.")
    public_url: str = Field("http://127.0.0.1:8000", description="Where users reach this server.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HUBCITY_", env_nested_delimiter="__", extra="ignore", validate_default=True
    )

    environment: Literal["development", "test", "production"] = Field(
        "development", description="development, test or production; production refuses placeholder secrets."
    )
    data_dir: Path = Field(
        Path("var"), description="Where the SQLite file, the lake and the job queue live (default ./var)."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the metadata database; default SQLite in the data dir. "
        "PostgreSQL: postgresql+psycopg://user@host/db.",
    )
    lake_url: str | None = Field(
        None,
        description="Where Parquet files go: a local folder (default <data_dir>/lake) or an fsspec URL "
        "such as s3://bucket/prefix. S3 credentials and endpoint come from the standard AWS variables "
        "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION; AWS_ENDPOINT_URL for MinIO "
        "and other S3-compatible stores).",
    )
    lake_key: SecretStr | None = Field(
        None,
        description="Key from which the AES-256 key is derived that keeps unique-identifier columns "
        "(주민등록번호, 외국인등록번호, 여권번호, 운전면허번호) and their original files encrypted in the "
        "lake. Unset (the default): the keyring in the key store (keys_dir), which `hubcity keys rotate` "
        "renews. Set, it wins over the keyring; changing it makes the sealed columns of existing "
        "versions unreadable.",
    )
    keys_dir: Path | None = Field(
        None,
        description="The key store (default <data_dir>/keys): lake.keys (the lake's encryption keyring) "
        "and pseudonym.key (the pseudonymisation key), folder 0700 and files 0600, made at start. Put "
        "it on another volume than the lake and the database in production, readable by the server's "
        "user only; the server refuses to start when a key file is readable by others.",
    )
    secret_key: SecretStr = Field(
        SecretStr(DEV_SECRET), description="Signs sessions and CSRF tokens. Must be set in production."
    )
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="Upload and ingest limits.")
    jobs: JobSettings = Field(default_factory=JobSettings, description="Background jobs.")
    query: QuerySettings = Field(default_factory=QuerySettings, description="Query engine limits.")
    web: WebSettings = Field(default_factory=WebSettings, description="Web server and UI.")
    requests: RequestSettings = Field(
        default_factory=RequestSettings, description="Citizens' data requests (공공데이터 제공신청)."
    )
    audit: AuditSettings = Field(
        default_factory=AuditSettings, description="The tamper-evident audit log (감사 로그)."
    )
    access: AccessSettings = Field(
        default_factory=AccessSettings,
        description="Access requests, grants and pseudonymisation (데이터 제공 요청과 권한).",
    )
    harvest: HarvestSettings = Field(
        default_factory=HarvestSettings, description="Harvesting from other CKAN portals and DCAT catalogues."
    )
    mail: MailSettings = Field(
        default_factory=MailSettings, description="E-mail of notices (reminders, decisions) through SMTP."
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key.get_secret_value() in _PLACEHOLDER_SECRETS:
            raise ValueError("HUBCITY_SECRET_KEY must be set to a real secret in production.")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hubcity.sqlite3').resolve()}"

    @property
    def resolved_lake_url(self) -> str:
        return self.lake_url or str((self.data_dir / "lake").resolve())

    @property
    def resolved_keys_dir(self) -> Path:
        return self.keys_dir or self.data_dir / "keys"

    @property
    def jobs_path(self) -> Path:
        return self.data_dir / "jobs.sqlite3"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def work_dir(self) -> Path:
        return self.data_dir / "work"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
