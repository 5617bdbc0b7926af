"""Resources and their versions: uploads become ingest jobs, jobs publish versions.

Publishing is atomic: the new Parquet file and the original upload are put in
the lake under fresh keys, and only then does one database transaction add the
version and make it the default. A failed or killed job publishes nothing; the
previous version stays the default and intact.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
import shutil
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hubcity.domain.accounts import Actor
from hubcity.domain.datasets import Dataset, Resource, Version, can_edit, can_read
from hubcity.domain.ingest import ColumnType, IngestLimits, IngestOptions, detect_format
from hubcity.domain.jobs import Job, JobState
from hubcity.domain.personal import REDACTED_PROFILE, personal_shown, sealed_names
from hubcity.domain.query import AGGREGATES, Aggregate, RowFilter, RowQuery, most_groups
from hubcity.domain.textindex import TextIndexFiles, version_text_index
from hubcity.errors import FieldError, IngestError, InvalidInput, NotFound, PermissionDenied, PlatformError
from hubcity.ports import Ingestor, JobQueue, Lake, LakeSealer, MetadataStore, TableReader
from hubcity.services.access import AccessService
from hubcity.services.audit import AuditService
from hubcity.services.catalog import CatalogService, Channel
from hubcity.services.personal import PersonalDataService
from hubcity.services.quota import QueryQuota

__all__ = ["ExportFile", "ResourceService", "RowsPage", "UploadRequest", "resource_slug"]

log = logging.getLogger(__name__)

_SLUG_CLEAN = re.compile(r"[^a-z0-9]+")
_STALE_AFTER = timedelta(minutes=2)
_SEALED = ".sealed"  # the lake key's suffix of an original file kept encrypted


def resource_slug(filename: str) -> str:
    """A URL-safe resource name from a file name ('광주 인구_2024.csv' → 'data-2024')."""
    stem = Path(filename).stem
    ascii_part = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode().lower()
    slug = _SLUG_CLEAN.sub("-", ascii_part).strip("-")[:80]
    if not slug or not slug[0].isalnum():
        slug = f"data-{slug}".strip("-") if slug else "data"
    return slug


@dataclass(frozen=True)
class UploadRequest:
    dataset: str
    path: Path  # a local file the caller hands over (it is moved, not copied)
    filename: str
    resource: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    column_types: dict[str, str] | None = None


@dataclass(frozen=True)
class RowsPage:
    columns: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    version: int


@dataclass(frozen=True)
class ExportFile:
    path: Path
    filename: str
    media_type: str
    temporary: bool = True  # written for this download: delete it once sent (not so a lake file)


class ResourceService:
    def __init__(
        self,
        *,
        store: MetadataStore,
        catalog: CatalogService,
        lake: Lake,
        reader: TableReader,
        ingestor: Ingestor,
        work_dir: Path,
        limits: IngestLimits,
        max_upload_bytes: int,
        export_formats: dict[str, tuple[str, str]],
        quota: QueryQuota | None = None,
        audit: AuditService | None = None,
        sealer: LakeSealer | None = None,
    ) -> None:
        self.audit = audit
        self.sealer = sealer
        self.store = store
        self.catalog = catalog
        self.lake = lake
        self.reader = reader
        self.ingestor = ingestor
        self.work_dir = work_dir
        self.limits = limits
        self.max_upload_bytes = max_upload_bytes
        self.export_formats = export_formats
        self.quota = quota or QueryQuota({})
        self.queue: JobQueue | None = None
        self.personal: PersonalDataService | None = None
        self.access: AccessService | None = None
        self.landing: Callable[[Actor, Dataset], object] | None = None
        self._protecting = threading.Lock()  # one re-sealing at a time: a file is never sealed twice

    def _copy_source(self, ver: Version, dest: Path) -> None:
        """The version's original file as uploaded (decrypted when it was sealed), into ``dest``."""
        try:
            with self.lake.open(ver.source_key) as src, dest.open("wb") as dst:
                if ver.source_key.endswith(_SEALED):
                    self._sealer().unseal_stream(src, dst)
                else:
                    shutil.copyfileobj(src, dst, 1 << 20)
        except BaseException:
            dest.unlink(missing_ok=True)
            raise

    def _sealer(self) -> LakeSealer:
        if self.sealer is None:
            raise RuntimeError("unique identifiers found, but no sealer is configured")
        return self.sealer

    def attach_landing(self, landing: Callable[[Actor, Dataset], object]) -> None:
        """A partner's data lands only inside an agreement: ``landing`` raises PermissionDenied for an
        upload to a partner's dataset that no active agreement covers (it returns the agreement)."""
        self.landing = landing

    def attach_access(self, access: AccessService) -> None:
        """Column visibility and grants: what each reader sees of a version."""
        self.access = access

    def _shown_resources(self, actor: Actor, dataset: Dataset, resources: list[Resource]) -> list[Resource]:
        return self.access.shown_resources(actor, dataset, resources) if self.access else resources

    def _shown(self, actor: Actor, dataset: Dataset, version: Version) -> Version:
        if self.access is None:
            return version
        shown = self.access.shown(actor, dataset, version)
        assert shown is not None
        return shown

    def _data(self, actor: Actor, dataset: Dataset, version: Version) -> tuple[Version, Path, bool]:
        """The version as the actor sees it, the file to read for them, and whether that is a view."""
        if self.access is None:
            return version, self.lake.local_path(version.parquet_key or ""), False
        return self.access.data(actor, dataset, version)

    def attach_queue(self, queue: JobQueue) -> None:
        self.queue = queue

    def attach_personal(self, personal: PersonalDataService) -> None:
        """Scan every new version's columns for personal data before it is published."""
        self.personal = personal

    # -- uploads -------------------------------------------------------------------------
    def start_upload(self, actor: Actor, req: UploadRequest, *, enqueue: bool = True) -> Job:
        """Check the request, keep the file, queue the ingest; returns the queued job.

        With ``enqueue=False`` the caller runs the job itself (``run_job``), as the CLI does to show progress.
        """
        dataset = self.catalog.get_dataset(actor, req.dataset)
        if not can_edit(actor, dataset):
            req.path.unlink(missing_ok=True)
            raise PermissionDenied(
                "이 데이터셋에 파일을 올릴 권한이 없습니다.", "You may not upload files to this dataset."
            )
        try:
            if self.landing is not None:
                self.landing(actor, dataset)
            options = self._options(req)
            name = req.resource or resource_slug(req.filename)
            if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,99}", name):
                raise InvalidInput(
                    "리소스 이름은 영문 소문자, 숫자, '-', '_'만 쓸 수 있습니다.",
                    "A resource name uses lowercase letters, digits, '-' and '_'.",
                    [FieldError("resource", "올바르지 않은 이름", "invalid name")],
                )
            size = req.path.stat().st_size
            if size == 0:
                raise IngestError("빈 파일입니다.", "The file is empty.", file=req.filename)
            if size > self.max_upload_bytes:
                raise InvalidInput(
                    f"파일이 너무 큽니다({size:,} 바이트). 최대 {self.max_upload_bytes:,} 바이트입니다.",
                    f"The file is too large ({size:,} bytes); the limit is {self.max_upload_bytes:,} bytes.",
                )
        except PlatformError:
            req.path.unlink(missing_ok=True)
            raise
        job_id = str(uuid.uuid4())
        job_dir = self.work_dir / job_id
        job_dir.mkdir(parents=True, exist_ok=True)
        kept = job_dir / "source"
        shutil.move(str(req.path), kept)
        job = self.store.create_job(
            Job(
                id=job_id,
                kind="ingest",
                state=JobState.QUEUED,
                created_at=datetime.now(UTC),
                dataset_id=dataset.id,
                resource_name=name,
                created_by=actor.user_id,
                bytes_total=size,
                params={
                    "filename": Path(req.filename).name,
                    "source": str(kept),
                    "options": _options_dict(options),
                    "by": actor.username,
                },
            )
        )
        if enqueue:
            if self.queue is None:
                raise RuntimeError("no job queue attached")
            self.queue.enqueue(job.id)
        return self.store.find_job(job.id) or job

    def _options(self, req: UploadRequest) -> IngestOptions:
        encoding = (req.encoding or "").strip().lower() or None
        if encoding and not _codec_exists(encoding):
            raise InvalidInput(
                f"알 수 없는 인코딩입니다: {req.encoding}",
                f"Unknown encoding: {req.encoding}",
                [FieldError("encoding", "utf-8, utf-8-sig, cp949 중 하나", "one of utf-8, utf-8-sig, cp949")],
            )
        types: dict[str, ColumnType] = {}
        for column, type_name in (req.column_types or {}).items():
            try:
                types[column] = ColumnType(type_name)
            except ValueError:
                allowed = ", ".join(t.value for t in ColumnType)
                raise InvalidInput(
                    f"열 '{column}'의 형식 '{type_name}'을(를) 알 수 없습니다. ({allowed})",
                    f"Column '{column}': unknown type '{type_name}' (use {allowed}).",
                    [FieldError(f"column_types.{column}", "알 수 없는 형식", "unknown type")],
                ) from None
        return IngestOptions(encoding=encoding, sheet=req.sheet or None, column_types=types)

    def retype(
        self, actor: Actor, dataset_name: str, resource_name: str, column_types: dict[str, str]
    ) -> Job:
        """Re-run the newest version's source with some columns' types changed: a new version."""
        dataset, resource = self._resource(actor, dataset_name, resource_name)
        if not can_edit(actor, dataset):
            raise PermissionDenied("열 형식을 바꿀 권한이 없습니다.", "You may not change column types here.")
        current = resource.current
        if current is None or not current.is_table:
            raise InvalidInput("표 형식 버전이 없습니다.", "This resource has no table version to re-type.")
        known = {c["name"] for c in current.columns}
        unknown = sorted(set(column_types) - known)
        if unknown:
            raise InvalidInput(
                f"없는 열입니다: {', '.join(unknown)}",
                f"No such columns: {', '.join(unknown)}",
                [FieldError(f"column_types.{c}", "없는 열", "unknown column") for c in unknown],
            )
        merged = {**current.options.get("column_types", {}), **column_types}
        self.work_dir.mkdir(parents=True, exist_ok=True)
        copy = self.work_dir / f"retype-{uuid.uuid4()}"
        self._copy_source(current, copy)
        return self.start_upload(
            actor,
            UploadRequest(
                dataset=dataset.name,
                path=copy,
                filename=current.filename,
                resource=resource.name,
                encoding=current.options.get("encoding"),
                sheet=current.sheet,
                column_types=merged,
            ),
        )

    # -- the job itself ----------------------------------------------------------------------
    def run_job(self, job_id: str) -> None:
        """Run one ingest job to the end; every failure is recorded on the job, none escapes."""
        now = datetime.now(UTC)
        if not self.store.claim_job(job_id, now):
            return
        job = self.store.find_job(job_id)
        assert job is not None
        source = Path(job.params["source"])
        job_dir = source.parent
        put_keys: list[str] = []
        try:
            version = self._ingest(job, source, job_dir, put_keys)
            self.store.update_job(
                job_id,
                {
                    "state": str(JobState.SUCCEEDED),
                    "version_id": version.id if version else None,
                    "bytes_done": job.bytes_total,
                    "stage": "done",
                    "message": (
                        f"버전 {version.number} 게시됨 ({version.row_count:,}행)"
                        if version
                        else "이전 버전과 같은 파일이라 새 버전을 만들지 않았습니다."
                    ),
                    "finished_at": datetime.now(UTC),
                },
            )
        except Exception as exc:  # noqa: BLE001 - every failure must end on the job, not in the worker
            for key in put_keys:
                try:
                    self.lake.delete(key)
                except Exception:  # noqa: BLE001
                    log.warning("could not remove %s after a failed ingest", key)
            self.store.update_job(
                job_id,
                {
                    "state": str(JobState.FAILED),
                    "error": _error_dict(exc, job.params.get("filename")),
                    "message": str(exc) if isinstance(exc, PlatformError) else "내부 오류 (internal error)",
                    "finished_at": datetime.now(UTC),
                },
            )
            if not isinstance(exc, PlatformError):
                log.exception("ingest job %s failed", job_id)
        finally:
            shutil.rmtree(job_dir, ignore_errors=True)

    def _ingest(self, job: Job, source: Path, job_dir: Path, put_keys: list[str]) -> Version | None:
        assert job.dataset_id is not None and job.resource_name is not None
        dataset = self.store.find_dataset_by_id(job.dataset_id)
        if dataset is None:
            raise NotFound("데이터셋이 삭제되었습니다.", "The dataset was deleted.")
        filename: str = job.params["filename"]
        opts = job.params.get("options", {})
        options = IngestOptions(
            encoding=opts.get("encoding"),
            sheet=opts.get("sheet"),
            column_types={k: ColumnType(v) for k, v in opts.get("column_types", {}).items()},
        )
        checksum = _sha256(source)
        resource = self.store.find_resource(dataset.id, job.resource_name)
        if (
            resource is not None
            and resource.current is not None
            and resource.current.checksum == checksum
            and resource.current.options == _options_dict(options)
        ):
            return None  # the same file again: nothing new to publish

        progress = _ProgressWriter(self.store, job.id)
        fmt = detect_format(filename)
        parquet = job_dir / "data.parquet"
        outcome = None
        if fmt is not None:
            outcome = self.ingestor(
                source,
                parquet,
                filename=filename,
                options=options,
                limits=self.limits,
                progress=progress,
                work_dir=job_dir,
            )
        columns = [c.as_dict() for c in outcome.columns] if outcome is not None else []
        if outcome is not None and self.personal is not None:
            previous = resource.current if resource is not None else None
            columns = self.personal.scan_ingest(dataset, parquet, columns, previous, filename)
        sealed = sealed_names(columns)
        if sealed:  # unique identifiers are kept encrypted in the lake, and so is the file they came in
            progress.flush(stage="sealing")
            self._sealer().seal_columns(parquet, sealed)
            columns = [{**c, "sealed": True} if c["name"] in sealed else c for c in columns]
            stored = job_dir / "source.sealed"
            self._sealer().seal_file(source, stored)
        progress.flush(stage="publishing")
        token = uuid.uuid4().hex[:12]
        base = f"datasets/{dataset.id}/{job.resource_name}"
        suffix = Path(filename).suffix.lower() or ".bin"
        source_key = f"{base}/source-{token}{suffix}{_SEALED if sealed else ''}"
        self.lake.put(stored if sealed else source, source_key)
        put_keys.append(source_key)
        parquet_key = None
        if outcome is not None:
            parquet_key = f"{base}/data-{token}.parquet"
            self.lake.put(parquet, parquet_key)
            put_keys.append(parquet_key)
            columns = self._put_text_indexes(
                parquet, columns, outcome.row_count, progress, base, token, put_keys
            )
        resource = self.store.ensure_resource(dataset.id, job.resource_name, Path(filename).stem)
        fields: dict[str, Any] = {
            "created_by": job.created_by,
            "created_by_name": job.params.get("by"),
            "filename": filename,
            "format": str(outcome.format) if outcome else (suffix.lstrip(".") or "file"),
            "size_bytes": source.stat().st_size,
            "checksum": checksum,
            "parquet_key": parquet_key,
            "source_key": source_key,
            "options": _options_dict(options),
        }
        if outcome is not None:
            fields.update(
                source_encoding=outcome.source_encoding,
                delimiter=outcome.delimiter,
                header_row=outcome.header_row,
                sheet=outcome.sheet,
                sheets=outcome.sheets,
                row_count=outcome.row_count,
                column_count=len(outcome.columns),
                columns=columns,
                quality=outcome.quality.as_dict(),
                quality_score=outcome.quality.score,
                warnings=[w.as_dict() for w in outcome.warnings],
            )
        version = self.store.add_version(resource.id, fields)
        put_keys.clear()  # published: these files now belong to the version
        try:
            self.catalog.reindex(dataset.id)  # its column names are searchable
        except Exception:  # the version is published; `hubcity search reindex` catches the index up
            log.exception("search index not updated for dataset %s", dataset.id)
        return version

    def _put_text_indexes(
        self,
        parquet: Path,
        columns: list[dict[str, Any]],
        rows: int,
        progress: _ProgressWriter,
        base: str,
        token: str,
        put_keys: list[str],
    ) -> list[dict[str, Any]]:
        """Build the text indexes of the free-text columns and put them beside the data file; each
        indexed column records its index's file stem (``data-<token>.text.<n>``)."""
        built = self.reader.build_text_indexes(
            parquet, columns, rows=rows, dest=parquet.with_name(f"data-{token}.text")
        )
        progress.flush(stage="publishing")
        stems: dict[str, str] = {}
        for name, files in built.items():
            for local in (files.values, files.grams, files.rows):
                key = f"{base}/{local.name}"
                self.lake.put(local, key)
                put_keys.append(key)
            stems[name] = files.values.name.removesuffix(".values.parquet")
        return [{**c, "text_index": stems[c["name"]]} if c["name"] in stems else c for c in columns]

    # -- personal data found after publication ------------------------------------------------
    def protect_personal(self, dataset_id: int) -> int:
        """Apply to published versions what ingest applies to new ones, once a finding arrives later
        (an owner confirms a column, a re-run of the rules finds one): the profile of a personal
        column shows no values, and a unique identifier is encrypted in the lake — in the data file
        (its text index dropped) and in the original file — in every version of the resource that
        has the column. The clear files are deleted once the version points at the sealed ones, and
        grantees' view files of the dataset are made again from those. Returns the versions changed."""
        changed: list[int] = []
        with self._protecting:
            for resource in self.store.list_resources(dataset_id):
                current = resource.current
                confirmed = {
                    str(c["name"]): c["personal"]
                    for c in (current.columns if current else [])
                    if str(c.get("name")) in sealed_names([c])
                }
                for ver in self.store.list_versions(resource.id):
                    if ver.parquet_key is not None and self._protect_version(ver, confirmed):
                        changed.append(ver.id)
        if changed and self.access is not None:
            self.access.views.forget_versions(changed)
        return len(changed)

    def _protect_version(self, ver: Version, current: dict[str, dict[str, Any]]) -> bool:
        """One version: ``current`` are the identifiers of the resource's current version by name,
        which older versions' columns of the same name take on."""
        assert ver.parquet_key is not None
        changes: dict[str, dict[str, Any]] = {}
        for col in ver.columns:
            name = str(col["name"])
            if name in current and not personal_shown(col):
                col = {**col, "personal": current[name]}
                changes[name] = {"personal": current[name]}
            if personal_shown(col) and not col.get("profile_redacted"):
                changes.setdefault(name, {}).update(REDACTED_PROFILE)
        columns = {str(c["name"]): {**c, **changes.get(str(c["name"]), {})} for c in ver.columns}
        seal = [n for n in sealed_names(columns.values()) if not columns[n].get("sealed")]
        if not changes and not seal:
            return False
        fields: dict[str, Any] = {}
        old_keys: list[str] = []
        put_keys: list[str] = []
        work = self.work_dir / f"seal-{uuid.uuid4().hex}"
        work.mkdir(parents=True, exist_ok=True)
        try:
            if seal:
                base, token = ver.parquet_key.rpartition("/")[0], uuid.uuid4().hex[:12]
                data = work / "data.parquet"
                shutil.copyfile(self.lake.local_path(ver.parquet_key), data)
                self._sealer().seal_columns(data, seal)
                fields["parquet_key"] = f"{base}/data-{token}.parquet"
                self.lake.put(data, fields["parquet_key"])
                put_keys.append(fields["parquet_key"])
                old_keys.append(ver.parquet_key)
                if not ver.source_key.endswith(_SEALED):
                    clear, sealed = work / "source", work / "source.sealed"
                    self._copy_source(ver, clear)
                    self._sealer().seal_file(clear, sealed)
                    suffix = Path(ver.source_key).suffix.lower() or ".bin"
                    fields["source_key"] = f"{base}/source-{token}{suffix}{_SEALED}"
                    self.lake.put(sealed, fields["source_key"])
                    put_keys.append(fields["source_key"])
                    old_keys.append(ver.source_key)
                for name in seal:
                    stem = columns[name].get("text_index")
                    if isinstance(stem, str) and stem:  # an index of identifiers in clear
                        old_keys += [f"{base}/{stem}.{part}.parquet" for part in ("values", "grams", "rows")]
                    changes.setdefault(name, {}).update(sealed=True, text_index=None)
            self.store.update_version_files(ver.id, fields, changes)
            put_keys.clear()
        finally:
            for key in put_keys:  # not published: the version still points at its old files
                self.lake.delete(key)
            shutil.rmtree(work, ignore_errors=True)
        for key in old_keys:
            try:
                self.lake.delete(key)
            except OSError:
                log.exception("could not delete %s after sealing version %s", key, ver.id)
        log.info("version %s: sealed %s, profile redacted for %s", ver.id, seal, sorted(changes))
        return True

    def _text_index(
        self, ver: Version, filters: tuple[RowFilter, ...], q: str | None = None
    ) -> dict[str, TextIndexFiles]:
        """The text indexes of a version's columns (none for versions published before them), looked
        up only for a question that can use one: a like filter or ``q``."""
        if not q and not any(f.op == "like" for f in filters):
            return {}
        try:
            return version_text_index(ver.columns, ver.parquet_key, self.lake.local_path)
        except Exception:  # noqa: BLE001 - an unreadable index means a plain scan, never a failed query
            log.warning("text indexes of version %s unavailable", ver.id)
            return {}

    def recover_stale_jobs(self) -> int:
        """Mark jobs whose worker died (no heartbeat for two minutes) as failed; nothing was published."""
        now = datetime.now(UTC)
        return self.store.fail_stale_jobs(
            now - _STALE_AFTER,
            {
                "code": "interrupted",
                "message": "작업이 중단되었습니다. 파일을 다시 올려 주세요.",
                "message_en": "The job was interrupted; upload the file again.",
            },
            now,
        )

    def get_job(self, actor: Actor, job_id: str) -> Job:
        job = self.store.find_job(job_id)
        if job is None:
            raise NotFound.of("작업", "Job", job_id)
        if actor.sysadmin or (actor.user_id is not None and job.created_by == actor.user_id):
            return job
        if job.dataset_id is not None:
            dataset = self.store.find_dataset_by_id(job.dataset_id)
            if dataset is not None and can_edit(actor, dataset):
                return job
        raise NotFound.of("작업", "Job", job_id)

    def list_jobs(self, actor: Actor, dataset_name: str) -> list[Job]:
        dataset = self.catalog.get_editable(actor, dataset_name)
        return self.store.list_jobs(dataset.id)

    # -- reading ------------------------------------------------------------------------------
    def list_resources(
        self, actor: Actor, dataset_name: str, *, channel: Channel | None = None
    ) -> tuple[Dataset, list[Resource]]:
        dataset = self.catalog.get_dataset(actor, dataset_name)
        resources = self._shown_resources(actor, dataset, self.store.list_resources(dataset.id))
        self.catalog.record_use(dataset, channel)
        return dataset, resources

    def resources_of(self, actor: Actor, datasets: list[Dataset]) -> dict[int, list[Resource]]:
        """The resources of several datasets in one query (a dataset the actor may not read gets none)."""
        readable = [d for d in datasets if can_read(actor, d)]
        found = self.store.resources_by_dataset([d.id for d in readable])
        return {d.id: self._shown_resources(actor, d, found[d.id]) for d in readable if d.id in found}

    def _resource(self, actor: Actor, dataset_name: str, resource_name: str) -> tuple[Dataset, Resource]:
        dataset = self.catalog.get_dataset(actor, dataset_name)
        resource = self.store.find_resource(dataset.id, resource_name)
        if resource is None:
            raise NotFound.of("리소스", "Resource", resource_name)
        return dataset, resource

    def get_resource_by_id(self, actor: Actor, resource_id: int) -> tuple[Dataset, Resource]:
        """A resource by its numeric id (the id CKAN clients and SQL use); NotFound when unreadable."""
        resource = self.store.find_resource_by_id(resource_id)
        dataset = self.store.find_dataset_by_id(resource.dataset_id) if resource is not None else None
        if resource is None or dataset is None or not can_read(actor, dataset):
            raise NotFound.of("리소스", "Resource", str(resource_id))
        return dataset, self._shown_resources(actor, dataset, [resource])[0]

    def get_resource(
        self, actor: Actor, dataset_name: str, resource_name: str, *, channel: Channel | None = None
    ) -> tuple[Dataset, Resource, list[Version]]:
        dataset, resource = self._resource(actor, dataset_name, resource_name)
        versions = [self._shown(actor, dataset, v) for v in self.store.list_versions(resource.id)]
        self.catalog.record_use(dataset, channel)
        return dataset, self._shown_resources(actor, dataset, [resource])[0], versions

    def get_version(
        self,
        actor: Actor,
        dataset_name: str,
        resource_name: str,
        number: int | None = None,
        as_of: datetime | None = None,
    ) -> tuple[Dataset, Resource, Version]:
        """A version's description as the actor may see it (columns they may not see are absent)."""
        dataset, resource, version = self._raw_version(actor, dataset_name, resource_name, number, as_of)
        return dataset, resource, self._shown(actor, dataset, version)

    def _raw_version(
        self,
        actor: Actor,
        dataset_name: str,
        resource_name: str,
        number: int | None = None,
        as_of: datetime | None = None,
    ) -> tuple[Dataset, Resource, Version]:
        """The version ``number``; else the one current at ``as_of``; else the current one."""
        dataset, resource = self._resource(actor, dataset_name, resource_name)
        if number is None and as_of is not None:
            when = as_of if as_of.tzinfo is not None else as_of.replace(tzinfo=UTC)
            earlier = [v for v in self.store.list_versions(resource.id) if v.created_at <= when]
            if not earlier:
                raise NotFound(
                    f"{when.isoformat()} 시점에는 이 리소스의 버전이 없었습니다.",
                    f"This resource had no version as of {when.isoformat()}.",
                )
            return dataset, resource, max(earlier, key=lambda v: v.number)
        if number is None:
            if resource.current is None:
                raise NotFound("아직 게시된 버전이 없습니다.", "No version has been published yet.")
            return dataset, resource, resource.current
        version = self.store.find_version(resource.id, number)
        if version is None:
            raise NotFound.of("버전", "Version", str(number))
        return dataset, resource, version

    def read_rows(
        self,
        actor: Actor,
        dataset_name: str,
        resource_name: str,
        *,
        limit: int = 100,
        offset: int = 0,
        version: int | None = None,
        as_of: datetime | None = None,
        row_cap: int = 10_000,
        channel: Channel | None = None,
    ) -> RowsPage:
        if limit < 0 or offset < 0:
            raise InvalidInput(
                "limit과 offset은 0 이상이어야 합니다.", "limit and offset must not be negative."
            )
        dataset, _, raw = self._raw_version(actor, dataset_name, resource_name, version, as_of)
        if not raw.is_table or raw.parquet_key is None:
            raise InvalidInput("표 형식이 아닌 파일입니다.", "This resource is a plain file, not a table.")
        ver, path, _ = self._data(actor, dataset, raw)
        limit = min(limit, row_cap)
        names = [c["name"] for c in ver.columns]
        rows = self.reader.read_rows(path, columns=names, limit=limit, offset=offset) if names else []
        if self.audit:
            self.audit.rows_read(actor, dataset, resource_name, ver, names, rows=len(rows), channel=channel)
        self.catalog.record_use(dataset, channel)
        return RowsPage(
            columns=ver.columns,
            rows=rows,
            total=ver.row_count,
            limit=limit,
            offset=offset,
            version=ver.number,
        )

    def _table_version(
        self,
        actor: Actor,
        dataset_name: str,
        resource_name: str,
        version: int | None,
        as_of: datetime | None = None,
    ) -> tuple[Dataset, Version, dict[str, str], Path]:
        """The version as the actor sees it, its column types, and the file to read for them."""
        dataset, _, raw = self._raw_version(actor, dataset_name, resource_name, version, as_of)
        if not raw.is_table or raw.parquet_key is None:
            raise InvalidInput("표 형식이 아닌 파일입니다.", "This resource is a plain file, not a table.")
        ver, path, _ = self._data(actor, dataset, raw)
        return dataset, ver, {c["name"]: str(c.get("type", "text")) for c in ver.columns}, path

    @staticmethod
    def _check_columns(types: dict[str, str], names: list[str], param: str) -> None:
        unknown = [n for n in names if n not in types]
        if unknown:
            listed = ", ".join(unknown)
            raise InvalidInput(
                f"없는 열입니다: {listed}",
                f"No such column: {listed}",
                [FieldError(param, f"없는 열: {n}", f"no such column: {n}") for n in unknown],
            )

    def query_rows(
        self,
        actor: Actor,
        dataset_name: str,
        resource_name: str,
        query: RowQuery,
        *,
        row_cap: int = 10_000,
        channel: Channel | None = None,
        client: str | None = None,
    ) -> RowsPage:
        """Rows that pass the filters, sorted and paged; ``total`` counts every row that passes."""
        self.quota.check(actor, client)
        if query.limit < 0 or query.offset < 0:
            raise InvalidInput(
                "limit과 offset은 0 이상이어야 합니다.", "limit and offset must not be negative."
            )
        dataset, ver, types, path = self._table_version(
            actor, dataset_name, resource_name, query.version, query.as_of
        )
        self._check_columns(types, [f.column for f in query.filters], "filters")
        self._check_columns(types, list(query.select), "select")
        self._check_columns(types, [c for c, _ in query.sort], "sort")
        query = replace(query, limit=min(query.limit, row_cap))
        text_columns = [n for n, t in types.items() if t == ColumnType.TEXT]
        if not types:
            return RowsPage(
                columns=[], rows=[], total=0, limit=query.limit, offset=query.offset, version=ver.number
            )
        rows, total = self.reader.query_rows(
            path,
            query,
            columns=list(types),
            text_columns=text_columns,
            text_index=self._text_index(ver, query.filters, query.q),
        )
        selected = set(query.select)
        if self.audit:
            shown = [n for n in types if not selected or n in selected]
            self.audit.rows_read(
                actor, dataset, resource_name, ver, shown, rows=len(rows), channel=channel, query=query
            )
        self.catalog.record_use(dataset, channel)
        return RowsPage(
            columns=[c for c in ver.columns if not selected or c["name"] in selected],
            rows=rows,
            total=total,
            limit=query.limit,
            offset=query.offset,
            version=ver.number,
        )

    def aggregate(
        self,
        actor: Actor,
        dataset_name: str,
        resource_name: str,
        *,
        group_by: list[str],
        metrics: list[Aggregate],
        filters: tuple[RowFilter, ...] = (),
        version: int | None = None,
        as_of: datetime | None = None,
        group_cap: int = 10_000,
        channel: Channel | None = None,
        client: str | None = None,
        sort: tuple[tuple[str, bool], ...] = (),
        limit: int | None = None,
    ) -> tuple[list[dict[str, Any]], bool, int]:
        """Group-by counts, sums, averages, minima and maxima; returns (rows, truncated, version).

        ``sort`` orders the groups by group columns or metric labels (``count``, ``sum_금액``);
        ``limit`` keeps the first groups (``sort=-count, limit=10``: the ten largest)."""
        self.quota.check(actor, client)
        if limit is not None and limit < 1:
            raise InvalidInput("limit은 1 이상이어야 합니다.", "limit must be at least 1.")
        dataset, ver, types, path = self._table_version(actor, dataset_name, resource_name, version, as_of)
        self._check_columns(types, group_by, "group_by")
        self._check_columns(types, [f.column for f in filters], "filters")
        self._check_columns(types, [m.column for m in metrics if m.column], "metric")
        for m in metrics:
            if m.func not in AGGREGATES:
                allowed = ", ".join(AGGREGATES)
                raise InvalidInput(
                    f"집계 함수는 {allowed} 중 하나입니다: {m.func}",
                    f"The metric must be one of {allowed}: {m.func}",
                    [FieldError("metric", f"알 수 없는 함수: {m.func}", f"unknown function: {m.func}")],
                )
            numeric = {ColumnType.INTEGER, ColumnType.DECIMAL}
            if m.func in ("sum", "avg") and (m.column is None or types[m.column] not in numeric):
                raise InvalidInput(
                    f"{m.func}은(는) 숫자 열에만 쓸 수 있습니다: {m.column or '(열 없음)'}",
                    f"{m.func} needs a numeric column: {m.column or '(none given)'}",
                    [FieldError("metric", "숫자 열이 아닙니다", "not a numeric column")],
                )
            if m.func in ("min", "max") and m.column is None:
                raise InvalidInput(
                    f"{m.func}에는 열 이름이 필요합니다 (예: {m.func}:열).",
                    f"{m.func} needs a column (e.g. {m.func}:column).",
                    [FieldError("metric", "열 이름이 없습니다", "column missing")],
                )
        labels = [*group_by, *(m.label for m in metrics or [Aggregate("count")])]
        bad = [c for c, _ in sort if c not in labels]
        if bad:
            raise InvalidInput(
                f"정렬할 수 있는 것은 묶는 열과 집계({', '.join(labels)})뿐입니다: {', '.join(bad)}",
                f"sort takes group columns and metric labels ({', '.join(labels)}): {', '.join(bad)}",
                [FieldError("sort", f"알 수 없는 이름: {c}", f"unknown name: {c}") for c in bad],
            )
        rows, truncated = self.reader.aggregate(
            path,
            group_by=group_by,
            metrics=metrics,
            filters=filters,
            limit=min(limit, group_cap) if limit is not None else group_cap,
            sort=sort,
            text_index=self._text_index(ver, filters),
            groups_at_most=most_groups(ver.columns, group_by),
        )
        if self.audit:
            self.audit.aggregated(
                actor, dataset, resource_name, ver, group_by, metrics, filters, len(rows), channel
            )
        self.catalog.record_use(dataset, channel)
        return rows, truncated, ver.number

    def export(
        self,
        actor: Actor,
        dataset_name: str,
        resource_name: str,
        fmt: str,
        *,
        version: int | None = None,
        as_of: datetime | None = None,
        query: RowQuery | None = None,
        channel: Channel | None = None,
    ) -> ExportFile:
        """A version as a file; counted as a download (and as an API call when ``channel`` is "api").

        With ``query``, only the rows that pass its filters (and ``q``), in its order, with its
        columns — all of them: a download has no row cap (``limit``/``offset`` are ignored)."""
        dataset, resource, raw = self._raw_version(actor, dataset_name, resource_name, version, as_of)
        if query is not None and not (query.filters or query.q or query.select or query.sort):
            query = None
        if query is not None and fmt == "source":
            raise InvalidInput(
                "원본 파일에는 조건을 걸 수 없습니다. csv, jsonl 등 다른 형식을 쓰세요.",
                "Filters, columns and order do not apply to the original file; "
                "use csv, jsonl or another format.",
                [FieldError("format", "source에는 조건을 걸 수 없습니다.", "source takes no filters")],
            )
        ver, data_path, viewed = self._data(actor, dataset, raw) if raw.is_table else (raw, None, False)
        if fmt == "source" and viewed:
            raise PermissionDenied(
                "볼 수 있는 열이나 행이 제한되어 있어 원본 파일은 내려받을 수 없습니다. "
                "CSV 등 다른 형식을 쓰세요.",
                "Some columns or rows are withheld from you, so the original file cannot be downloaded; "
                "use CSV or another format.",
            )
        if fmt == "source":
            temporary = ver.source_key.endswith(_SEALED)
            if temporary:
                self.work_dir.mkdir(parents=True, exist_ok=True)
                path = self.work_dir / f"export-{uuid.uuid4().hex}.source"
                self._copy_source(ver, path)
            else:
                path = self.lake.local_path(ver.source_key)
            if self.audit:
                self.audit.exported(actor, dataset, resource.name, ver, fmt, channel=channel)
            self.catalog.record_use(dataset, channel, download=True)
            return ExportFile(path, ver.filename, "application/octet-stream", temporary=temporary)
        if fmt not in self.export_formats:
            allowed = ", ".join([*self.export_formats, "source"])
            raise InvalidInput(f"형식은 {allowed} 중 하나입니다.", f"format must be one of {allowed}.")
        if not ver.is_table or ver.parquet_key is None:
            raise InvalidInput(
                "표 형식이 아닌 파일은 원본만 내려받을 수 있습니다.",
                "A plain file downloads as its source only.",
            )
        ext, media = self.export_formats[fmt]
        assert data_path is not None
        types = {str(c["name"]): str(c.get("type", "text")) for c in ver.columns}
        if query is not None:
            self._check_columns(types, [f.column for f in query.filters], "filters")
            self._check_columns(types, list(query.select), "select")
            self._check_columns(types, [c for c, _ in query.sort], "sort")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        out = self.work_dir / f"export-{uuid.uuid4().hex}.{ext}"
        try:
            rows = self.reader.export(
                data_path,
                fmt,
                out,
                columns=list(types),
                query=query,
                text_columns=[n for n, t in types.items() if t == ColumnType.TEXT],
                text_index=self._text_index(ver, query.filters, query.q) if query is not None else None,
            )
        except BaseException:
            out.unlink(missing_ok=True)
            raise
        if self.audit:
            self.audit.exported(
                actor, dataset, resource.name, ver, fmt, channel=channel, query=query, rows=rows
            )
        self.catalog.record_use(dataset, channel, download=True)
        suffix = ("-filtered" if query is not None else "") + ("-cp949" if fmt == "csv-cp949" else "")
        filename = f"{dataset.name}-{resource.name}-v{ver.number}{suffix}.{ext}"
        return ExportFile(out, filename, media)


class _ProgressWriter:
    """Writes progress to the job row at most a few times a second (it is also the heartbeat)."""

    def __init__(self, store: MetadataStore, job_id: str, every: float = 0.25) -> None:
        self.store = store
        self.job_id = job_id
        self.every = every
        self._last = 0.0
        self._state = (0, 0, 0)

    def __call__(self, bytes_done: int, bytes_total: int, rows_done: int) -> None:
        self._state = (bytes_done, bytes_total, rows_done)
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self.flush(stage="reading")

    def flush(self, stage: str) -> None:
        bytes_done, bytes_total, rows_done = self._state
        fields: dict[str, Any] = {"stage": stage, "heartbeat_at": datetime.now(UTC), "rows_done": rows_done}
        if bytes_total:
            fields.update(bytes_done=bytes_done, bytes_total=bytes_total)
        self.store.update_job(self.job_id, fields)


def _codec_exists(name: str) -> bool:
    """Whether Python knows the codec; what it means for a file is the reader's business."""
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(4 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _options_dict(options: IngestOptions) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if options.encoding:
        out["encoding"] = options.encoding
    if options.sheet:
        out["sheet"] = options.sheet
    if options.column_types:
        out["column_types"] = {k: str(v) for k, v in sorted(options.column_types.items())}
    return out


def _error_dict(exc: BaseException, filename: str | None) -> dict[str, Any]:
    if isinstance(exc, IngestError):
        return {
            "code": exc.code,
            "message": exc.message,
            "message_en": exc.message_en,
            "where": exc.where(),
            **exc.location.as_dict(),
        }
    if isinstance(exc, PlatformError):
        return {"code": exc.code, "message": exc.message, "message_en": exc.message_en}
    return {
        "code": "internal",
        "message": f"'{filename}'을(를) 처리하는 중 내부 오류가 났습니다. 이전 버전은 그대로입니다.",
        "message_en": (
            f"An internal error stopped the ingest of '{filename}'; the previous version is unchanged."
        ),
    }
