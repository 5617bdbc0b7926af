"""Unique identifiers are encrypted at rest in the lake, and readers never notice.

A restricted dataset of people with 주민등록번호 is uploaded: its Parquet file holds the RRN column
as ciphertext (read without the key, not one raw number is there) and its original file is
sealed whole; the owner reads clear values on every surface (rows, filters, SQL, exports, the
original file, a re-type); a grantee's pseudonyms are computed from the clear values, and a grant
that passes the raw column on keeps it sealed in the view file.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from hubcity.adapters.engines.sealing import ColumnSealer, lake_key, sealed_columns
from hubcity.adapters.keys import KeyStore
from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM, Actor
from hubcity.domain.query import RowFilter, RowQuery
from hubcity.errors import InvalidInput
from tests.factories import make_dataset, make_welfare, upload


def actor(services: Services, username: str) -> Actor:
    user = services.accounts.find_user(username)
    assert user is not None
    return services.accounts.actor_for(user.id)


def raw_values(path: Path, column: str) -> list[Any]:
    """The column as it lies on disk, read without the key."""
    con = duckdb.connect()
    try:
        return [r[0] for r in con.execute(f'SELECT "{column}" FROM read_parquet(?)', [str(path)]).fetchall()]
    finally:
        con.close()


@pytest.fixture
def people(services: Services, city: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    src = make_welfare(services, city["actors"]["editor"], tmp_path)
    with src.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    _, res = services.resources._resource(SYSTEM, "welfare", "people")
    assert res.current is not None
    return {"src": src, "rows": rows, "version": res.current, "editor": city["actors"]["editor"]}


def test_the_lake_holds_ciphertext_and_the_owner_reads_clear_values(
    services: Services, people: dict[str, Any]
) -> None:
    ver = people["version"]
    rrns = [r["주민번호"] for r in people["rows"]]
    cols = {c["name"]: c for c in ver.columns}
    assert cols["주민번호"].get("sealed") is True
    assert not cols["연락처"].get("sealed")  # phone numbers are personal, not unique identifiers

    data = services.resources.lake.local_path(ver.parquet_key)
    assert sealed_columns(data) == ("주민번호",)
    on_disk = raw_values(data, "주민번호")
    current = KeyStore(services.settings.resolved_keys_dir).file_keyring().current
    assert len(on_disk) == 60 and all(str(v).startswith(f"enc2:{current}:") for v in on_disk)
    assert not set(on_disk) & set(rrns)
    assert raw_values(data, "성명")[0] == people["rows"][0]["성명"]  # other columns stay as they were

    assert ver.source_key.endswith(".sealed")
    stored = services.resources.lake.local_path(ver.source_key).read_bytes()
    original = people["src"].read_bytes()
    assert rrns[0].encode() not in stored and b"\xec\xa3\xbc\xeb\xaf\xbc" not in stored  # nor "주민" header

    editor = people["editor"]
    page = services.resources.read_rows(editor, "welfare", "people", limit=100, offset=0)
    assert [r["주민번호"] for r in page.rows] == rrns
    found = services.resources.query_rows(
        editor, "welfare", "people", RowQuery(filters=(RowFilter("주민번호", "eq", rrns[7]),))
    )
    assert found.total == 1 and found.rows[0]["성명"] == people["rows"][7]["성명"]
    result = services.query.run(
        editor, f'SELECT "주민번호" FROM welfare.people WHERE "주민번호" = \'{rrns[9]}\''
    )
    assert result.rows == [{"주민번호": rrns[9]}]

    exported = services.resources.export(editor, "welfare", "people", "csv")
    with exported.path.open(encoding="utf-8-sig", newline="") as fh:
        assert [r["주민번호"] for r in csv.DictReader(fh)] == rrns
    source = services.resources.export(editor, "welfare", "people", "source")
    assert source.temporary and source.path.read_bytes() == original


def test_a_retype_reads_the_sealed_original(services: Services, people: dict[str, Any]) -> None:
    job = services.resources.retype(people["editor"], "welfare", "people", {"지원금액": "text"})
    assert job.state == "succeeded", job.error
    page = services.resources.read_rows(people["editor"], "welfare", "people", limit=100, offset=0)
    assert page.version == 2
    assert [r["주민번호"] for r in page.rows] == [r["주민번호"] for r in people["rows"]]
    assert [r["지원금액"] for r in page.rows] == [r["지원금액"] for r in people["rows"]]
    _, res = services.resources._resource(SYSTEM, "welfare", "people")
    assert res.current is not None and res.current.source_key.endswith(".sealed")


def test_a_rescan_still_finds_the_sealed_identifiers(services: Services, people: dict[str, Any]) -> None:
    report = services.personal.rescan(SYSTEM, "welfare")
    assert report is not None
    _, res = services.resources._resource(SYSTEM, "welfare", "people")
    assert res.current is not None
    found = {c["name"]: c.get("personal") or {} for c in res.current.columns}
    assert found["주민번호"].get("kind") == "rrn"


def test_grantees_get_pseudonyms_of_clear_values_and_raw_columns_stay_sealed(
    services: Services, people: dict[str, Any]
) -> None:
    rrns = [r["주민번호"] for r in people["rows"]]
    other = actor(services, "other")
    request = services.access.request_access(
        other,
        dataset="welfare",
        purpose="교통약자 지원 노선 설계를 위한 지원 대상 분포 분석",
        ends_on=date.today() + timedelta(days=30),
        columns=["주민번호", "읍면동"],
        org="transport",
    )
    chief = actor(services, "chief")
    services.access.decide(chief, request.id, decision="provide")
    page = services.resources.read_rows(actor(services, "other"), "welfare", "people", limit=100, offset=0)
    assert [r["주민번호"] for r in page.rows] == rrns  # the raw column, as granted
    views = list((services.settings.data_dir / "views").rglob("*.parquet"))
    assert views and all(sealed_columns(v) == ("주민번호",) for v in views)
    assert all(str(v).startswith("enc2:") for v in raw_values(views[0], "주민번호"))

    second = services.access.request_access(
        other,
        dataset="welfare",
        purpose="교통약자 지원 노선 설계를 위한 지원 대상 분포 분석",
        ends_on=date.today() + timedelta(days=30),
        columns=["주민번호", "읍면동"],
        org="transport",
    )
    services.access.decide(
        chief,
        second.id,
        decision="partial",
        columns=["주민번호", "읍면동"],
        transforms={"주민번호": "pseudonym"},
    )
    pseud = services.resources.read_rows(actor(services, "other"), "welfare", "people", limit=100, offset=0)
    values = [r["주민번호"] for r in pseud.rows]
    assert all(len(v) == 20 and not v.startswith("enc") for v in values)
    # equal clear values give equal pseudonyms: the hash is of the clear value, not of a ciphertext
    first = {}
    for rrn, value in zip(rrns, values, strict=True):
        assert first.setdefault(rrn, value) == value
    assert len(set(values)) == len(set(rrns))


def test_changed_or_cut_sealed_data_never_reads_as_data(tmp_path: Path) -> None:
    sealer = ColumnSealer(lake_key("one secret", None))
    other = ColumnSealer(lake_key("one secret", "another lake key"))
    token = sealer.seal_value("900101-1234568")
    assert token != sealer.seal_value("900101-1234568")  # a fresh nonce each time
    assert sealer.unseal_value(token) == "900101-1234568"
    with pytest.raises(ValueError, match="not in the lake keyring"):
        other.unseal_value(token)  # another key, another id
    with pytest.raises(ValueError):
        sealer.unseal_value(token[:-4] + "AAAA")

    src = tmp_path / "big.csv"
    src.write_bytes(b"x" * (2 << 20) + b"\n900101-1234568\n")
    sealed = tmp_path / "big.sealed"
    sealer.seal_file(src, sealed)
    out = io.BytesIO()
    sealer.unseal_stream(sealed.open("rb"), out)
    assert out.getvalue() == src.read_bytes()
    data = sealed.read_bytes()
    for broken in (data[: len(data) // 2], data[:-1], data[:20] + bytes([data[20] ^ 1]) + data[21:]):
        with pytest.raises(ValueError):
            sealer.unseal_stream(io.BytesIO(broken), io.BytesIO())
    with pytest.raises(ValueError):
        other.unseal_stream(sealed.open("rb"), io.BytesIO())


def test_raw_identifiers_are_shared_only_with_a_legal_basis(
    services: Services, people: dict[str, Any]
) -> None:
    chief = actor(services, "chief")
    services.catalog.update_dataset(SYSTEM, "welfare", {"legal_basis": ""})

    def ask() -> Any:
        return services.access.request_access(
            actor(services, "other"),
            dataset="welfare",
            purpose="교통약자 지원 노선 설계를 위한 지원 대상 분포 분석",
            ends_on=date.today() + timedelta(days=30),
            columns=["주민번호", "읍면동"],
            org="transport",
        )

    request = ask()
    with pytest.raises(InvalidInput) as refused:
        services.access.decide(chief, request.id, decision="provide")
    assert [e.field for e in refused.value.errors] == ["columns"]
    assert (
        "주민번호" in refused.value.errors[0].message and "legal basis" in refused.value.errors[0].message_en
    )
    assert services.access.get_request(chief, request.id).status == "pending"  # nothing was decided
    # pseudonymised, the column is no longer an identifier and may be shared
    decided = services.access.decide(
        chief, request.id, decision="partial", transforms={"주민번호": "pseudonym"}
    )
    assert decided.status == "partial"


def _lake_files_holding(services: Services, needle: str) -> list[Path]:
    """Files in the lake and among the view files whose bytes hold ``needle`` in clear."""
    roots = [services.settings.data_dir / "lake", services.settings.data_dir / "views"]
    data = needle.encode("utf-8")
    return [
        f
        for root in roots
        if root.is_dir()
        for f in root.rglob("*")
        if f.is_file() and data in f.read_bytes()
    ]


def test_an_identifier_confirmed_after_publication_is_sealed_in_every_version(
    services: Services, city: dict[str, Any], tmp_path: Path
) -> None:
    """The detector misses a column of passport numbers written inside text; the owner confirms it as
    passport numbers after two versions are out: both versions' data files and original files are
    sealed, its text index and the clear files are gone, its profile shows no values, grantees'
    views are made again, and every reader still reads what they read before."""
    editor = city["actors"]["editor"]
    make_welfare(services, editor, tmp_path)  # the admin 'chief' of ai-policy
    make_dataset(services, name="visits", title="민원실 방문 기록", visibility="restricted")
    notes = [f"신원확인 M{10000000 + i} 광주 동구 민원실 방문 확인" for i in range(40)]
    header = ("방문일", "확인내용", "읍면동")

    def version(n: int) -> None:
        src = tmp_path / f"visits-{n}.csv"
        with src.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(
                [header, *[(f"2026-11-{1 + i % 28:02d}", t, "충장동") for i, t in enumerate(notes[: 30 + n])]]
            )
        job = upload(
            services, editor, "visits", src, copy_to=tmp_path / "up" / f"visits-{n}.csv", resource="log"
        )
        assert job.state == "succeeded", job.error

    version(1)
    version(2)
    _, res = services.resources._resource(SYSTEM, "visits", "log")
    assert res.current is not None and res.current.number == 2
    col = next(c for c in res.current.columns if c["name"] == "확인내용")
    assert "personal" not in col and col.get("text_index") and col.get("top_values")  # missed

    # a grantee reads the column raw, which makes a view file of version 2
    other = actor(services, "other")
    req = services.access.request_access(
        other,
        dataset="visits",
        purpose="민원실 방문 수요 분석을 위한 읍면동별 분포 확인",
        ends_on=date.today() + timedelta(days=30),
        columns=["확인내용", "읍면동"],
        org="transport",
    )
    services.access.decide(actor(services, "chief"), req.id, decision="provide")
    other = actor(services, "other")  # with the grant
    assert [
        r["확인내용"] for r in services.resources.read_rows(other, "visits", "log", limit=100, offset=0).rows
    ] == notes[:32]
    assert _lake_files_holding(services, "M10000005")  # in clear: data, original, text index, view

    services.personal.decide(editor, "visits", "log", "확인내용", "confirmed", kind="passport")

    assert _lake_files_holding(services, "M10000005") == []  # not one clear copy is left anywhere
    for ver in services.resources.store.list_versions(res.id):
        assert ver.parquet_key is not None and ver.source_key.endswith(".sealed")
        data = services.resources.lake.local_path(ver.parquet_key)
        assert sealed_columns(data) == ("확인내용",)
        assert all(str(v).startswith("enc2:") for v in raw_values(data, "확인내용"))
        c = next(c for c in ver.columns if c["name"] == "확인내용")
        assert c["sealed"] is True and "text_index" not in c
        assert c["personal"]["kind"] == "passport" and c["top_values"] == [] and c["profile_redacted"]
    # readers notice nothing: the owner's rows, a search in the text, the grantee's view, both versions
    page = services.resources.read_rows(editor, "visits", "log", limit=100, offset=0)
    assert [r["확인내용"] for r in page.rows] == notes[:32]
    found = services.resources.query_rows(
        editor, "visits", "log", RowQuery(filters=(RowFilter("확인내용", "like", "%M10000007%"),))
    )
    assert found.total == 1 and found.rows[0]["확인내용"] == notes[7]
    old = services.resources.read_rows(editor, "visits", "log", limit=100, offset=0, version=1)
    assert [r["확인내용"] for r in old.rows] == notes[:31]
    shown = services.resources.read_rows(actor(services, "other"), "visits", "log", limit=100, offset=0)
    assert [r["확인내용"] for r in shown.rows] == notes[:32]
    source = services.resources.export(editor, "visits", "log", "source")
    assert notes[3].encode() in source.path.read_bytes()
    # a second decision finds nothing left to seal and seals nothing twice
    assert services.resources.protect_personal(res.dataset_id) == 0
    assert (
        services.resources.read_rows(editor, "visits", "log", limit=5, offset=0).rows[0]["확인내용"]
        == notes[0]
    )
