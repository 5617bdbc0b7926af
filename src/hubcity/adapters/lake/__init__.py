"""The lake: Parquet versions and original uploads, on local disk or any fsspec URL (s3://…)."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, cast

import fsspec

__all__ = ["FsspecLake", "LocalLake", "make_lake"]


class LocalLake:
    """A folder. Files are moved in with an atomic rename, so a reader never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._resolved_root = root.resolve()  # resolved once: every read of a version asks for paths
        # key -> resolved path: resolving walks every folder of the path (a system call each), and
        # a request for a version's rows asks for the same few keys again and again
        self._paths: dict[str, Path] = {}

    def _path(self, key: str) -> Path:
        path = self._paths.get(key)
        if path is not None:
            return path
        path = (self.root / key).resolve()
        if self._resolved_root not in path.parents:
            raise ValueError(f"key outside the lake: {key}")
        if len(self._paths) >= 10_000:
            self._paths.clear()
        self._paths[key] = path
        return path

    def put(self, local: Path, key: str) -> None:
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.part")
        try:
            os.link(local, tmp)
        except OSError:
            shutil.copyfile(local, tmp)
        os.replace(tmp, dest)

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        with self._path(key).open("rb") as fh:
            yield fh

    def local_path(self, key: str) -> Path:
        return self._path(key)

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size


class FsspecLake:
    """Any fsspec filesystem (S3, GCS, memory …). Reads go through a local cache folder."""

    def __init__(self, url: str, cache_dir: Path, **storage_options: Any) -> None:
        self.fs, root = fsspec.core.url_to_fs(url, **storage_options)
        self.root = root.rstrip("/")
        self.cache_dir = cache_dir
        self.cache_dir.mkdir(parents=True, exist_ok=True)

    def _url(self, key: str) -> str:
        return f"{self.root}/{key}"

    def put(self, local: Path, key: str) -> None:
        self.fs.put_file(str(local), self._url(key))

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        with self.fs.open(self._url(key), "rb") as fh:
            yield cast(BinaryIO, fh)

    def local_path(self, key: str) -> Path:
        # versions are immutable, so a cached copy never goes stale
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        local = self.cache_dir / f"{digest}-{Path(key).name}"
        if not local.exists():
            # a download of its own per caller: threads that miss the cache together must not
            # write to (and rename away) one shared temporary file
            tmp = local.with_name(f".{local.name}.{uuid.uuid4().hex}.part")
            try:
                self.fs.get_file(self._url(key), str(tmp))
                os.replace(tmp, local)
            finally:
                tmp.unlink(missing_ok=True)
        return local

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self._url(key)))

    def delete(self, key: str) -> None:
        if self.fs.exists(self._url(key)):
            self.fs.rm(self._url(key))

    def size(self, key: str) -> int:
        return int(self.fs.size(self._url(key)))


def make_lake(url: str, cache_dir: Path) -> LocalLake | FsspecLake:
    if "://" not in url or url.startswith("file://"):
        return LocalLake(Path(url.removeprefix("file://")))
    return FsspecLake(url, cache_dir)
