"""Query benchmark: hubcity's query API beside PostgreSQL and DuckDB, on a generated 민원 table.

Data: ``hubcity.demo.complaints`` writes ``--rows`` rows (default 10,000,000) from ``--seed``, once,
into ``var/bench/query-<rows>-<seed>/``. The same CSV is

- ingested into a real hubcity (SQLite metadata, local lake) through the product: a dataset and a
  resource upload, ``ResourceService.start_upload`` → ingest job → Parquet plus text index (timed;
  cached, re-ingested when the text index code changes);
- loaded into PostgreSQL (database ``hubcity_bench``, created here; ``COPY``), once, with b-tree
  indexes on 행정동+분야, 접수일자 and 처리부서 and a pg_trgm GIN index on 민원내용.

Queries:

- q1: count by 행정동 and 분야;
- q2: 접수일자 within March 2024, average 처리기간(일) by 처리부서;
- q3: top-10 처리부서 by count for rows whose 민원내용 contains '주차';
- q4: the same for '공영주차장'.

Systems, timed in the same run, interleaved, after one untimed pass (``--local-runs`` times each
on hubcity and DuckDB, ``--runs`` times on each PostgreSQL setting):

- hubcity: ``GET …/aggregate`` over HTTP to a uvicorn server on loopback (anonymous, public
  dataset), on one kept-alive connection (``http.client``), from the request to the parsed JSON;
- hubcity-httpx: the same request through httpx (a diagnostic: what a client library adds on
  its own side);
- hubcity-sql: ``POST /api/v1/query`` with the same SQL (the sandbox reads the Parquet file, and
  the LIKE of q3 and q4 through the column's text index);
- duckdb: the same SQL on the same Parquet file in this process, with hubcity's reader settings
  (2 threads, 1 GB, the Parquet metadata cache), on a connection kept open;
- pg-none / pg-btree / pg-trgm: PostgreSQL with no index, with only the b-tree indexes, and with
  every index (the others are dropped inside a transaction that is rolled back).

Targets (issue 3): q1, q2 ≥ 10× PostgreSQL without indexes and ≥ 2× PostgreSQL with its best
index; q3, q4 faster than PostgreSQL with pg_trgm; hubcity within 1.3× of DuckDB used directly;
p95 under 1 s for all four.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bench._server import Http, serve

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = Path(__file__).resolve().parent / "out"
SRC = ROOT / "src" / "hubcity"
DEFAULT_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_DB = "hubcity_bench"
DATASET, RESOURCE = "bench-complaints", "complaints"
QUERIES = ("q1", "q2", "q3", "q4")
SYSTEMS = ("hubcity", "hubcity-sql", "duckdb", "hubcity-httpx", "pg-none", "pg-btree", "pg-trgm")
MARCH = ("2024-03-01", "2024-03-31")

PG_COLUMNS = [
    ("접수번호", "text"),
    ("접수일자", "date"),
    ("행정동", "text"),
    ("분야", "text"),
    ("처리부서", "text"),
    ("처리기간(일)", "integer"),
    ("민원내용", "text"),
    ("연락처", "text"),
    ("금액", "text"),
]
PG_BTREE = {
    "bench_q_dong_cat": '("행정동", "분야")',
    "bench_q_date": '("접수일자")',
    "bench_q_dept": '("처리부서")',
}
PG_TRGM = {"bench_q_text_trgm": 'USING gin ("민원내용" gin_trgm_ops)'}


def _sql(table: str) -> dict[str, str]:
    """The four queries as SQL over ``table`` (Parquet view, PostgreSQL table or sandbox name)."""
    top = 'SELECT "처리부서", count(*) AS "count" FROM {t} WHERE "민원내용" LIKE \'%{w}%\' '
    top += 'GROUP BY "처리부서" ORDER BY "count" DESC, "처리부서" LIMIT 10'
    return {
        "q1": f'SELECT "행정동", "분야", count(*) AS "count" FROM {table} GROUP BY "행정동", "분야"',
        "q2": f'SELECT "처리부서", avg("처리기간(일)") AS "avg" FROM {table} '
        f"WHERE \"접수일자\" BETWEEN '{MARCH[0]}' AND '{MARCH[1]}' GROUP BY \"처리부서\"",
        "q3": top.format(t=table, w="주차"),
        "q4": top.format(t=table, w="공영주차장"),
    }


def _api_params() -> dict[str, dict[str, Any]]:
    return {
        "q1": {"group_by": "행정동,분야"},
        "q2": {
            "group_by": "처리부서",
            "metric": "avg:처리기간(일)",
            "접수일자__gte": MARCH[0],
            "접수일자__lte": MARCH[1],
        },
        "q3": {"group_by": "처리부서", "민원내용__like": "%주차%", "sort": "-count", "limit": 10},
        "q4": {"group_by": "처리부서", "민원내용__like": "%공영주차장%", "sort": "-count", "limit": 10},
    }


def _digest(rows: list[tuple[Any, ...]], query: str) -> str:
    """What must agree between systems: the groups and their counts (averages to 3 decimals)."""
    if query == "q2":
        norm = sorted((str(r[0]), round(float(r[1]), 3)) for r in rows)
    elif query == "q1":
        norm = sorted((str(r[0]), str(r[1]), int(r[2])) for r in rows)  # type: ignore[misc]
    else:
        norm = [(str(r[0]), int(r[1])) for r in rows]  # type: ignore[misc]
    return hashlib.sha256(repr(norm).encode()).hexdigest()[:12]


# -- data and the hubcity instance -------------------------------------------------------------


def _index_stamp() -> str:
    digest = hashlib.sha256()
    for path in (SRC / "adapters" / "engines" / "textindex.py", SRC / "domain" / "textindex.py"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _env(cache: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HUBCITY_DATA_DIR": str(cache / "var"),
        "HUBCITY_DATABASE_URL": f"sqlite:///{cache / 'meta.sqlite3'}",
        "HUBCITY_SECRET_KEY": "bench-query-secret-key-0123456789",
        "HUBCITY_ENVIRONMENT": "development",
        "HUBCITY_JOBS__WORKERS": "1",
        "HUBCITY_INGEST__MAX_UPLOAD_MB": "100000",
        "HUBCITY_QUERY__RATE_PER_MINUTE": json.dumps({"anonymous": 0}),
    }


def _generate(cache: Path, rows: int, seed: int) -> Path:
    from hubcity.demo.complaints import write_complaints_csv

    csv = cache / "complaints.csv"
    if not csv.exists():
        t0 = time.perf_counter()
        tmp = csv.with_suffix(".part")
        write_complaints_csv(tmp, rows, encoding="utf-8", seed=seed)
        tmp.rename(csv)
        mib = csv.stat().st_size / 2**20
        print(f"generated {rows:,} rows in {time.perf_counter() - t0:.1f} s ({mib:.0f} MiB)")
    return csv


def _ingest(cache: Path, csv: Path) -> dict[str, Any]:
    """A hubcity with the table ingested through the product; cached while the index code is the same."""
    marker = cache / "ingest.json"
    stamp = _index_stamp()
    if marker.exists():
        done = json.loads(marker.read_text())
        if done.get("stamp") == stamp:
            return dict(done)
    import shutil

    shutil.rmtree(cache / "var", ignore_errors=True)
    (cache / "meta.sqlite3").unlink(missing_ok=True)
    os.environ.update(_env(cache))
    from hubcity.bootstrap import bootstrap
    from hubcity.domain.accounts import SYSTEM
    from hubcity.services.resources import UploadRequest
    from hubcity.settings import Settings

    services = bootstrap(Settings(), immediate=True)  # type: ignore[call-arg]
    try:
        services.migrate()
        services.accounts.create_org(
            SYSTEM, slug="civil", title="민원봉사과", title_en="Civil Affairs", kind="bureau"
        )
        services.catalog.create_dataset(
            SYSTEM,
            {
                "name": DATASET,
                "title": "민원 처리 현황 (벤치마크)",
                "title_en": "Civil complaints (benchmark)",
                "keywords": ["민원"],
                "owner_org": "civil",
                "visibility": "public",
                "theme": "public-admin",
                "licence": "kogl-1",
            },
        )
        upload = cache / "upload.csv"
        os.link(csv, upload)
        t0 = time.perf_counter()
        job = services.resources.start_upload(
            SYSTEM,
            UploadRequest(dataset=DATASET, path=upload, filename="민원.csv", resource=RESOURCE),
            enqueue=False,
        )
        services.resources.run_job(job.id)
        seconds = time.perf_counter() - t0
        job = services.resources.get_job(SYSTEM, job.id)
        if job.error:
            raise RuntimeError(f"ingest failed: {job.error}")
        _, _, ver = services.resources.get_version(SYSTEM, DATASET, RESOURCE)
        parquet = services.resources.lake.local_path(ver.parquet_key or "")
        indexed = {c["name"]: c["text_index"] for c in ver.columns if c.get("text_index")}
        folder = parquet.parent
        index_bytes = sum(
            p.stat().st_size for stem in indexed.values() for p in folder.glob(f"{stem}.*.parquet")
        )
    finally:
        services.close()
    done = {
        "stamp": stamp,
        "seconds": seconds,
        "rows": ver.row_count,
        "csv_bytes": csv.stat().st_size,
        "parquet": str(parquet),
        "parquet_bytes": parquet.stat().st_size,
        "text_index_columns": sorted(indexed),
        "text_index_bytes": index_bytes,
    }
    marker.write_text(json.dumps(done, ensure_ascii=False, indent=2))
    return done


def _index_build_seconds(parquet: Path, work: Path) -> float:
    """The text index alone, built again from the published Parquet (the share of ingest it costs)."""
    from hubcity.adapters.engines.duckdb import DuckTableReader

    work.mkdir(parents=True, exist_ok=True)
    reader = DuckTableReader(threads=2, memory_limit="1GB", temp_dir=work / "tmp")
    cols = [{"name": "민원내용", "type": "text", "distinct_count": 10**9}]
    t0 = time.perf_counter()
    reader.build_text_indexes(parquet, cols, rows=10**9, dest=work / "data.text")
    seconds = time.perf_counter() - t0
    reader.close()
    for path in work.glob("data.text.*"):
        path.unlink()
    return seconds


# -- PostgreSQL ---------------------------------------------------------------------------------


def _pg_dsn(dsn: str) -> str:
    parts = [p for p in dsn.split() if not p.startswith("dbname=")]
    return " ".join([*parts, f"dbname={PG_DB}"])


def _pg_load(dsn: str, csv: Path, rows: int) -> dict[str, Any]:
    """The table and its indexes, once per row count (kept between runs)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_DB)))
    table = f"complaints_{rows}"
    info: dict[str, Any] = {"table": table}
    with psycopg.connect(_pg_dsn(dsn), autocommit=True, connect_timeout=5) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            info["pg_trgm"] = True
        except psycopg.Error as exc:
            info["pg_trgm"] = False
            info["pg_trgm_error"] = str(exc).strip().splitlines()[0]
        ready = conn.execute("SELECT obj_description(to_regclass(%s), 'pg_class')", [table]).fetchone()
        if ready and ready[0] == "ready":
            return info
        t = sql.Identifier(table)
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(t))
        cols = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(k)) for n, k in PG_COLUMNS
        )
        conn.execute(sql.SQL("CREATE TABLE {} ({})").format(t, cols))
        t0 = time.perf_counter()
        copy = sql.SQL("COPY {} FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')").format(t)
        with conn.cursor() as cur, open(csv, "rb") as fh, cur.copy(copy) as cp:
            while data := fh.read(1 << 20):
                cp.write(data)
        info["copy_seconds"] = time.perf_counter() - t0
        for name, spec in {**PG_BTREE, **(PG_TRGM if info["pg_trgm"] else {})}.items():
            t0 = time.perf_counter()
            conn.execute(f'CREATE INDEX "{name}_{rows}" ON "{table}" {spec}')
            info[f"index_seconds_{name}"] = time.perf_counter() - t0
            print(f"  PostgreSQL index {name}: {info[f'index_seconds_{name}']:.0f} s")
        conn.execute(sql.SQL("VACUUM ANALYZE {}").format(t))
        conn.execute(sql.SQL("COMMENT ON TABLE {} IS 'ready'").format(t))
    return info


class _Pg:
    """One PostgreSQL setting: the indexes not in it are dropped in a transaction rolled back at the end."""

    def __init__(self, dsn: str, table: str, drop: list[str]) -> None:
        import psycopg

        self.conn = psycopg.connect(_pg_dsn(dsn), connect_timeout=5)
        self.sql = _sql(f'"{table}"')
        rows = table.rpartition("_")[2]
        for name in drop:  # index names carry the row count: one table per size
            self.conn.execute(f'DROP INDEX IF EXISTS "{name}_{rows}"')

    def run(self, query: str) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(self.sql[query]).fetchall())

    def close(self) -> None:
        self.conn.rollback()
        self.conn.close()


# -- timing ------------------------------------------------------------------------------------


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(0.95 * len(ordered))) - 1))]


def _time(
    runners: dict[str, Callable[[str], list[tuple[Any, ...]]]],
    runs: int,
    times: dict[str, dict[str, list[float]]],
    digests: dict[str, dict[str, str]],
    label: str,
) -> None:
    """Each query on each system, interleaved; the first pass is untimed and checks the answers."""
    for run_no in range(runs + 1):
        for q in QUERIES:
            for system, fn in runners.items():
                t0 = time.perf_counter()
                rows = fn(q)
                elapsed = (time.perf_counter() - t0) * 1000
                if run_no == 0:
                    digests[system][q] = _digest(rows, q)
                else:
                    times[system][q].append(elapsed)
    print(f"  timed {label}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows in the 민원 table (10,000,000)")
    parser.add_argument(
        "--runs", type=int, default=5, help="timed runs of each query on each PostgreSQL setting (5)"
    )
    parser.add_argument(
        "--local-runs",
        type=int,
        default=20,
        help="timed runs of each query on hubcity and DuckDB (20: a median of 5 runs of a 10 ms query "
        "moved by ±20 %% between identical runs on a shared machine)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--dsn", default=os.environ.get("BENCH_PG_DSN", DEFAULT_DSN), help="PostgreSQL DSN")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--out", type=Path, default=None, help="JSON results (bench/out/query-<date>.json)")


def run(args: argparse.Namespace) -> int:
    import duckdb
    import httpx

    started = datetime.now()
    cache = ROOT / "var" / "bench" / f"query-{args.rows}-{args.seed}"
    cache.mkdir(parents=True, exist_ok=True)
    csv = _generate(cache, args.rows, args.seed)
    ingest = _ingest(cache, csv)
    print(
        f"ingest through hubcity: {ingest['rows']:,} rows in {ingest['seconds']:.1f} s "
        f"({ingest['csv_bytes'] / 2**20 / ingest['seconds']:.1f} MiB/s), "
        f"text index on {ingest['text_index_columns']} ({ingest['text_index_bytes'] / 2**20:.0f} MiB "
        f"beside {ingest['parquet_bytes'] / 2**20:.0f} MiB of data)"
    )
    ingest["text_index_seconds"] = _index_build_seconds(Path(ingest["parquet"]), cache / "index-check")
    print(f"  of which the text index alone takes {ingest['text_index_seconds']:.1f} s")
    skipped: dict[str, str] = {}
    pg_info: dict[str, Any] = {}
    if args.no_postgres:
        skipped["postgres"] = "--no-postgres"
    else:
        try:
            print("loading PostgreSQL (once per row count) …")
            pg_info = _pg_load(args.dsn, csv, args.rows)
        except Exception as exc:  # noqa: BLE001 - report and go on without PostgreSQL
            skipped["postgres"] = str(exc).strip().splitlines()[0]
    if pg_info and not pg_info.get("pg_trgm"):
        skipped["pg-trgm"] = f"pg_trgm not available: {pg_info.get('pg_trgm_error')}"

    parquet = Path(ingest["parquet"])
    duck = duckdb.connect(config={"threads": 2, "memory_limit": "1GB"})
    duck.execute("SET parquet_metadata_cache = true")  # as hubcity's reader: the same engine, like for like
    duck_sql = _sql(f"read_parquet('{parquet}')")
    sandbox_sql = _sql(f'"{DATASET}"."{RESOURCE}"')
    times: dict[str, dict[str, list[float]]] = {s: {q: [] for q in QUERIES} for s in SYSTEMS}
    digests: dict[str, dict[str, str]] = {s: {} for s in SYSTEMS}
    with serve(cache, _env(cache), args.port, f"/api/v1/datasets/{DATASET}") as base:
        client = Http(base)
        httpx_client = httpx.Client(base_url=base, timeout=120)
        api = _api_params()
        agg_url = f"/api/v1/datasets/{DATASET}/resources/{RESOURCE}/aggregate"

        def hub(q: str) -> list[tuple[Any, ...]]:
            return [tuple(r.values()) for r in client.get(agg_url, api[q])["rows"]]

        def hub_httpx(q: str) -> list[tuple[Any, ...]]:
            res = httpx_client.get(agg_url, params=api[q])
            res.raise_for_status()
            return [tuple(r.values()) for r in res.json()["rows"]]

        def hub_sql(q: str) -> list[tuple[Any, ...]]:
            return [tuple(r.values()) for r in client.post("/api/v1/query", {"sql": sandbox_sql[q]})["rows"]]

        def direct(q: str) -> list[tuple[Any, ...]]:
            return list(duck.execute(duck_sql[q]).fetchall())

        runners: dict[str, Callable[[str], list[tuple[Any, ...]]]] = {
            "hubcity": hub,
            "hubcity-sql": hub_sql,
            "duckdb": direct,
            "hubcity-httpx": hub_httpx,  # a diagnostic: after the systems the targets compare
        }
        ran = list(runners)
        try:
            _time(runners, args.local_runs, times, digests, "hubcity and DuckDB")
        finally:
            client.close()
            httpx_client.close()
    if "postgres" not in skipped:
        # one setting at a time: each drops the indexes it must not use inside its own transaction
        table = pg_info["table"]
        every = [*PG_BTREE, *(PG_TRGM if pg_info.get("pg_trgm") else {})]
        settings = {"pg-none": every, "pg-btree": list(PG_TRGM)}
        if "pg-trgm" not in skipped:
            settings["pg-trgm"] = []
        for name, drop in settings.items():
            pg = _Pg(args.dsn, table, drop)
            try:
                _time({name: pg.run}, args.runs, times, digests, name)
            finally:
                pg.close()
            ran.append(name)
    duck.close()
    report = _report(times, digests, ran)
    _print(report, args, ingest, skipped)
    out = _write_json(args, started, ingest, pg_info, skipped, report)
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


def _report(
    times: dict[str, dict[str, list[float]]], digests: dict[str, dict[str, str]], systems: Any
) -> dict[str, Any]:
    ran = list(systems)
    stats = {
        s: {
            q: {"median_ms": statistics.median(v), "p95_ms": _p95(v), "runs_ms": v}
            for q, v in times[s].items()
            if v
        }
        for s in ran
    }
    med = {s: {q: stats[s][q]["median_ms"] for q in stats[s]} for s in ran}
    targets: list[dict[str, Any]] = []

    def target(name: str, ratio: float | None, need: float, higher: bool = True) -> None:
        met = None if ratio is None else (ratio >= need if higher else ratio <= need)
        targets.append({"target": name, "ratio": ratio, "need": need, "met": met})

    hub = med["hubcity"]
    for q in ("q1", "q2"):
        if "pg-none" in med:
            target(f"{q}: PostgreSQL without indexes / hubcity ≥ 10", med["pg-none"][q] / hub[q], 10)
            best = min(med["pg-btree"][q], med.get("pg-trgm", med["pg-btree"])[q])
            target(f"{q}: PostgreSQL best index / hubcity ≥ 2", best / hub[q], 2)
    for q in ("q3", "q4"):
        if "pg-trgm" in med:
            target(f"{q}: PostgreSQL pg_trgm / hubcity > 1", med["pg-trgm"][q] / hub[q], 1.0 + 1e-9)
    for q in QUERIES:
        target(f"{q}: hubcity / DuckDB direct ≤ 1.3", hub[q] / med["duckdb"][q], 1.3, higher=False)
        p95 = stats["hubcity"][q]["p95_ms"]
        target(f"{q}: hubcity p95 < 1000 ms", p95, 1000 - 1e-9, higher=False)
    agree = {q: {s: digests[s].get(q) for s in ran} for q in QUERIES}
    return {"stats": stats, "targets": targets, "answers": agree}


def _print(
    report: dict[str, Any], args: argparse.Namespace, ingest: dict[str, Any], skipped: dict[str, str]
) -> None:
    stats = report["stats"]
    systems = list(stats)
    print(
        f"\nquery latency, {args.rows:,} rows, {args.local_runs} runs on hubcity and DuckDB, "
        f"{args.runs} on PostgreSQL (ms, median / p95)"
    )
    print(f"{'system':<14}" + "".join(f"{q:>18}" for q in QUERIES))
    for s in systems:
        cells = "".join(
            f"{stats[s][q]['median_ms']:>9.1f} /{stats[s][q]['p95_ms']:>7.1f}"
            if q in stats[s]
            else f"{'-':>18}"
            for q in QUERIES
        )
        print(f"{s:<14}{cells}")
    print("\nanswers (digest of groups and counts; must agree across systems):")
    for q, by in report["answers"].items():
        same = len(set(by.values())) == 1
        print(f"  {q}: {'same' if same else 'DIFFERENT ' + json.dumps(by)}")
    print("\ntargets:")
    for t in report["targets"]:
        mark = "n/a" if t["met"] is None else ("met" if t["met"] else "MISSED")
        ratio = "-" if t["ratio"] is None else f"{t['ratio']:.2f}"
        print(f"  {t['target']:<52} {ratio:>9}  {mark}")
    for what, why in skipped.items():
        print(f"skipped {what}: {why}")


def _write_json(
    args: argparse.Namespace,
    started: datetime,
    ingest: dict[str, Any],
    pg_info: dict[str, Any],
    skipped: dict[str, str],
    report: dict[str, Any],
) -> Path:
    import duckdb
    import psutil

    out = args.out or OUT_DIR / f"query-{started:%Y-%m-%d}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    versions: dict[str, Any] = {"python": platform.python_version(), "duckdb": duckdb.__version__}
    if "postgres" not in skipped:
        with contextlib.suppress(Exception):
            import psycopg

            with psycopg.connect(args.dsn, connect_timeout=3) as conn:
                row = conn.execute("SHOW server_version").fetchone()
                versions["postgresql"] = row[0] if row else None
    doc = {
        "benchmark": "query",
        "started": started.isoformat(timespec="seconds"),
        "rows": args.rows,
        "runs": args.runs,
        "local_runs": args.local_runs,
        "seed": args.seed,
        "machine": {
            "cpus": os.cpu_count(),
            "memory_bytes": psutil.virtual_memory().total,
            "platform": platform.platform(),
            "load_average_at_end": os.getloadavg(),
            "note": "2 shared cores; other work ran on the machine during the run",
        },
        "versions": versions,
        "timed_with": "http.client, one kept-alive connection (hubcity-httpx: httpx)",
        "ingest": ingest,
        "postgres": pg_info,
        "skipped": skipped,
        **report,
    }
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out
