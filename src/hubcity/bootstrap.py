"""The composition root: builds hubcity's services from Settings.

The web app, the CLI, job workers and tests all start here, so every surface
runs the same services over the same adapters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from hubcity.adapters.db.agreements_store import SqlAgreementStore
from hubcity.adapters.db.audit import SqlAuditLog
from hubcity.adapters.db.engine import create_db_engine, current_revision, make_sessionmaker, migrate
from hubcity.adapters.db.grants_store import SqlGrantStore
from hubcity.adapters.db.harvest_store import SqlHarvestStore
from hubcity.adapters.db.notices_store import SqlNoticeStore
from hubcity.adapters.db.store import SqlStore
from hubcity.adapters.engines.duckdb import EXPORT_FORMATS, DuckTableReader
from hubcity.adapters.engines.pinning import DuckSqlRewriter
from hubcity.adapters.engines.sample import DuckColumnSampler
from hubcity.adapters.engines.sandbox import DuckSqlEngine
from hubcity.adapters.engines.sealing import ColumnSealer, lake_key
from hubcity.adapters.engines.spark import SparkSqlEngine
from hubcity.adapters.engines.views import DuckViewMaker
from hubcity.adapters.harvest import HttpHarvestTransport
from hubcity.adapters.keys import KeyStore, lake_is_empty
from hubcity.adapters.lake import LocalLake, make_lake
from hubcity.adapters.mail import SmtpMailer
from hubcity.adapters.queue import HueyQueue
from hubcity.adapters.rates import RedisRates
from hubcity.adapters.readers import ingest_file
from hubcity.adapters.render.charts import VlChartRenderer
from hubcity.adapters.render.pdf import PdfEvidenceWriter
from hubcity.adapters.search.analyzer import KoreanAnalyzer
from hubcity.domain.harvest import AddressPolicy
from hubcity.domain.ingest import IngestLimits
from hubcity.domain.places import place_names
from hubcity.ports import TextAnalyzer
from hubcity.services.access import AccessService, pseudonym_master_key
from hubcity.services.accounts import AccountService
from hubcity.services.agreements import AgreementService
from hubcity.services.audit import AuditService, audit_key
from hubcity.services.catalog import CatalogService
from hubcity.services.charts import ChartService
from hubcity.services.evidence import EvidenceService
from hubcity.services.harvest import HarvestService
from hubcity.services.notices import NoticeService
from hubcity.services.personal import PersonalDataService
from hubcity.services.query import QueryService
from hubcity.services.quota import QueryQuota
from hubcity.services.requests import RequestService
from hubcity.services.resources import ResourceService
from hubcity.services.search import SearchIndexer
from hubcity.services.usage import UsageCounter
from hubcity.settings import Settings

__all__ = ["Services", "bootstrap", "open_keys", "views_dir"]


@dataclass
class Services:
    settings: Settings
    engine: Engine
    accounts: AccountService
    catalog: CatalogService
    resources: ResourceService
    queue: HueyQueue
    query: QueryService
    charts: ChartService
    evidence: EvidenceService
    requests: RequestService
    harvest: HarvestService
    audit: AuditService
    personal: PersonalDataService
    access: AccessService
    agreements: AgreementService
    notices: NoticeService
    _started: bool = field(default=False, repr=False)
    closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def start_workers(self) -> None:
        """Start in-process job workers (the embedded default); fail jobs a dead worker left behind."""
        if self._started:
            return
        self.resources.recover_stale_jobs()
        self.queue.start()
        self._started = True

    def close(self) -> None:
        self.queue.stop()
        self._started = False
        for close in self.closers:
            close()
        self.engine.dispose()

    def migrate(self) -> str | None:
        migrate(self.engine)
        return current_revision(self.engine)

    def schema_ready(self) -> bool:
        return current_revision(self.engine) is not None


@functools.cache
def shared_analyzer() -> TextAnalyzer:
    """One Korean analyzer per process: its model loads once and is shared by every thread."""
    return KoreanAnalyzer(place_names())


def _mailer(settings: Settings) -> SmtpMailer | None:
    mail = settings.mail
    if not mail.host:
        return None
    return SmtpMailer(
        mail.host,
        mail.port,
        mail.sender,
        sender_name=mail.sender_name,
        username=mail.username,
        password=mail.password.get_secret_value() if mail.password else "",
        security=mail.security,
    )


def _shared_rates(settings: Settings) -> RedisRates | None:
    url = settings.query.rate_redis_url
    return RedisRates(url, settings.secret_key.get_secret_value()) if url else None


def views_dir(settings: Settings) -> Path:
    """Where the view files of grants are written (derived files, made again when missing)."""
    return settings.data_dir / "views"


def open_keys(settings: Settings, *, lake_root: Path | None, check: bool = True) -> KeyStore:
    """The key store, its folder and files made when missing — with the keys the installation
    derived until now, or random ones when its local lake (``lake_root``) holds nothing yet.
    Unsafe permissions raise ``KeyStoreError`` (the server does not start) unless ``check`` is off."""
    secret = settings.secret_key.get_secret_value()
    lake_setting = settings.lake_key.get_secret_value() if settings.lake_key else None
    pseudonym = settings.access.pseudonym_key
    pseudonym_setting = pseudonym.get_secret_value() if pseudonym else None
    store = KeyStore(
        settings.resolved_keys_dir,
        lake_override=lake_key(secret, lake_setting) if lake_setting else None,
        pseudonym_override=pseudonym_master_key(secret, pseudonym_setting) if pseudonym_setting else None,
    )
    store.ensure(
        legacy_lake=lake_key(secret, lake_setting),
        legacy_pseudonym=pseudonym_master_key(secret, pseudonym_setting),
        fresh=lambda: lake_root is not None and lake_is_empty(lake_root),
    )
    if check:
        store.check()
    return store


def bootstrap(settings: Settings, *, immediate: bool | None = None) -> Services:
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.resolved_database_url)
    store = SqlStore(make_sessionmaker(engine))
    lake = make_lake(settings.resolved_lake_url, data_dir / "cache")
    keys = open_keys(settings, lake_root=lake.root if isinstance(lake, LocalLake) else None)
    sealer = ColumnSealer(keys.keyring)  # the keyring as it is now: a rotation elsewhere is picked up
    reader = DuckTableReader(
        threads=settings.query.threads,
        memory_limit=settings.query.memory_limit,
        temp_dir=settings.work_dir / "duckdb",
        sealer=sealer,
    )
    explicit_key = settings.audit.key.get_secret_value() if settings.audit.key else None
    audit = AuditService(
        SqlAuditLog(engine), store, audit_key(settings.secret_key.get_secret_value(), explicit_key)
    )
    accounts = AccountService(store, audit=audit, tokens_per_user=settings.query.tokens_per_user)
    access = AccessService(
        store=SqlGrantStore(make_sessionmaker(engine)),
        meta=store,
        lake=lake,
        views=DuckViewMaker(
            views_dir(settings),
            threads=settings.query.threads,
            memory_limit=settings.query.memory_limit,
            sealer=sealer,
        ),
        master_key=keys.pseudonym_key(),
        due_days=settings.access.due_days,
        remind_days=settings.access.remind_days,
        max_grant_days=settings.access.max_grant_days,
        audit=audit,
    )
    accounts.grants = access.with_grants
    notices = NoticeService(
        SqlNoticeStore(make_sessionmaker(engine)),
        store,
        mailer=_mailer(settings),
        public_url=settings.web.public_url,
        max_tries=settings.mail.max_tries,
    )
    access.notices = notices
    audit.grant_of = access.grant_of
    catalog = CatalogService(
        store, SearchIndexer(store, shared_analyzer()), audit=audit, usage=UsageCounter(store)
    )
    limits = IngestLimits(
        max_columns=settings.ingest.max_columns, max_field_bytes=settings.ingest.max_field_mb * 1024 * 1024
    )
    quota = QueryQuota(
        settings.query.rate_per_minute, shared=_shared_rates(settings), per_day=settings.query.quota_per_day
    )
    resources = ResourceService(
        quota=quota,
        store=store,
        catalog=catalog,
        lake=lake,
        reader=reader,
        ingestor=ingest_file,
        work_dir=settings.work_dir,
        limits=limits,
        max_upload_bytes=settings.ingest.max_upload_mb * 1024 * 1024,
        export_formats=EXPORT_FORMATS,
        audit=audit,
        sealer=sealer,
    )
    run_immediately = settings.jobs.immediate if immediate is None else immediate
    queue = HueyQueue(
        settings.jobs_path, resources.run_job, workers=settings.jobs.workers, immediate=run_immediately
    )
    resources.attach_queue(queue)
    resources.attach_access(access)
    queue.add_periodic("hubcity.access_reminders", access.remind, every_minutes=60)
    queue.add_periodic("hubcity.access_destroy_ended", access.destroy_ended, every_minutes=15)
    if notices.mailer is not None:
        queue.add_periodic("hubcity.notices_mail", notices.deliver, every_minutes=settings.mail.every_minutes)
    personal = PersonalDataService(
        store=store,
        lake=lake,
        sampler=DuckColumnSampler(sealer=sealer),
        sample_size=settings.ingest.personal_sample,
    )
    resources.attach_personal(personal)
    personal.on_decision = catalog.reindex
    personal.on_findings = resources.protect_personal
    agreements = AgreementService(
        store=SqlAgreementStore(make_sessionmaker(engine)),
        meta=store,
        catalog=catalog,
        resources=resources,
        access=access,
        audit=audit,
    )
    resources.attach_landing(agreements.landing)
    queue.add_periodic("hubcity.agreements_check", agreements.check, every_minutes=15)
    addresses = AddressPolicy.of(
        allow_private=settings.harvest.allow_private_addresses,
        allowed_networks=settings.harvest.allowed_networks,
    )
    harvest = HarvestService(
        store=SqlHarvestStore(make_sessionmaker(engine)),
        meta=store,
        catalog=catalog,
        resources=resources,
        agreements=agreements,
        transport=HttpHarvestTransport(
            timeout_s=settings.harvest.timeout_seconds,
            page_size=settings.harvest.page_size,
            policy=addresses,
        ),
        addresses=addresses,
        work_dir=settings.work_dir,
        max_file_bytes=settings.harvest.max_file_mb * 1024 * 1024,
        max_datasets=settings.harvest.max_datasets,
        secret_key=settings.secret_key.get_secret_value(),
    )
    harvest.attach_queue(queue.add_task("hubcity.run_harvest", harvest.run_job))
    queue.add_periodic("hubcity.harvest_due", harvest.run_due, every_minutes=settings.harvest.check_minutes)
    sql_engine: DuckSqlEngine | SparkSqlEngine
    if settings.query.engine == "spark":
        sql_engine = SparkSqlEngine(
            master=settings.query.spark_master, temp_dir=settings.work_dir / "spark-sql"
        )
    else:
        sql_engine = DuckSqlEngine(
            threads=settings.query.threads,
            memory_limit=settings.query.memory_limit,
            temp_dir=settings.work_dir / "duckdb-sql",
            sealer=sealer,
        )
    query = QueryService(
        store=store,
        catalog=catalog,
        lake=lake,
        engine=sql_engine,
        row_limit=settings.query.row_limit,
        timeout_s=settings.query.timeout_seconds,
        quota=quota,
        audit=audit,
    )
    query.access = access
    charts = ChartService(store=store, query=query, renderer=VlChartRenderer())
    rewriter = DuckSqlRewriter()
    evidence = EvidenceService(
        store=store, query=query, charts=charts, rewriter=rewriter, writer=PdfEvidenceWriter()
    )
    return Services(
        closers=[catalog.usage.close, reader.close, sql_engine.close, rewriter.close],
        settings=settings,
        engine=engine,
        accounts=accounts,
        catalog=catalog,
        resources=resources,
        queue=queue,
        query=query,
        charts=charts,
        evidence=evidence,
        audit=audit,
        harvest=harvest,
        personal=personal,
        access=access,
        agreements=agreements,
        notices=notices,
        requests=RequestService(
            store,
            catalog,
            due_days=settings.requests.due_days,
            rate_limit=settings.requests.rate_limit,
            rate_window=timedelta(minutes=settings.requests.rate_window_minutes),
        ),
    )
