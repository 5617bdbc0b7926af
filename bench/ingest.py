"""Ingest benchmark: hubcity end to end beside DuckDB and PostgreSQL COPY, on the demo 민원 table.

Files: a generated complaint CSV (``hubcity.demo.complaints``) of ``--rows`` rows, once in
UTF-8 and once in CP949. Each measurement runs in a fresh child process
(``bench._worker``): its time is the ingest step only, its peak RSS is the child's own.

- hubcity: ``ingest_file`` — encoding detection over the whole file, typing, Parquet, profile
  and quality report;
- DuckDB: ``COPY (SELECT * FROM read_csv(f)) TO out.parquet`` on the UTF-8 file (DuckDB cannot
  read CP949 without an extension);
- PostgreSQL: ``COPY t FROM STDIN (FORMAT csv, HEADER, ENCODING 'WIN949' | 'UTF8')`` into a
  typed table, streamed in 1 MB blocks (the fastest step of CKAN's xloader path).

Targets (issue): hubcity UTF-8 ≥ 0.5× DuckDB; hubcity CP949 ≥ 0.8× PostgreSQL COPY;
peak RSS < 1 GiB on a 2 GB file (``--big``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = Path(__file__).resolve().parent / "out"
GIB = 1024**3
MB = 1_000_000
MIB = 1024 * 1024
DEFAULT_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@dataclass
class Measurement:
    engine: str
    file: str  # "utf-8" / "cp949" / "utf-8 (big)"
    path: Path
    bytes: int
    rows: int
    runs: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def ok_runs(self) -> list[dict[str, Any]]:
        return [r for r in self.runs if "seconds" in r]

    @property
    def seconds(self) -> float | None:
        runs = self.ok_runs
        return statistics.median(r["seconds"] for r in runs) if runs else None

    @property
    def mb_per_s(self) -> float | None:
        s = self.seconds
        return self.bytes / MB / s if s else None

    @property
    def rows_per_s(self) -> float | None:
        s = self.seconds
        return self.rows / s if s else None

    @property
    def peak_rss(self) -> int | None:
        runs = self.ok_runs
        return max(r["peak_rss_bytes"] for r in runs) if runs else None

    def summary(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "file": self.file,
            "bytes": self.bytes,
            "rows": self.rows,
            "seconds_median": self.seconds,
            "seconds_all": [r["seconds"] for r in self.ok_runs],
            "mb_per_s": self.mb_per_s,
            "rows_per_s": self.rows_per_s,
            "peak_rss_bytes": self.peak_rss,
            "error": self.error,
            "detail": self.ok_runs[-1].get("detail") if self.ok_runs else None,
        }


@dataclass
class Comparison:
    subject: str  # "hubcity/utf-8"
    baseline: str  # "duckdb/utf-8"
    ratio: float | None  # subject rows/s ÷ baseline rows/s (= MB/s ratio on the same file)
    target: float | None  # None: informational
    result: str  # PASS / MISS / n/a


# -- helpers --------------------------------------------------------------------------------------


def _hubcity_available() -> str | None:
    """None when ``ingest_file`` can be imported, else why not."""
    code = "from hubcity.adapters.readers import ingest_file"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode == 0:
        return None
    lines = proc.stderr.strip().splitlines()
    return lines[-1] if lines else "import failed"


def _postgres_available(dsn: str) -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "skip PostgreSQL"
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _run_child(spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench._worker", json.dumps(spec, ensure_ascii=False)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        return {"error": " | ".join(tail) or f"exit {proc.returncode}"}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _generate(path: Path, rows: int, encoding: str) -> int:
    from hubcity.demo.complaints import write_complaints_csv

    t0 = time.perf_counter()
    size = write_complaints_csv(path, rows, encoding=encoding)
    print(f"  generated {path.name}: {rows:,} rows, {size / MB:,.1f} MB in {time.perf_counter() - t0:.1f} s")
    return size


def _measure(m: Measurement, run: int, work: Path, dsn: str, timeout: float) -> None:
    dest = work / f"out-{m.engine}-{run}.parquet"
    spec = {
        "engine": m.engine,
        "src": str(m.path),
        "dest": str(dest),
        "encoding": "cp949" if m.file.startswith("cp949") else "utf-8",
        "work_dir": str(work / "scratch"),
        "dsn": dsn,
    }
    (work / "scratch").mkdir(exist_ok=True)
    try:
        result = _run_child(spec, timeout)
    except subprocess.TimeoutExpired:
        result = {"error": f"timed out after {timeout:.0f} s"}
    finally:
        dest.unlink(missing_ok=True)
    if "error" in result:
        m.error = result["error"]
        print(f"  run {run + 1}: {m.engine:8} {m.file:12} FAILED: {m.error}")
        return
    if result.get("rows") is not None and result["rows"] != m.rows:
        m.error = f"row count {result['rows']:,} != {m.rows:,}"
    m.runs.append(result)
    print(
        f"  run {run + 1}: {m.engine:8} {m.file:12} {result['seconds']:7.2f} s  "
        f"{m.bytes / MB / result['seconds']:7.1f} MB/s  peak RSS {result['peak_rss_bytes'] / MIB:7.0f} MiB"
    )


def _find(ms: list[Measurement], engine: str, file: str) -> Measurement | None:
    return next((m for m in ms if m.engine == engine and m.file == file and m.seconds), None)


def _compare(
    ms: list[Measurement], subject: tuple[str, str], baseline: tuple[str, str], target: float | None
) -> Comparison:
    s, b = _find(ms, *subject), _find(ms, *baseline)
    ratio = s.rows_per_s / b.rows_per_s if s and b and s.rows_per_s and b.rows_per_s else None
    if ratio is None or target is None:
        result = "n/a"
    else:
        result = "PASS" if ratio >= target else "MISS"
    return Comparison("/".join(subject), "/".join(baseline), ratio, target, result)


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _print_table(
    ms: list[Measurement], comparisons: list[Comparison], rss_checks: list[dict[str, Any]]
) -> None:
    by_subject = {c.subject: c for c in comparisons if c.target is not None}
    info = {c.subject: c for c in comparisons if c.target is None}
    header = (
        f"{'engine':10} {'file':12} {'MB':>8} {'seconds':>8} {'MB/s':>8} {'rows/s':>11} {'peak RSS MiB':>13}"
        f"  {'ratio (vs)':28} {'target':>7} {'result':>6}"
    )
    print()
    print(header)
    print("-" * len(header))
    for m in ms:
        key = f"{m.engine}/{m.file}"
        c = by_subject.get(key) or info.get(key)
        ratio = f"{_fmt(c.ratio, '.2f')}× ({c.baseline})" if c else ""
        target = f"≥{c.target:.1f}×" if c and c.target is not None else ""
        result = c.result if c and c.target is not None else ""
        rss = m.peak_rss
        print(
            f"{m.engine:10} {m.file:12} {m.bytes / MB:8.1f} {_fmt(m.seconds, '8.2f'):>8} "
            f"{_fmt(m.mb_per_s, '8.1f'):>8} {_fmt(m.rows_per_s, ',.0f'):>11} "
            f"{_fmt(rss / MIB if rss else None, '.0f'):>13}  {ratio:28} {target:>7} {result:>6}"
        )
        if m.error:
            print(f"{'':10} ! {m.error}")
    shown: set[str] = set()
    for m in ms:
        detail = m.ok_runs[-1].get("detail") if m.ok_runs else None
        if not detail or "types" not in detail or m.engine in shown:
            continue
        shown.add(m.engine)
        enc = f"detected {detail['source_encoding']}; " if detail.get("source_encoding") else ""
        types = ", ".join(f"{k}={v}" for k, v in detail["types"].items())
        print(f"\n{m.engine} typed ({enc}{m.file}): {types}")
    for check in rss_checks:
        print(
            f"\npeak RSS of hubcity on {check['file_gb']:.2f} GB ({check['rows']:,} rows): "
            f"{_fmt(check['peak_rss_mib'], '.0f')} MiB, target < {check['target_mib']} MiB: {check['result']}"
        )
    print(
        "\nNotes: times are the ingest step only, median of the runs; peak RSS is the child process's"
        " own (max over runs)\n  — for PostgreSQL only the client's, the server's memory is not counted."
        '\n  PostgreSQL loads 금액 ("1,234") as text: COPY cannot parse thousands separators into numeric.'
        "\n  DuckDB has no CP949 reader without an extension, so it runs on the UTF-8 file only."
    )


# -- entry point ------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the generated files (1,000,000)")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per measurement; the median is reported (3)"
    )
    parser.add_argument(
        "--big", action="store_true", help="also ingest a ~2 GB UTF-8 file and check peak RSS"
    )
    parser.add_argument("--big-gb", type=float, default=2.0, help="size of the --big file in GiB (2)")
    parser.add_argument(
        "--engines",
        default="hubcity,duckdb,postgres",
        help="comma-separated subset of hubcity,duckdb,postgres",
    )
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where to put generated files (a temp dir)"
    )
    parser.add_argument("--dsn", default=os.environ.get("BENCH_PG_DSN", DEFAULT_DSN), help="PostgreSQL DSN")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds before a run is abandoned")
    parser.add_argument("--out", type=Path, default=None, help="JSON results (bench/out/ingest-<date>.json)")


def run(args: argparse.Namespace) -> int:
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    runs = max(1, args.runs)
    skipped: dict[str, str] = {}
    if "hubcity" in engines and (why := _hubcity_available()):
        skipped["hubcity"] = why
    if "postgres" in engines and (why := _postgres_available(args.dsn)):
        skipped["postgres"] = why
    for engine, why in skipped.items():
        print(f"skipping {engine}: {why}")
    engines = [e for e in engines if e not in skipped]

    base = Path(tempfile.mkdtemp(prefix="hubcity-bench-", dir=args.workdir))
    started = datetime.now()
    measurements: list[Measurement] = []
    rss_checks: list[dict[str, Any]] = []
    print(f"ingest benchmark: {args.rows:,} rows, {runs} run(s) each, work dir {base}")
    try:
        utf8, cp949 = base / "complaints_utf8.csv", base / "complaints_cp949.csv"
        files = {"utf-8": (utf8, _generate(utf8, args.rows, "utf-8"))}
        if {"hubcity", "postgres"} & set(engines):
            files["cp949"] = (cp949, _generate(cp949, args.rows, "cp949"))
        plan = [
            ("hubcity", "utf-8"),
            ("duckdb", "utf-8"),
            ("postgres", "utf-8"),
            ("hubcity", "cp949"),
            ("postgres", "cp949"),
        ]
        for engine, file in plan:
            if engine in engines and file in files:
                path, size = files[file]
                measurements.append(Measurement(engine, file, path, size, args.rows))
        for i in range(runs):
            for m in measurements:
                if m.error is None or m.runs:
                    _measure(m, i, base, args.dsn, args.timeout)
        for path, _ in files.values():
            path.unlink(missing_ok=True)

        if args.big:
            if "hubcity" not in engines:
                print("--big needs hubcity; skipped")
            else:
                rss_checks.append(_big(base, args, measurements))
    finally:
        shutil.rmtree(base, ignore_errors=True)

    comparisons = [
        _compare(measurements, ("hubcity", "utf-8"), ("duckdb", "utf-8"), 0.5),
        _compare(measurements, ("hubcity", "cp949"), ("postgres", "cp949"), 0.8),
        _compare(measurements, ("postgres", "utf-8"), ("duckdb", "utf-8"), None),
        _compare(measurements, ("postgres", "cp949"), ("postgres", "utf-8"), None),
    ]
    _print_table(measurements, comparisons, rss_checks)
    out = _write_json(args, started, runs, measurements, comparisons, rss_checks, skipped)
    print(f"\nresults: {out}")
    return 0


def _big(base: Path, args: argparse.Namespace, measurements: list[Measurement]) -> dict[str, Any]:
    from hubcity.demo.complaints import write_complaints_csv

    probe = base / "probe.csv"
    per_row = write_complaints_csv(probe, 20_000, encoding="utf-8") / 20_000
    probe.unlink()
    target_bytes = int(args.big_gb * GIB)
    free = shutil.disk_usage(base).free
    if free < target_bytes * 2.2:
        print(
            f"--big: only {free / GIB:.1f} GiB free in {base}, need ~{target_bytes * 2.2 / GIB:.1f}; skipped"
        )
        return {"file_gb": args.big_gb, "rows": 0, "peak_rss_mib": None, "target_mib": 1024, "result": "n/a"}
    rows = int(target_bytes / per_row)
    path = base / "complaints_big_utf8.csv"
    print(f"--big: generating ~{args.big_gb:.1f} GiB ({rows:,} rows)")
    size = _generate(path, rows, "utf-8")
    m = Measurement("hubcity", "utf-8 (big)", path, size, rows)
    measurements.append(m)
    try:
        _measure(m, 0, base, args.dsn, args.timeout)
    finally:
        path.unlink(missing_ok=True)
    rss = m.peak_rss
    return {
        "file_gb": size / 1e9,
        "rows": rows,
        "peak_rss_mib": rss / MIB if rss else None,
        "target_mib": 1024,
        "result": "n/a" if rss is None else ("PASS" if rss < GIB else "MISS"),
    }


def _versions(dsn: str, postgres: bool) -> dict[str, Any]:
    versions: dict[str, Any] = {"python": platform.python_version()}
    try:
        import duckdb

        versions["duckdb"] = duckdb.__version__
    except ImportError:
        pass
    try:
        import hubcity

        versions["hubcity"] = getattr(hubcity, "__version__", None)
    except ImportError:
        pass
    if postgres:
        try:
            import psycopg

            versions["psycopg"] = psycopg.__version__
            with psycopg.connect(dsn, connect_timeout=3) as conn:
                row = conn.execute("SHOW server_version").fetchone()
                versions["postgresql"] = row[0] if row else None
        except Exception:  # noqa: BLE001 - informational only
            pass
    return versions


def _write_json(
    args: argparse.Namespace,
    started: datetime,
    runs: int,
    ms: list[Measurement],
    comparisons: list[Comparison],
    rss_checks: list[dict[str, Any]],
    skipped: dict[str, str],
) -> Path:
    import psutil

    out = args.out or OUT_DIR / f"ingest-{started:%Y-%m-%d}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "benchmark": "ingest",
        "started": started.isoformat(timespec="seconds"),
        "rows": args.rows,
        "runs": runs,
        "machine": {
            "cpus": os.cpu_count(),
            "memory_bytes": psutil.virtual_memory().total,
            "platform": platform.platform(),
        },
        "versions": _versions(args.dsn, "postgres" not in skipped),
        "skipped": skipped,
        "measurements": [m.summary() for m in ms],
        "comparisons": [asdict(c) for c in comparisons],
        "rss_checks": rss_checks,
    }
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out
