"""One measurement, run in its own process so its peak RSS is its own.

    python -m bench._worker '{"engine": "duckdb", "src": "...", "dest": "...", ...}'

Prints one JSON line: seconds (the timed step only; interpreter start-up and imports are
outside it), peak RSS of this process, rows and engine-specific details.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

# The typed table PostgreSQL loads into. 금액 holds "1,234": COPY cannot put that into a
# numeric column, so it stays text (CKAN's xloader loads every column as text anyway).
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
PG_ENCODINGS = {"utf-8": "UTF8", "cp949": "WIN949"}


def _peak_rss_bytes() -> int:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) * 1024  # kilobytes on Linux


def run_hubcity(spec: dict[str, Any]) -> dict[str, Any]:
    from hubcity.adapters.readers import ingest_file
    from hubcity.domain.ingest import IngestOptions

    src, dest = Path(spec["src"]), Path(spec["dest"])
    rss_before = _peak_rss_bytes()
    t0 = time.perf_counter()
    outcome = ingest_file(
        src, dest, filename=src.name, options=IngestOptions(), work_dir=Path(spec["work_dir"])
    )
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "rows": outcome.row_count,
        "rss_before_bytes": rss_before,
        "detail": {
            "source_encoding": outcome.source_encoding,
            "types": {c.name: str(c.type) for c in outcome.columns},
            "quality_score": outcome.quality.score,
            "warnings": len(outcome.warnings),
            "parquet_bytes": dest.stat().st_size,
        },
    }


def run_duckdb(spec: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    src, dest = spec["src"], spec["dest"]
    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{spec['work_dir']}'")
    rss_before = _peak_rss_bytes()
    t0 = time.perf_counter()
    result = con.execute(f"COPY (SELECT * FROM read_csv('{src}')) TO '{dest}' (FORMAT parquet)").fetchone()
    seconds = time.perf_counter() - t0
    types = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{dest}')").fetchall()
    threads = con.execute("SELECT current_setting('threads')").fetchone()
    return {
        "seconds": seconds,
        "rows": int(result[0]) if result else None,
        "rss_before_bytes": rss_before,
        "detail": {
            "types": {name: kind for name, kind, *_ in types},
            "threads": threads[0] if threads else None,
            "duckdb": duckdb.__version__,
            "parquet_bytes": Path(dest).stat().st_size,
        },
    }


def run_postgres(spec: dict[str, Any]) -> dict[str, Any]:
    import psycopg
    from psycopg import sql

    src = Path(spec["src"])
    table = sql.Identifier(f"bench_ingest_{os.getpid()}")
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind)) for name, kind in PG_COLUMNS
    )
    copy = sql.SQL("COPY {} FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING {})").format(
        table, sql.Literal(PG_ENCODINGS[spec["encoding"]])
    )
    block = 1024 * 1024
    with psycopg.connect(spec["dsn"], connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
        conn.execute(sql.SQL("CREATE TABLE {} ({})").format(table, columns))
        conn.commit()
        try:
            rss_before = _peak_rss_bytes()
            t0 = time.perf_counter()
            with conn.cursor() as cur, open(src, "rb") as f:
                with cur.copy(copy) as cp:
                    while data := f.read(block):
                        cp.write(data)
                rows = cur.rowcount
            conn.commit()
            seconds = time.perf_counter() - t0
            size = conn.execute(
                sql.SQL("SELECT pg_total_relation_size({})").format(sql.Literal(table.as_string(conn)))
            )
            table_bytes = size.fetchone()
        finally:
            conn.rollback()
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
            conn.commit()
        version = conn.info.server_version
    return {
        "seconds": seconds,
        "rows": rows,
        "rss_before_bytes": rss_before,
        "detail": {
            "server_version": version,
            "table_bytes": table_bytes[0] if table_bytes else None,
            "note": "client RSS only; 금액 loaded as text (COPY cannot parse '1,234' into numeric)",
        },
    }


ENGINES = {"hubcity": run_hubcity, "duckdb": run_duckdb, "postgres": run_postgres}


def main() -> None:
    spec = json.loads(sys.argv[1])
    result = ENGINES[spec["engine"]](spec)
    result["peak_rss_bytes"] = _peak_rss_bytes()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
