"""The audit log: restricted reads, exports and changes are recorded in a hash chain that catches
hand edits, even by someone who switched the append-only trigger off first."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from typer.testing import CliRunner

from hubcity.bootstrap import Services
from hubcity.cli import app as cli_app
from hubcity.domain.accounts import SYSTEM, Actor
from hubcity.domain.audit import AuditEntry
from hubcity.domain.query import Aggregate, RowFilter, RowQuery
from hubcity.errors import NotFound, PermissionDenied
from hubcity.settings import Settings, get_settings
from tests.factories import make_dataset, upload


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def world(services: Services, city: dict[str, Any], tmp_path: Path) -> dict[str, Actor]:
    """A restricted dataset of AI policy, a public one, and an admin for each of two departments."""
    acc = services.accounts
    aiadmin = acc.create_user(SYSTEM, username="aiadmin", password="x" * 10, org="ai-policy", role="admin")
    tradmin = acc.create_user(SYSTEM, username="tradmin", password="x" * 10, org="transport", role="admin")
    make_dataset(services, name="salaries", title="급여", visibility="restricted")
    make_dataset(services, name="population", title="인구", visibility="public")
    sal = _csv(
        tmp_path / "s.csv", "이름,부서,급여", ["김민수,교통,100", "이영희,교통,200", "박철수,복지,300"]
    )
    upload(services, SYSTEM, "salaries", sal, copy_to=tmp_path / "u1" / "s.csv", resource="pay")
    pop = _csv(tmp_path / "p.csv", "행정동,인구수", ["충장동,1000", "동명동,2000"])
    upload(services, SYSTEM, "population", pop, copy_to=tmp_path / "u2" / "p.csv", resource="people")
    actors = dict(city["actors"])
    actors["aiadmin"] = Actor.for_user(aiadmin)
    actors["tradmin"] = Actor.for_user(tradmin)
    return actors


def _entries(services: Services, action: str | None = None) -> list[AuditEntry]:
    return [e for e in services.audit.log.iter_entries() if action is None or e.action == action]


def test_reading_restricted_rows_writes_an_entry(services: Services, world: dict[str, Actor]) -> None:
    member = world["member"]  # AI policy member: may read its restricted data
    before = len(_entries(services, "rows.read"))
    page = services.resources.read_rows(member, "salaries", "pay", limit=2, channel="api")
    assert len(page.rows) == 2
    reads = _entries(services, "rows.read")
    assert len(reads) == before + 1
    entry = reads[-1]
    dataset = services.catalog.get_dataset(SYSTEM, "salaries")
    assert entry.actor_name == "member" and entry.actor_id == member.user_id
    assert entry.dataset_id == dataset.id
    assert entry.object_kind == "resource" and entry.object_id == "salaries/pay"
    assert entry.columns == ("이름", "부서", "급여")
    assert entry.rows == 2
    assert entry.details["version"] == 1 and entry.details["channel"] == "api"

    # filtered rows: the columns returned, the filter, the rows returned
    query = RowQuery(filters=(RowFilter("부서", "eq", "교통"),), select=("이름",))
    services.resources.query_rows(member, "salaries", "pay", query)
    entry = _entries(services, "rows.read")[-1]
    assert entry.columns == ("이름",) and entry.rows == 2
    assert entry.details["filters"] == ["부서 eq 교통"]

    rows, _, _ = services.resources.aggregate(
        member, "salaries", "pay", group_by=["부서"], metrics=[Aggregate("sum", "급여")]
    )
    entry = _entries(services, "rows.aggregate")[-1]
    assert entry.rows == len(rows) == 2 and entry.columns == ("부서", "급여")

    # public data read through the rows API leaves no entry; its download does
    count = len(_entries(services))
    services.resources.read_rows(member, "population", "people")
    assert len(_entries(services)) == count
    services.resources.export(member, "population", "people", "csv")
    export = _entries(services)[-1]
    assert export.action == "export" and export.rows == 2 and export.details["format"] == "csv"
    assert services.audit.verify().ok


def test_sql_over_a_restricted_table_is_logged(services: Services, world: dict[str, Actor]) -> None:
    member = world["member"]
    result = services.query.run(member, "SELECT 이름, 급여 FROM salaries.pay WHERE 급여 >= 200")
    assert len(result.rows) == 2
    entry = _entries(services, "sql.query")[-1]
    assert entry.actor_name == "member" and entry.object_id == "salaries/pay" and entry.rows == 2
    assert "WHERE 급여 >= 200" in entry.details["sql"]
    assert entry.details["result_columns"] == ["이름", "급여"]
    count = len(_entries(services, "sql.query"))
    services.query.run(member, 'SELECT count(*) FROM "population".people')  # public: nothing to log
    assert len(_entries(services, "sql.query")) == count


def test_changes_memberships_and_tokens_are_logged(services: Services, world: dict[str, Actor]) -> None:
    editor = world["editor"]
    services.catalog.update_dataset(editor, "salaries", {"title": "직원 급여", "visibility": "internal"})
    entry = _entries(services, "dataset.update")[-1]
    assert entry.actor_name == "editor" and entry.object_id == "salaries"
    assert entry.details["changed"] == {
        "title": ["급여", "직원 급여"],
        "visibility": ["restricted", "internal"],
    }
    services.catalog.delete_dataset(editor, "population")
    assert _entries(services, "dataset.delete")[-1].object_id == "population"
    assert [e.object_id for e in _entries(services, "dataset.create")] == ["salaries", "population"]

    services.accounts.add_member(world["aiadmin"], username="partner", org="ai-policy", role="member")
    entry = _entries(services, "org.member")[-1]
    assert entry.actor_name == "aiadmin" and entry.object_id == "ai-policy"
    assert entry.details == {"user": "partner", "role": "member"}

    token, raw = services.accounts.create_token(editor, name="배치 작업")
    entry = _entries(services, "token.create")[-1]
    assert entry.actor_name == "editor" and entry.object_id == str(token.id)
    assert raw not in repr(entry) and token.prefix not in repr(entry)
    assert services.audit.verify().ok


def test_only_the_owning_orgs_admins_and_sysadmins_read_entries(
    services: Services, world: dict[str, Actor]
) -> None:
    services.resources.read_rows(world["member"], "salaries", "pay")
    mine = services.audit.list_entries(world["aiadmin"], dataset="salaries")
    assert mine.total >= 1 and {e.action for e in mine.items} >= {"rows.read", "dataset.create"}
    everything = services.audit.list_entries(world["admin"])
    assert everything.total == len(_entries(services))
    # another department's admin sees none of them
    assert services.audit.list_entries(world["tradmin"]).total == 0
    with pytest.raises(NotFound):  # restricted to AI policy: for transport it does not exist
        services.audit.list_entries(world["tradmin"], dataset="salaries")
    for name in ("member", "editor", "other"):
        with pytest.raises(PermissionDenied):
            services.audit.list_entries(world[name])


def test_concurrent_appends_keep_one_chain(services: Services, world: dict[str, Actor]) -> None:
    start = len(_entries(services))
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(15):
                services.audit.record(world["member"], "test.concurrent", details={"writer": n, "i": i})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    entries = _entries(services)
    assert [e.seq for e in entries] == list(range(1, start + 91))
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    check = services.audit.verify()
    assert check.ok and check.checked == start + 90


# -- tampering -----------------------------------------------------------------------------------
@pytest.fixture
def attacker(settings: Settings) -> Iterator[Engine]:
    """A separate connection to the database, as someone with direct (superuser) access would have."""
    engine = create_engine(settings.resolved_database_url)
    yield engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
    engine.dispose()


def _untrigger(conn: Any) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    else:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("HUBCITY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HUBCITY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("HUBCITY_SECRET_KEY", settings.secret_key.get_secret_value())
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(cli_app, list(args), catch_exceptions=False)
    get_settings.cache_clear()


def _some_reads(services: Services, world: dict[str, Actor]) -> None:
    for offset in range(3):
        services.resources.read_rows(world["member"], "salaries", "pay", offset=offset)


def test_the_trigger_refuses_edits(services: Services, world: dict[str, Actor], attacker: Engine) -> None:
    _some_reads(services, world)
    for statement in ("UPDATE audit_log SET rows = 0 WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 2"):
        with pytest.raises(Exception, match="append-only"), attacker.begin() as conn:
            conn.execute(text(statement))
    assert services.audit.verify().ok


def test_verify_names_the_first_edited_entry(
    services: Services, world: dict[str, Actor], attacker: Engine, cli: Any
) -> None:
    _some_reads(services, world)
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "intact" in result.output and "온전합니다" in result.output
    target = _entries(services, "rows.read")[1].seq
    with attacker.begin() as conn:
        _untrigger(conn)
        conn.execute(
            text("UPDATE audit_log SET details = :d WHERE seq = :s"),
            {"d": '{"resource": "other"}', "s": target},
        )
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert f"entry {target}:" in result.output and f"{target}번 항목" in result.output
    assert "hash_mismatch" in result.output
    check = services.audit.verify()
    assert check.broken is not None and check.broken.seq == target and check.checked == target - 1


def test_verify_finds_a_deleted_entry(
    services: Services, world: dict[str, Actor], attacker: Engine, cli: Any
) -> None:
    _some_reads(services, world)
    target = _entries(services, "rows.read")[0].seq
    with attacker.begin() as conn:
        _untrigger(conn)
        conn.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": target})
    result = cli("audit", "verify")
    assert result.exit_code == 1 and f"entry {target}:" in result.output and "missing_seq" in result.output


def test_verify_finds_an_entry_rewritten_with_a_recomputed_plain_hash(
    services: Services, world: dict[str, Actor], attacker: Engine
) -> None:
    """Without the key, recomputing a SHA-256 after the edit does not make the entry verify."""
    import hashlib
    import json

    _some_reads(services, world)
    entry = _entries(services, "rows.read")[0]
    forged = {**entry.as_dict(), "rows": 0}
    del forged["hash"]
    digest = hashlib.sha256(json.dumps(forged, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    with attacker.begin() as conn:
        _untrigger(conn)
        conn.execute(
            text("UPDATE audit_log SET rows = 0, hash = :h WHERE seq = :s"), {"h": digest, "s": entry.seq}
        )
    check = services.audit.verify()
    assert check.broken is not None and check.broken.seq == entry.seq


def test_cli_exports_csv_and_jsonl(services: Services, world: dict[str, Actor], cli: Any) -> None:
    import csv
    import io
    import json

    _some_reads(services, world)
    result = cli("audit", "export", "--format", "jsonl", "--since", "2000-01-01")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["seq"] for e in lines] == list(range(1, len(lines) + 1))
    assert lines[-1]["action"] == "audit.export"  # the export itself is logged, before it is read
    result = cli("audit", "export", "--format", "csv", "--until", "2000-01-01")
    rows = list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert rows[0][:3] == ["seq", "at", "action"] and len(rows) == 1
    bad = cli("audit", "export", "--since", "어제")
    assert bad.exit_code == 2 and "not a date" in bad.output
    bad = cli("audit", "export", "--format", "xml")
    assert bad.exit_code == 2 and "csv" in bad.output
