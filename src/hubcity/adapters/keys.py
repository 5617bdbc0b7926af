"""The key store: the lake's encryption keys and the pseudonymisation key, kept apart from the data.

PIPA's 안전성 확보조치 기준 asks that unique identifiers be encrypted and that the additional
information of pseudonymisation (추가정보, here the key every grant's pseudonyms are derived from)
be kept apart from the data, under access control of its own. The store is a folder
(``HUBCITY_KEYS_DIR``, default ``<data_dir>/keys``; in production on another volume than the
lake and the database) readable by the server's user only:

- ``lake.keys`` — the lake's keyring: AES-256 keys with an id and a creation time, one current
  (JSON; the id is a one-way hash of the key, safe to show);
- ``pseudonym.key`` — the pseudonymisation master key.

Both are made at start when the folder holds neither (folder 0700, files 0600). On an
installation that already has data, the first lake key and the pseudonym key are the ones it
derived until now from ``HUBCITY_SECRET_KEY`` (or ``HUBCITY_LAKE_KEY`` /
``HUBCITY_ACCESS__PSEUDONYM_KEY``), so sealed data and the pseudonyms of existing grants stay
the same; on a new installation they are random. ``hubcity keys rotate`` adds a random lake key,
re-seals every sealed file with it and drops the keys no file uses any more.

A key file that group or others may read, or a folder they may write to, stops the start. When
``HUBCITY_LAKE_KEY`` or ``HUBCITY_ACCESS__PSEUDONYM_KEY`` is set, it wins over the file.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from hubcity.adapters.engines.sealing import LEGACY, ColumnSealer, Keyring, LakeKey, key_id, sealed_columns
from hubcity.errors import PlatformError

__all__ = [
    "LAKE_FILE",
    "PSEUDONYM_FILE",
    "KeyStore",
    "KeyStoreError",
    "RotationReport",
    "SealedFile",
    "lake_is_empty",
    "prune_lake_keys",
    "rotate_lake_key",
    "scan_sealed",
]

LAKE_FILE = "lake.keys"
PSEUDONYM_FILE = "pseudonym.key"
_LAKE_FORMAT = "hubcity.lake-keys/1"
_PSEUDONYM_FORMAT = "hubcity.pseudonym-key/1"


class KeyStoreError(PlatformError):
    """The key store is unsafe, damaged or missing a file, or a key operation cannot run."""

    status = 500
    code = "key_store"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to a 0600 temporary file beside ``path`` and sync it (the caller renames it)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def lake_is_empty(root: Path) -> bool:
    """Whether a local lake folder holds no file yet (a new installation: nothing was ever sealed)."""
    if not root.is_dir():
        return True
    for _dirpath, _dirs, files in os.walk(root):
        if files:
            return False
    return True


@dataclass(frozen=True)
class _Loaded:
    ring: Keyring
    state: tuple[int, int, int]  # inode, size, mtime of lake.keys when read


class KeyStore:
    """The key folder. ``lake_override``/``pseudonym_override``: keys from explicit settings, which win
    over the files (the lake override becomes the current and the legacy key)."""

    def __init__(
        self, root: Path, *, lake_override: bytes | None = None, pseudonym_override: bytes | None = None
    ) -> None:
        self.root = root
        self.lake_override = LakeKey.of(lake_override, legacy=True) if lake_override else None
        self.pseudonym_override = pseudonym_override
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()

    @property
    def lake_file(self) -> Path:
        return self.root / LAKE_FILE

    @property
    def pseudonym_file(self) -> Path:
        return self.root / PSEUDONYM_FILE

    # -- set-up and checks -------------------------------------------------------------------
    def ensure(self, *, legacy_lake: bytes, legacy_pseudonym: bytes, fresh: Callable[[], bool]) -> list[Path]:
        """Make the folder and both files when the folder holds neither; returns the files made.

        The keys are the legacy ones (what the installation derived until now), so what it wrote
        before stays readable and its pseudonyms the same — except on a new installation
        (``fresh()``: nothing sealed or pseudonymised yet), where a key that no setting names is random."""
        if not self.root.exists():
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.root, 0o700)
        if self.lake_file.exists() and self.pseudonym_file.exists():
            return []
        with self._locked(".setup.lock", wait=True):  # a server and a worker starting together
            return self._make(legacy_lake, legacy_pseudonym, fresh)

    def _make(self, legacy_lake: bytes, legacy_pseudonym: bytes, fresh: Callable[[], bool]) -> list[Path]:
        have = [p.exists() for p in (self.lake_file, self.pseudonym_file)]
        if all(have):
            return []
        if any(have):
            missing = self.pseudonym_file if have[0] else self.lake_file
            raise KeyStoreError(
                f"키 파일 {missing}이(가) 없습니다. 백업에서 되살리세요: 새로 만들면 이미 암호화·가명처리된 "
                "데이터와 맞지 않습니다.",
                f"The key file {missing} is missing. Restore it from a backup: a new one would not match "
                "the data already sealed or pseudonymised.",
            )
        now = datetime.now(UTC)
        new = fresh()  # asked only now: it may walk the lake
        random_lake = new and self.lake_override is None
        random_pseudonym = new and self.pseudonym_override is None
        lake = LakeKey.of(
            secrets.token_bytes(32) if random_lake else legacy_lake, legacy=not random_lake, created=now
        )
        pseudonym = secrets.token_bytes(32) if random_pseudonym else legacy_pseudonym
        made = []
        for path, data in (
            (self.lake_file, _lake_json(Keyring((lake,), lake.id))),
            (
                self.pseudonym_file,
                json.dumps(
                    {
                        "format": _PSEUDONYM_FORMAT,
                        "created": now.isoformat(),
                        "origin": "random" if random_pseudonym else "legacy",
                        "key": base64.b64encode(pseudonym).decode("ascii"),
                    },
                    indent=2,
                ).encode(),
            ),
        ):
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            try:
                _write_new(tmp, data)
                try:
                    os.link(tmp, path)  # never over a file another process made meanwhile
                    made.append(path)
                except FileExistsError:
                    pass
            finally:
                tmp.unlink(missing_ok=True)
        return made

    def problems(self) -> list[tuple[str, str]]:
        """What makes the store unsafe (Korean, English): key files group or others may read or
        write, a folder they may write to."""
        out: list[tuple[str, str]] = []
        if self.root.exists() and _mode(self.root) & 0o022:
            out.append(
                (
                    f"키 폴더 {self.root}에 다른 사용자도 쓸 수 있습니다(권한 {_mode(self.root):04o}). "
                    f"`chmod 700 {self.root}`로 고치세요.",
                    f"Others may write to the key folder {self.root} (mode {_mode(self.root):04o}). "
                    f"Fix it with `chmod 700 {self.root}`.",
                )
            )
        for path in (self.lake_file, self.pseudonym_file):
            if path.exists() and _mode(path) & 0o077:
                out.append(
                    (
                        f"키 파일 {path}을(를) 다른 사용자도 읽을 수 있습니다(권한 {_mode(path):04o}). "
                        f"`chmod 600 {path}`로 고치세요.",
                        f"The key file {path} is readable by group or others (mode {_mode(path):04o}). "
                        f"Fix it with `chmod 600 {path}`.",
                    )
                )
        return out

    def check(self) -> None:
        """Raise :class:`KeyStoreError` naming every unsafe file and its fix."""
        found = self.problems()
        if found:
            raise KeyStoreError(
                "hubcity를 시작하지 않습니다(키 저장소가 안전하지 않음): " + " ".join(ko for ko, _ in found),
                "hubcity will not start (unsafe key store): " + " ".join(en for _, en in found),
            )

    def modes(self) -> dict[str, str | None]:
        """Each path of the store and its permission bits (``None``: missing)."""
        return {
            str(p): (f"{_mode(p):04o}" if p.exists() else None)
            for p in (self.root, self.lake_file, self.pseudonym_file)
        }

    # -- the keys ----------------------------------------------------------------------------
    def file_keyring(self) -> Keyring:
        """The keyring in ``lake.keys``, read again when the file changed (another process rotated)."""
        try:
            st = self.lake_file.stat()
        except FileNotFoundError:
            raise KeyStoreError(
                f"레이크 키 파일 {self.lake_file}이(가) 없습니다.",
                f"The lake key file {self.lake_file} is missing.",
            ) from None
        state = (st.st_ino, st.st_size, st.st_mtime_ns)
        loaded = self._loaded
        if loaded is not None and loaded.state == state:
            return loaded.ring
        with self._lock:
            ring = _parse_lake(self.lake_file)
            self._loaded = _Loaded(ring, state)
        return ring

    def keyring(self) -> Keyring:
        """The keys sealing and unsealing use: the file's, with an explicit ``HUBCITY_LAKE_KEY`` as the
        current and legacy key when one is set."""
        ring = self.file_keyring()
        over = self.lake_override
        if over is None:
            return ring
        keys = tuple(replace(k, legacy=False) for k in ring.keys if k.id != over.id)
        known = ring.get(over.id)
        return Keyring((*keys, replace(over, created=known.created) if known else over), over.id)

    def pseudonym_key(self) -> bytes:
        """The pseudonymisation master key: the explicit setting when set, else ``pseudonym.key``."""
        if self.pseudonym_override is not None:
            return self.pseudonym_override
        try:
            doc = json.loads(self.pseudonym_file.read_text("utf-8"))
            if doc.get("format") != _PSEUDONYM_FORMAT:
                raise ValueError(f"unknown format {doc.get('format')!r}")
            return base64.b64decode(doc["key"], validate=True)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyStoreError(
                f"가명처리 키 파일 {self.pseudonym_file}을(를) 읽을 수 없습니다: {exc}",
                f"The pseudonym key file {self.pseudonym_file} cannot be read: {exc}",
            ) from exc

    def pseudonym_origin(self) -> str:
        """Where the pseudonymisation key comes from: setting, legacy (derived as before), random."""
        if self.pseudonym_override is not None:
            return "setting"
        try:
            return str(json.loads(self.pseudonym_file.read_text("utf-8")).get("origin", "?"))
        except (OSError, ValueError):
            return "?"

    def save(self, ring: Keyring) -> None:
        """Replace ``lake.keys`` in one rename (0600): a reader sees the old keyring or the new one."""
        tmp = self.lake_file.with_name(f".{LAKE_FILE}.{uuid.uuid4().hex}.tmp")
        try:
            _write_new(tmp, _lake_json(ring))
            os.replace(tmp, self.lake_file)
        finally:
            tmp.unlink(missing_ok=True)

    @contextmanager
    def _locked(self, name: str, *, wait: bool) -> Iterator[None]:
        """An advisory lock on a file in the key folder (released when the process ends, too)."""
        fd = os.open(self.root / name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise KeyStoreError(
                    "다른 키 교체가 진행 중입니다.", "Another key rotation is running."
                ) from None
            yield
        finally:
            os.close(fd)

    def rotation_lock(self) -> AbstractContextManager[None]:
        """One rotation (or prune) at a time; a second one is refused at once."""
        return self._locked(".rotate.lock", wait=False)


def _lake_json(ring: Keyring) -> bytes:
    doc = {
        "format": _LAKE_FORMAT,
        "current": ring.current,
        "keys": [
            {
                "id": k.id,
                "created": k.created.isoformat(),
                "origin": "legacy" if k.legacy else "random",
                "key": base64.b64encode(k.material).decode("ascii"),
            }
            for k in ring.keys
        ],
    }
    return json.dumps(doc, indent=2).encode()


def _parse_lake(path: Path) -> Keyring:
    try:
        doc = json.loads(path.read_text("utf-8"))
        if doc.get("format") != _LAKE_FORMAT:
            raise ValueError(f"unknown format {doc.get('format')!r}")
        keys = []
        for entry in doc["keys"]:
            material = base64.b64decode(entry["key"], validate=True)
            key = LakeKey(
                id=str(entry["id"]),
                created=datetime.fromisoformat(entry["created"]),
                material=material,
                legacy=entry.get("origin") == "legacy",
            )
            if len(material) != 32 or key_id(material) != key.id:
                raise ValueError(f"key {key.id} does not match its id")
            keys.append(key)
        return Keyring(tuple(keys), str(doc["current"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyStoreError(
            f"레이크 키 파일 {path}을(를) 읽을 수 없습니다: {exc}",
            f"The lake key file {path} cannot be read: {exc}",
        ) from exc


# -- the sealed files of a lake ---------------------------------------------------------------


@dataclass
class SealedFile:
    """A sealed file: ``kind`` is data (a version's Parquet), original (an upload sealed whole) or
    view (a grant's view file, derived); ``keys``: the ids of the keys it uses."""

    path: Path
    kind: str
    keys: set[str] = field(default_factory=set)
    error: str | None = None


def _files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):  # temporary files of a write in progress
                yield Path(dirpath) / name


def scan_sealed(sealer: ColumnSealer, lake_root: Path, views_root: Path | None) -> list[SealedFile]:
    """Every sealed file of a local lake (and of the view folder) with the keys it uses."""
    out: list[SealedFile] = []
    for kind, root in (("lake", lake_root), ("view", views_root)):
        for path in _files(root) if root is not None else ():
            try:
                if path.suffix == ".parquet":
                    if not sealed_columns(path):
                        continue
                    found = SealedFile(path, "data" if kind == "lake" else "view")
                    found.keys = sealer.key_ids(path)
                elif path.suffix == ".sealed" and kind == "lake":
                    found = SealedFile(path, "original")
                    with path.open("rb") as fh:
                        found.keys = {sealer.file_key_id(fh)}
                else:
                    continue
            except Exception as exc:  # noqa: BLE001 - reported, and keeps every key in place
                found = SealedFile(path, "data" if path.suffix == ".parquet" else "original", error=str(exc))
            out.append(found)
    return out


@dataclass
class RotationReport:
    new_key: str | None  # None for a prune
    resealed: int = 0
    failed: list[tuple[Path, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # old keys still in use (or kept on purpose)
    waited_for_jobs: int = 0  # ingest jobs still running when the old keys were to go
    seconds: float = 0.0


def _usage(files: list[SealedFile], ring: Keyring) -> tuple[dict[str, int], bool]:
    """Files per key id (legacy ``enc1`` counted under the legacy key), and whether every file's keys
    are known."""
    legacy = ring.legacy
    counts: dict[str, int] = {}
    certain = True
    for f in files:
        if f.error is not None:
            certain = False
        for kid in f.keys:
            kid = legacy.id if kid == LEGACY and legacy is not None else kid
            counts[kid] = counts.get(kid, 0) + 1
    return counts, certain


def _refuse_override(store: KeyStore) -> None:
    if store.lake_override is not None:
        raise KeyStoreError(
            "HUBCITY_LAKE_KEY가 설정되어 있어 키 저장소의 키링보다 우선합니다. 교체하려면 그 설정을 "
            "지우세요(그 키는 이미 lake.keys에 들어 있어야 합니다: `hubcity keys status`).",
            "HUBCITY_LAKE_KEY is set and wins over the key store's keyring. Unset it to rotate (its key "
            "must already be in lake.keys: see `hubcity keys status`).",
        )


def _prune(
    store: KeyStore,
    sealer: ColumnSealer,
    lake_root: Path,
    views_root: Path | None,
    report: RotationReport,
    *,
    since: datetime,
    keep_old: bool,
    in_flight: Callable[[datetime], int] | None,
    wait_s: float,
) -> None:
    """Drop the keys other than the current one that no file uses, once the jobs that may still be
    sealing with one of them (created before ``since``) have finished."""
    ring = store.file_keyring()
    old = [k.id for k in ring.keys if k.id != ring.current]
    if keep_old or not old:
        report.kept = old
        return
    deadline = time.monotonic() + wait_s
    busy = in_flight(since) if in_flight else 0
    while busy and time.monotonic() < deadline:
        time.sleep(min(1.0, max(deadline - time.monotonic(), 0)))
        busy = in_flight(since) if in_flight else 0
    report.waited_for_jobs = busy
    counts, certain = _usage(scan_sealed(sealer, lake_root, views_root), ring)
    report.kept = [k for k in old if busy or not certain or counts.get(k)]
    report.removed = [k for k in old if k not in report.kept]
    if report.removed:
        store.save(Keyring(tuple(k for k in ring.keys if k.id not in report.removed), ring.current))


def rotate_lake_key(
    store: KeyStore,
    sealer: ColumnSealer,
    lake_root: Path,
    views_root: Path | None,
    *,
    keep_old: bool = False,
    progress: Callable[[int, int, SealedFile, float], None] | None = None,
    in_flight: Callable[[datetime], int] | None = None,
    wait_s: float = 300.0,
) -> RotationReport:
    """Add a random key, make it current, re-seal every sealed file with it (each through a temporary
    file renamed over it), then drop the old keys no file uses any more (unless ``keep_old``).

    The new key is saved before any file changes and an old key is dropped only when no file uses
    it, so a rotation stopped anywhere leaves every file readable; running it again finishes it.
    ``in_flight(t)``: how many jobs created before ``t`` are unfinished — an ingest that sealed its
    file with the old key before the rotation began may put it in the lake after the last scan, so
    old keys stay until those jobs are done (or ``wait_s`` runs out; then ``hubcity keys prune``)."""
    _refuse_override(store)
    started = time.monotonic()
    with store.rotation_lock():
        ring = store.file_keyring()
        files = scan_sealed(sealer, lake_root, views_root)
        counts, _ = _usage(files, ring)
        unknown = sorted(k for k in counts if ring.get(k) is None)
        if unknown:
            raise KeyStoreError(
                f"봉인된 파일이 키링에 없는 키({', '.join(unknown)})를 씁니다. 올바른 lake.keys를 "
                "되살린 뒤 교체하세요.",
                f"Sealed files use keys that are not in the keyring ({', '.join(unknown)}). Restore the "
                "right lake.keys before rotating.",
            )
        new = LakeKey.of(secrets.token_bytes(32))
        store.save(Keyring((*ring.keys, new), new.id))  # from now on every process seals with it
        since = datetime.now(UTC)
        report = RotationReport(new_key=new.id)
        todo = [f for f in files if f.error is None]
        for done, f in enumerate(todo, 1):
            t0 = time.monotonic()
            try:
                if f.kind == "original":
                    sealer.reseal_file(f.path, new)
                else:
                    sealer.reseal_columns(f.path, new)
                report.resealed += 1
            except Exception as exc:  # noqa: BLE001 - the file keeps its old key, which stays
                if f.path.exists():
                    report.failed.append((f.path, str(exc)))
                # else deleted meanwhile (a version removed, an ended grant's views): nothing to do
            if progress is not None:
                progress(done, len(todo), f, time.monotonic() - t0)
        report.failed += [(f.path, f.error) for f in files if f.error is not None]
        _prune(
            store,
            sealer,
            lake_root,
            views_root,
            report,
            since=since,
            keep_old=keep_old,
            in_flight=in_flight,
            wait_s=wait_s,
        )
    report.seconds = time.monotonic() - started
    return report


def prune_lake_keys(
    store: KeyStore,
    sealer: ColumnSealer,
    lake_root: Path,
    views_root: Path | None,
    *,
    in_flight: Callable[[datetime], int] | None = None,
    wait_s: float = 300.0,
) -> RotationReport:
    """Drop the old keys no sealed file uses (what a rotation does last, on its own)."""
    _refuse_override(store)
    started = time.monotonic()
    with store.rotation_lock():
        report = RotationReport(new_key=None)
        _prune(
            store,
            sealer,
            lake_root,
            views_root,
            report,
            since=datetime.now(UTC),
            keep_old=False,
            in_flight=in_flight,
            wait_s=wait_s,
        )
    report.seconds = time.monotonic() - started
    return report
