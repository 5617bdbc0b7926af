"""The Spark adapter's text rules, without a JVM: what Spark is given for SQL DuckDB admitted.

The engine itself, on Spark, runs the shared SQL suite in tests/services/test_sql_engines.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hubcity.adapters.engines.spark import BLOCKED_FUNCTIONS, _uri, spark_text, type_name
from hubcity.errors import QueryError


@pytest.mark.parametrize(
    ("sql", "spark"),
    [
        # Spark takes only ASCII letters in a bare name
        ("SELECT p.행정동 FROM t p", 'SELECT p."행정동" FROM t p'),
        ('SELECT "행정동", 인구_수 FROM t', 'SELECT "행정동", "인구_수" FROM t'),
        # Spark reads a backslash in a string as an escape, DuckDB as a character
        ("SELECT '\\d+' AS x", "SELECT '\\\\d+' AS x"),
        ("SELECT 'a\\' AS x, ' , reflect(1) --' AS y", "SELECT 'a\\\\' AS x, ' , reflect(1) --' AS y"),
        ("SELECT 'it''s' AS x, X'00' AS b", "SELECT 'it''s' AS x, X'00' AS b"),
        # comments are left out: a hint never reaches Spark, nor a comment Spark would read on
        ("SELECT /*+ REPARTITION(3) */ 1", "SELECT   1"),
        ("SELECT 1 -- c \\\n, 2", "SELECT 1  \n, 2"),
        ("SELECT 1 /* a /* nested */ b */ AS x", "SELECT 1   AS x"),
        # the rest stays as written
        ('SELECT reflection, "x""y" FROM `t`', 'SELECT reflection, "x""y" FROM `t`'),
    ],
)
def test_spark_gets_the_tokens_duckdb_checked(sql: str, spark: str) -> None:
    assert spark_text(sql) == spark


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT reflect('java.lang.System', 'getProperty', 'user.home')",
        "SELECT REFLECT ('x')",
        'SELECT "Java_Method"(1)',
        "SELECT `try_reflect`(1)",
        "SELECT system.builtin.java_method/* c */(1)",
        "SELECT t.input_file_name() FROM t",
        "SELECT * FROM IDENTIFIER('t')",
        "SELECT TRANSFORM(a) USING 'cat /etc/passwd' FROM t",
        "SELECT $$x$$",
        "SELECT E'a\\nb'",
        'SELECT "a\\" FROM t',
    ],
)
def test_what_spark_could_abuse_or_read_otherwise_is_refused(sql: str) -> None:
    with pytest.raises(QueryError) as info:
        spark_text(sql)
    assert info.value.message and info.value.message_en


def test_blocked_functions_cover_reflection_and_file_paths() -> None:
    assert {"reflect", "java_method", "try_reflect", "input_file_name"} <= BLOCKED_FUNCTIONS
    assert spark_text("SELECT upper(x), transform(a, v -> v + 1) FROM t")  # ordinary functions pass


def test_spark_types_in_duckdbs_words() -> None:
    assert [type_name(t) for t in ("string", "bigint", "int", "double", "date", "timestamp_ntz")] == [
        "VARCHAR",
        "BIGINT",
        "INTEGER",
        "DOUBLE",
        "DATE",
        "TIMESTAMP",
    ]
    assert type_name("decimal(10,2)") == "DECIMAL(10,2)"
    assert type_name("array<string>") == "VARCHAR[]"
    assert type_name("map<string,int>") == "MAP<STRING,INT>"


def test_a_path_is_one_file_to_spark_not_a_glob(tmp_path: Path) -> None:
    odd = tmp_path / "lake[1]" / "v{2}*.parquet"
    assert _uri(odd) == "file://" + str(odd).replace("[", "\\[").replace("]", "\\]").replace(
        "{", "\\{"
    ).replace("}", "\\}").replace("*", "\\*")
    plain = tmp_path / "행정동 인구.parquet"
    assert _uri(plain) == f"file://{plain}"


def test_a_unicode_space_cannot_split_a_name_for_spark() -> None:
    # DuckDB reads every non-ASCII character as part of a name; Spark's lexer takes U+3000 and
    # U+00A0 as blanks. Quoted, the name stays one name on both.
    assert spark_text("SELECT 1 AS a,\u3000reflect('x')") == "SELECT 1 AS a,\"\u3000reflect\"('x')"
    assert spark_text("SELECT x\u00a0reflect('x') FROM t") == "SELECT \"x\u00a0reflect\"('x') FROM t"
    assert spark_text("SELECT reflect\u3000('x')") == "SELECT \"reflect\u3000\"('x')"  # no such function
