"""Harvesting: sources, runs on the job queue, and the change log of each run.

Sources are managed by sysadmins and by admins of the source's target organisation;
for anyone else a source does not exist. A run acts as the harvester of that one
organisation (an editor there and nowhere else), so everything it writes passes the
same validation and search indexing as a user's edit, and files go through the normal
upload path (``ResourceService.start_upload``): versioned, typed and validated.

A run never deletes local data: a dataset gone upstream is unpublished (restricted to
its organisation) and logged as ``deleted``; when it comes back it is published again.

A source's URL may not name an internal address (loopback, private, link-local …) unless the
installation allows it (``AddressPolicy``): an address written out is refused when the source
is saved, and the transport checks every address it connects to, redirects and files included.

A partner's data lands only inside an agreement, pulled as it would be pushed: a source
whose organisation is a partner names the requesting official and the case number, a file
fetched into a partner's dataset needs an active agreement with that dataset in scope
(``AgreementService.landing``; without one the dataset's files fail in the run log and are
tried again next run), and each file that lands is recorded as an incoming transfer.
Metadata alone is harvested into a partner's datasets as into any other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import ValidationError

from hubcity.domain.accounts import Actor, Org, OrgKind, Role
from hubcity.domain.agreements import Agreement
from hubcity.domain.datasets import Dataset, Visibility
from hubcity.domain.harvest import (
    DATASET_FIELDS,
    AddressPolicy,
    ChangeKind,
    HarvestChange,
    HarvestObject,
    HarvestRun,
    HarvestSource,
    HarvestSourceDraft,
    RemoteDataset,
    RemoteFile,
    RunState,
    SourceKind,
    check_source_transfer_details,
    diff_fields,
    harvested_name,
)
from hubcity.domain.ingest import detect_format
from hubcity.domain.jobs import JobState
from hubcity.errors import (
    AuthenticationFailed,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PlatformError,
    RemoteError,
)
from hubcity.ports import HarvestStore, HarvestTransport, MetadataStore
from hubcity.services.agreements import AgreementService
from hubcity.services.catalog import CatalogService, validation_error
from hubcity.services.resources import ResourceService, UploadRequest, resource_slug

__all__ = ["HarvestOrigin", "HarvestService"]

log = logging.getLogger(__name__)

_STALE_AFTER = timedelta(minutes=30)
_WEB = ("http://", "https://")
_SOURCE_FIELDS = tuple(HarvestSourceDraft.model_fields)


@dataclass(frozen=True)
class HarvestOrigin:
    """Where a harvested dataset came from, for its page and its API entry."""

    source: str
    source_title: str
    kind: str
    upstream_url: str
    identifier: str
    deleted_upstream: bool
    harvested_at: datetime | None


class _DatasetFailed(Exception):
    """A dataset's files could not all be harvested (its metadata may have been)."""

    def __init__(
        self, kind: ChangeKind, name: str, diff: dict[str, list[Any]], errors: list[tuple[str, str]]
    ):
        super().__init__(errors[0][1])
        self.kind, self.name, self.diff, self.errors = kind, name, diff, errors


def _harvester(source: HarvestSource) -> Actor:
    """The run acts as an editor of the source's organisation, and of nothing else."""
    return Actor(
        username=f"harvest:{source.name}",
        display_name=f"harvest:{source.name}",
        roles={source.org_id: Role.EDITOR},
        staff=True,
    )


def _current(dataset: Dataset) -> dict[str, Any]:
    return {key: getattr(dataset, key) for key in DATASET_FIELDS}


class HarvestService:
    def __init__(
        self,
        *,
        store: HarvestStore,
        meta: MetadataStore,
        catalog: CatalogService,
        resources: ResourceService,
        agreements: AgreementService,
        transport: HarvestTransport,
        work_dir: Path,
        max_file_bytes: int,
        max_datasets: int,
        addresses: AddressPolicy | None = None,
        secret_key: str = "",
    ) -> None:
        self.store = store
        self.meta = meta
        self.catalog = catalog
        self.resources = resources
        self.agreements = agreements
        self.transport = transport
        self.work_dir = work_dir
        self.max_file_bytes = max_file_bytes
        self.max_datasets = max_datasets
        self.addresses = addresses or AddressPolicy()
        self._enqueue: Callable[[int], None] | None = None
        # upstream API keys are sealed with a key of their own, derived from the secret key
        self._box = AESGCM(hmac.new(secret_key.encode(), b"hubcity:harvest-api-key", hashlib.sha256).digest())

    def attach_queue(self, enqueue: Callable[[int], None]) -> None:
        self._enqueue = enqueue

    # -- who may manage -------------------------------------------------------------------------
    @staticmethod
    def _managed(actor: Actor) -> frozenset[int] | None:
        """Organisations whose sources the actor manages; None for all (sysadmins)."""
        if not actor.authenticated and not actor.sysadmin:
            raise AuthenticationFailed("로그인이 필요합니다.", "Sign in first.")
        if actor.sysadmin:
            return None
        return frozenset(org for org, role in actor.roles.items() if role is Role.ADMIN)

    def orgs_managed(self, actor: Actor) -> list[Org]:
        """The organisations the actor may harvest into (every one for sysadmins), by title."""
        managed = self._managed(actor)
        orgs = [o for o in self.meta.list_orgs() if managed is None or o.id in managed]
        return sorted(orgs, key=lambda o: o.title)

    def require_manager(self, actor: Actor) -> None:
        """PermissionDenied unless the actor may add a source somewhere (a sysadmin or an admin)."""
        if not self.orgs_managed(actor):
            raise PermissionDenied(
                "수집 원본은 시스템 관리자와 기관 관리자만 추가할 수 있습니다.",
                "Only sysadmins and organisation admins may add harvest sources.",
            )

    def _check_url(self, url: str) -> None:
        """InvalidInput (field ``url``) when the URL names an internal address the policy refuses."""
        refused = self.addresses.refused_url(url)
        if refused is not None:
            raise InvalidInput(*refused, [FieldError("url", *refused)])

    def _check_org(self, actor: Actor, slug: str) -> Org:
        org = self.meta.find_org(slug)
        if org is None:
            raise InvalidInput(
                f"기관 '{slug}'이(가) 없습니다.",
                f"No organisation '{slug}'.",
                [FieldError("org", "없는 기관입니다.", "Unknown organisation.")],
            )
        managed = self._managed(actor)
        if managed is not None and org.id not in managed:
            raise PermissionDenied(
                f"'{org.title}'의 관리자만 이 기관으로 수집할 수 있습니다.",
                f"Only admins of '{org.slug}' may harvest into it.",
            )
        return org

    @staticmethod
    def _transfer_details(org: Org, draft: HarvestSourceDraft) -> dict[str, str]:
        """The source's official and case number; both required when it harvests into a partner."""
        if org.kind is not OrgKind.PARTNER:
            return {"official": draft.official, "case_no": draft.case_no}
        official, case_no = check_source_transfer_details(draft.official, draft.case_no)
        return {"official": official, "case_no": case_no}

    # -- sources --------------------------------------------------------------------------------
    def list_sources(self, actor: Actor) -> list[HarvestSource]:
        return self.store.list_sources(self._managed(actor))

    def get_source(self, actor: Actor, name: str) -> HarvestSource:
        """The source, or NotFound — also when the actor may not manage it."""
        managed = self._managed(actor)
        source = self.store.find_source(name)
        if source is None or (managed is not None and source.org_id not in managed):
            raise NotFound.of("수집 원본", "Harvest source", name)
        return source

    def create_source(self, actor: Actor, data: dict[str, Any]) -> HarvestSource:
        try:
            draft = HarvestSourceDraft.model_validate(data)
        except ValidationError as exc:
            raise validation_error(exc) from None
        org = self._check_org(actor, draft.org)
        self._check_url(draft.url)
        self._check_key(draft)
        fields = draft.model_dump(exclude={"org", "api_key"})
        fields.update(self._transfer_details(org, draft))
        fields.update(kind=str(draft.kind), org_id=org.id, created_by=actor.username)
        fields["api_key_sealed"] = self._seal(draft.api_key) if draft.api_key else None
        return self.store.create_source(fields)

    def update_source(self, actor: Actor, name: str, changes: dict[str, Any]) -> HarvestSource:
        source = self.get_source(actor, name)
        unknown = set(changes) - set(_SOURCE_FIELDS) | ({"name"} & set(changes))
        if unknown:
            bad = ", ".join(sorted(unknown))
            raise InvalidInput(f"바꿀 수 없는 항목입니다: {bad}", f"These fields cannot be changed: {bad}")
        current = {
            "name": source.name,
            "title": source.title,
            "kind": str(source.kind),
            "url": source.url,
            "org": source.org_slug,
            "schedule_hours": source.schedule_hours,
            "fetch_files": source.fetch_files,
            "filter_org": source.filter_org,
            "filter_q": source.filter_q,
            "enabled": source.enabled,
            "official": source.official,
            "case_no": source.case_no,
        }
        try:
            draft = HarvestSourceDraft.model_validate({**current, **changes})
        except ValidationError as exc:
            raise validation_error(exc) from None
        self._check_url(draft.url)
        self._check_key(draft)
        fields = draft.model_dump(exclude={"name", "org", "api_key"})
        fields["kind"] = str(draft.kind)
        if "api_key" in changes:  # absent: kept; "": removed; a value: replaced
            fields["api_key_sealed"] = self._seal(draft.api_key) if draft.api_key else None
        elif draft.kind is not SourceKind.CKAN:
            fields["api_key_sealed"] = None  # a DCAT source never sends one
        org: Org | None
        if draft.org != source.org_slug:
            org = self._check_org(actor, draft.org)
            fields["org_id"] = org.id
        else:
            org = self.meta.find_org_by_id(source.org_id)
        if org is not None:
            fields.update(self._transfer_details(org, draft))
        return self.store.update_source(source.id, fields)

    @staticmethod
    def _check_key(draft: HarvestSourceDraft) -> None:
        if draft.api_key and draft.kind is not SourceKind.CKAN:
            # a DCAT catalogue does not say which datasets are private: every one would arrive public
            raise InvalidInput(
                "API 키는 CKAN 원본에만 쓸 수 있습니다.",
                "Only a CKAN source takes an API key.",
                [FieldError("api_key", "CKAN 원본에만 씁니다", "CKAN sources only")],
            )

    def _seal(self, key: str) -> str:
        nonce = os.urandom(12)
        return "hk1:" + base64.b64encode(nonce + self._box.encrypt(nonce, key.encode(), b"harvest")).decode()

    def _api_key(self, source: HarvestSource) -> str | None:
        """The source's upstream API key in clear, for this run only."""
        sealed = self.store.sealed_api_key(source.id) if source.has_api_key else None
        if not sealed:
            return None
        try:
            raw = base64.b64decode(sealed.removeprefix("hk1:"))
            return self._box.decrypt(raw[:12], raw[12:], b"harvest").decode()
        except (InvalidTag, ValueError) as exc:
            raise RemoteError(
                "저장된 API 키를 풀 수 없습니다(비밀 키 HUBCITY_SECRET_KEY가 바뀌었을 수 있습니다). "
                "수집 원본 설정에서 API 키를 다시 입력하세요.",
                "The stored API key cannot be unsealed (HUBCITY_SECRET_KEY may have changed); "
                "enter the API key again in the source's settings.",
            ) from exc

    def delete_source(self, actor: Actor, name: str) -> None:
        """Remove the source and its runs; the datasets it harvested stay, as ordinary datasets."""
        source = self.get_source(actor, name)
        self.store.delete_source(source.id)

    # -- runs -----------------------------------------------------------------------------------
    def run_source(self, actor: Actor, name: str, *, restore: bool = False) -> HarvestRun:
        """Queue a run now (or return the one already queued or running). A dataset its owners
        deleted here is not harvested again, unless ``restore``: then it is made anew."""
        source = self.get_source(actor, name)
        return self._start(source, "restore" if restore else "manual")

    def _start(self, source: HarvestSource, trigger: str) -> HarvestRun:
        run, created = self.store.start_run(source.id, trigger, datetime.now(UTC))
        if created:
            if self._enqueue is None:
                raise RuntimeError("no job queue attached")
            self._enqueue(run.id)
        return self.store.find_run(run.id, changes=False) or run

    def list_runs(
        self, actor: Actor, name: str, limit: int = 20, *, changes: bool = False
    ) -> list[HarvestRun]:
        """The source's runs, newest first; with ``changes``, each with its change log."""
        source = self.get_source(actor, name)
        runs = self.store.list_runs(source.id, max(1, min(limit, 200)))
        if not changes:
            return runs
        return [self.store.find_run(r.id, changes=True) or r for r in runs]

    def get_run(self, actor: Actor, name: str, run_id: int) -> HarvestRun:
        source = self.get_source(actor, name)
        run = self.store.find_run(run_id, changes=True)
        if run is None or run.source_id != source.id:
            raise NotFound.of("수집 실행", "Harvest run", str(run_id))
        return run

    def run_due(self, now: datetime | None = None) -> list[int]:
        """Queue a run of every enabled source whose schedule says it is due (the periodic check)."""
        now = now or datetime.now(UTC)
        self.store.fail_stale_runs(
            now - _STALE_AFTER,
            now,
            ("수집이 중단되었습니다(작업자 중지).", "The harvest was interrupted (its worker stopped)."),
        )
        queued = []
        for source in self.store.list_sources(None):
            if source.due(now):
                queued.append(self._start(source, "schedule").id)
        return queued

    def origin(self, dataset: Dataset) -> HarvestOrigin | None:
        """Where a dataset the caller may already read was harvested from (None for local datasets)."""
        found = self.store.origin_of(dataset.id)
        if found is None:
            return None
        source, obj = found
        return HarvestOrigin(
            source=source.name,
            source_title=source.title or source.name,
            kind=str(source.kind),
            upstream_url=obj.upstream_url,
            identifier=obj.identifier,
            deleted_upstream=obj.state == "deleted",
            harvested_at=obj.harvested_at,
        )

    # -- the job --------------------------------------------------------------------------------
    def run_job(self, run_id: int) -> None:
        """Run one harvest to the end; every failure ends on the run, none escapes."""
        if not self.store.claim_run(run_id, datetime.now(UTC)):
            return
        run = self.store.find_run(run_id, changes=False)
        assert run is not None
        source = next((s for s in self.store.list_sources(None) if s.id == run.source_id), None)
        if source is None:
            return
        try:
            counts = self._harvest(run_id, source, restore=run.trigger == "restore")
        except PlatformError as exc:
            self._finish(run_id, RunState.FAILED, {}, (exc.message, exc.message_en))
            return
        except Exception:  # noqa: BLE001 - a run must end recorded, whatever happened
            log.exception("harvest run %s failed", run_id)
            self._finish(
                run_id,
                RunState.FAILED,
                {},
                ("수집 중 내부 오류가 났습니다.", "The harvest failed with an internal error."),
            )
            return
        summary_ko = ", ".join(f"{k} {n}" for k, n in sorted(counts.items())) or "없음"
        summary_en = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing"
        self._finish(
            run_id,
            RunState.SUCCEEDED,
            counts,
            (f"수집 완료: {summary_ko}", f"Harvest finished: {summary_en}"),
        )

    def _finish(self, run_id: int, state: RunState, counts: dict[str, int], message: tuple[str, str]) -> None:
        fields: dict[str, Any] = {
            "state": str(state),
            "message": message[0],
            "message_en": message[1],
            "finished_at": datetime.now(UTC),
        }
        if counts:
            fields["counts"] = counts
        self.store.update_run(run_id, fields)

    def _harvest(self, run_id: int, source: HarvestSource, *, restore: bool = False) -> dict[str, int]:
        api_key = self._api_key(source)  # unsealed once, for this run's listing and files
        remotes = self.transport.list_datasets(
            str(source.kind),
            source.url,
            filter_org=source.filter_org,
            filter_q=source.filter_q,
            limit=self.max_datasets,
            api_key=api_key,
        )
        actor = _harvester(source)
        objects = {o.identifier: o for o in self.store.list_objects(source.id)}
        counts: Counter[str] = Counter()

        def log_change(kind: ChangeKind, identifier: str, title: str, name: str | None, **kw: Any) -> None:
            counts[str(kind)] += 1
            self.store.add_change(
                run_id,
                HarvestChange(
                    id=0,
                    run_id=run_id,
                    kind=kind,
                    identifier=identifier,
                    title=title,
                    dataset_name=name,
                    **kw,
                ),
            )
            self.store.update_run(run_id, {"counts": dict(counts), "heartbeat_at": datetime.now(UTC)})

        for remote in remotes:
            title = str(remote.fields.get("title") or remote.name)
            obj = objects.get(remote.identifier)
            if obj is not None and not restore and self._deleted_here(obj):
                log_change(
                    ChangeKind.SKIPPED,
                    remote.identifier,
                    title,
                    None,
                    message="여기서 삭제한 데이터셋이라 다시 수집하지 않습니다 (되살리려면 restore로 실행).",
                    message_en="Deleted here, so not harvested again (run with restore to bring it back).",
                )
                continue
            try:
                kind, name, diff = self._one(source, actor, remote, obj, api_key)
                log_change(kind, remote.identifier, title, name, diff=diff)
            except _DatasetFailed as exc:
                log_change(
                    ChangeKind.FAILED,
                    remote.identifier,
                    title,
                    exc.name,
                    diff=exc.diff,
                    message="; ".join(e[0] for e in exc.errors),
                    message_en="; ".join(e[1] for e in exc.errors),
                )
            except PlatformError as exc:
                log_change(
                    ChangeKind.FAILED,
                    remote.identifier,
                    title,
                    None,
                    message=exc.message,
                    message_en=exc.message_en,
                )
            except Exception as exc:  # noqa: BLE001 - one dataset's failure does not stop the run
                log.exception("harvest of %s from %s failed", remote.identifier, source.name)
                log_change(
                    ChangeKind.FAILED,
                    remote.identifier,
                    title,
                    None,
                    message="내부 오류",
                    message_en=f"internal error ({type(exc).__name__})",
                )
        seen = {r.identifier for r in remotes}
        for identifier, obj in objects.items():
            if identifier in seen or obj.state != "active" or obj.dataset_name is None:
                continue
            if self._deleted_here(obj):  # gone on both sides: nothing to unpublish
                continue
            try:
                diff = self._unpublish(actor, obj)
                log_change(
                    ChangeKind.DELETED,
                    identifier,
                    obj.dataset_name,
                    obj.dataset_name,
                    diff=diff,
                    message="원격에서 삭제되어 공개를 중단했습니다(데이터는 보존).",
                    message_en="Deleted upstream: unpublished here (the data is kept).",
                )
            except PlatformError as exc:
                log_change(
                    ChangeKind.FAILED,
                    identifier,
                    obj.dataset_name,
                    obj.dataset_name,
                    message=exc.message,
                    message_en=exc.message_en,
                )
        return dict(counts)

    def _deleted_here(self, obj: HarvestObject) -> bool:
        """Whether the local dataset of an upstream one was deleted here (recorded on the object);
        the store shows a deleted dataset's object without its dataset."""
        if obj.state == "removed":
            return True
        if obj.dataset_id is not None or not obj.content_hash:  # live, or never harvested into one
            return False
        self.store.save_object(obj.source_id, obj.identifier, {"state": "removed"})
        return True

    def _unpublish(self, actor: Actor, obj: HarvestObject) -> dict[str, list[Any]]:
        assert obj.dataset_name is not None
        dataset = self.catalog.get_dataset(actor, obj.dataset_name)
        before = str(dataset.visibility)
        if dataset.visibility is not Visibility.RESTRICTED:
            self.catalog.update_dataset(actor, dataset.name, {"visibility": str(Visibility.RESTRICTED)})
        self.store.save_object(
            obj.source_id, obj.identifier, {"state": "deleted", "harvested_at": datetime.now(UTC)}
        )
        return {"visibility": [before, str(Visibility.RESTRICTED)]}

    def _free_name(self, source: HarvestSource, remote: RemoteDataset) -> str:
        base = harvested_name(source.name, remote.name, remote.identifier)
        name = base
        for n in range(2, 100):
            if self.meta.find_dataset(name) is None:
                return name
            name = f"{base[:95]}-{n}"
        raise InvalidInput(
            f"'{base}' 이름을 쓸 수 없습니다.", f"No free local name for '{base}'."
        )  # pragma: no cover - 98 clashes

    def _one(
        self,
        source: HarvestSource,
        actor: Actor,
        remote: RemoteDataset,
        obj: HarvestObject | None,
        api_key: str | None = None,
    ) -> tuple[ChangeKind, str, dict[str, list[Any]]]:
        content_hash = remote.content_hash()
        dataset = self.meta.find_dataset_by_id(obj.dataset_id) if obj and obj.dataset_id else None
        wanted_files = self._file_names(remote.files) if source.fetch_files else {}
        files_done = all(obj.files.get(n) == f.fingerprint for n, f in wanted_files.items()) if obj else False
        if (
            dataset is not None
            and obj is not None
            and obj.state == "active"
            and obj.content_hash == content_hash
            and files_done
        ):
            self.store.save_object(source.id, remote.identifier, {"harvested_at": datetime.now(UTC)})
            return ChangeKind.UNCHANGED, dataset.name, {}
        # private upstream: the source's organisation only, here too
        shown = Visibility.RESTRICTED if remote.private else Visibility.PUBLIC
        if dataset is None:
            name = self._free_name(source, remote)
            data = {**remote.fields, "name": name, "owner_org": source.org_slug, "visibility": str(shown)}
            dataset = self.catalog.create_dataset(actor, data)
            kind, diff = ChangeKind.CREATED, {}
        else:
            before = _current(dataset)
            changes = dict(remote.fields)
            restored = obj is not None and obj.state == "deleted"
            if restored or (remote.private and dataset.visibility is not Visibility.RESTRICTED):
                changes["visibility"] = str(shown)
                before["visibility"] = str(dataset.visibility)
            dataset = self.catalog.update_dataset(actor, dataset.name, changes)
            after = _current(dataset)
            if "visibility" in before:
                after["visibility"] = str(dataset.visibility)
            kind, diff = ChangeKind.UPDATED, diff_fields(before, after)
        fetched = dict(obj.files) if obj else {}
        pending = {n: f for n, f in wanted_files.items() if fetched.get(n) != f.fingerprint}
        errors: list[tuple[str, str]] = []
        agreement = None
        if pending:
            try:
                agreement = self._landing(source, actor, dataset)
            except PlatformError as exc:  # none of them lands, and each is tried again next run
                names = ", ".join(pending)
                errors.append((f"{names}: {exc.message}", f"{names}: {exc.message_en}"))
                pending = {}
        for res_name, remote_file in pending.items():
            try:
                if self._fetch(source, actor, dataset, res_name, remote_file, agreement, api_key):
                    diff.setdefault("files", [None, []])[1].append(res_name)
                fetched[res_name] = remote_file.fingerprint
            except PlatformError as exc:
                errors.append((f"{res_name}: {exc.message}", f"{res_name}: {exc.message_en}"))
        self.store.save_object(
            source.id,
            remote.identifier,
            {
                "dataset_id": dataset.id,
                "upstream_url": remote.source_url[:1000] if remote.source_url.startswith(_WEB) else "",
                "upstream_modified": remote.modified[:64],
                "content_hash": content_hash,
                "files": fetched,
                "state": "active",
                "harvested_at": datetime.now(UTC),
            },
        )
        if errors:
            raise _DatasetFailed(kind, dataset.name, diff, errors)
        return kind, dataset.name, diff

    @staticmethod
    def _file_names(files: list[RemoteFile]) -> dict[str, RemoteFile]:
        """Each upstream file under a local resource name (unique within the dataset)."""
        out: dict[str, RemoteFile] = {}
        for f in files:
            base = resource_slug(f.name + "." + (f.format or "bin"))
            name, n = base, 2
            while name in out:
                name, n = f"{base[:90]}-{n}", n + 1
            out[name] = f
        return out

    def _landing(self, source: HarvestSource, actor: Actor, dataset: Dataset) -> Agreement | None:
        """The agreement files pulled into ``dataset`` land under; None when it is not a partner's.

        PermissionDenied when no active agreement has the partner's dataset in scope (a run is no
        sysadmin), InvalidInput when the source names no official or case number."""
        agreement = self.agreements.landing(actor, dataset)
        if agreement is not None:
            check_source_transfer_details(source.official, source.case_no)
        return agreement

    def _fetch(
        self,
        source: HarvestSource,
        actor: Actor,
        dataset: Dataset,
        resource: str,
        remote: RemoteFile,
        agreement: Agreement | None,
        api_key: str | None = None,
    ) -> bool:
        """Download one file and ingest it as a new version; False when it was the same file again.

        A new version that lands under an agreement is recorded as an incoming transfer."""
        ext = remote.format if remote.format and detect_format(f"x.{remote.format}") else ""
        if not ext:
            tail = remote.url.split("?", 1)[0].rsplit("/", 1)[-1]
            ext = tail.rsplit(".", 1)[-1].lower() if "." in tail else (remote.format or "bin")
        filename = f"{resource}.{ext}"
        job_dir = self.work_dir / f"harvest-{uuid.uuid4().hex}"
        path = job_dir / filename
        try:
            self.transport.download(
                remote.url,
                path,
                max_bytes=self.max_file_bytes,
                api_key=api_key,
                key_for=source.url,
            )
            job = self.resources.start_upload(
                actor,
                UploadRequest(dataset=dataset.name, path=path, filename=filename, resource=resource),
                enqueue=False,
            )
            self.resources.run_job(job.id)
            done = self.meta.find_job(job.id)
        finally:
            shutil.rmtree(job_dir, ignore_errors=True)
        if done is None or done.state is not JobState.SUCCEEDED:
            error = (done.error or {}) if done else {}
            raise InvalidInput(
                str(error.get("message") or "파일을 가져오지 못했습니다."),
                str(error.get("message_en") or "The file could not be ingested."),
            )
        if done.version_id is None:
            return False
        if agreement is not None:
            self.agreements.record_pull(
                actor,
                agreement,
                dataset,
                resource=resource,
                version=done.version_number,
                official=source.official,
                case=source.case_no,
                job_id=done.id,
                fmt=ext,
            )
        return True
