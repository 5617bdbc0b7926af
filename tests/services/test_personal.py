"""Personal data at ingest: findings stored with the columns, owners' decisions, re-runs, publishing."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from hubcity.adapters.engines.sample import DuckColumnSampler
from hubcity.adapters.readers import ingest_file
from hubcity.bootstrap import Services
from hubcity.domain.accounts import ANONYMOUS, SYSTEM
from hubcity.domain.personal import RULES_VERSION
from hubcity.errors import InvalidInput, NotFound, PermissionDenied
from hubcity.services.personal import PersonalDataService
from tests.factories import make_dataset, upload


def rrn(rng: random.Random, valid: bool = True) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 18_000))
    body = born.strftime("%y%m%d") + rng.choice("12") + "".join(str(rng.randint(0, 9)) for _ in range(5))
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    check = (11 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11) % 10
    if not valid:
        check = (check + 1) % 10
    return f"{body[:6]}-{body[6:]}{check}"


def write_people(path: Path, *, seed: int = 1, rows: int = 40, with_rrn: bool = True) -> Path:
    rng = random.Random(seed)
    names = ["김민수", "이서연", "박지훈", "최유진", "정현우", "강다은", "조성민", "윤하늘"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        header = ["성명", "연락처", "지원금액", "읍면동"]
        if with_rrn:
            header.insert(1, "주민번호")
        w.writerow(header)
        for i in range(rows):
            row = [
                names[i % len(names)],
                f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                str(rng.randint(10, 500) * 10_000),
                rng.choice(["충장동", "동명동", "계림1동", "산수1동"]),
            ]
            if with_rrn:
                row.insert(1, rrn(rng, valid=i >= 3))  # three unverifiable, as post-2020 numbers would be
            w.writerow(row)
    return path


def columns(services: Services, dataset: str, resource: str = "people") -> dict[str, dict[str, Any]]:
    _, res = services.resources._resource(SYSTEM, dataset, resource)
    assert res.current is not None
    return {c["name"]: c for c in res.current.columns}


@pytest.fixture
def welfare(services: Services, city: dict[str, Any]) -> str:
    make_dataset(
        services,
        city["actors"]["editor"],
        name="welfare",
        title="긴급복지 지원 대상자",
        visibility="internal",
    )
    return "welfare"


def test_ingest_stores_findings_with_the_columns(
    services: Services, city: dict[str, Any], welfare: str, tmp_path: Path
) -> None:
    editor = city["actors"]["editor"]
    job = upload(
        services,
        editor,
        welfare,
        write_people(tmp_path / "p.csv"),
        copy_to=tmp_path / "up" / "p.csv",
        resource="people",
    )
    assert job.state == "succeeded", job.error
    cols = columns(services, welfare)
    rrn_col = cols["주민번호"]["personal"]
    assert rrn_col["kind"] == "rrn" and rrn_col["status"] == "suspected" and rrn_col["rules"] == RULES_VERSION
    assert rrn_col["explanation"].startswith("표본 40개 중 37개가 유효한 주민등록번호입니다")
    assert rrn_col["explanation_en"].startswith("37 of 40 sampled values are valid RRNs")
    assert rrn_col["counts"]["unverifiable"] == 3 and rrn_col["confidence"] >= 0.95
    assert cols["연락처"]["personal"]["kind"] == "phone"
    assert cols["성명"]["personal"]["kind"] == "name"
    assert "personal" not in cols["지원금액"] and "personal" not in cols["읍면동"]


def test_owner_decisions_carry_over_to_the_next_version(
    services: Services, city: dict[str, Any], welfare: str, tmp_path: Path
) -> None:
    editor, member, other = (city["actors"][k] for k in ("editor", "member", "other"))
    upload(
        services,
        editor,
        welfare,
        write_people(tmp_path / "p.csv"),
        copy_to=tmp_path / "up" / "p.csv",
        resource="people",
    )
    personal = services.personal
    with pytest.raises(PermissionDenied):
        personal.decide(member, welfare, "people", "주민번호", "confirmed")  # a member, not an editor
    with pytest.raises(PermissionDenied):
        personal.decide(other, welfare, "people", "주민번호", "confirmed")  # staff of another department
    with pytest.raises(NotFound):
        personal.decide(ANONYMOUS, welfare, "people", "주민번호", "confirmed")  # internal: not there for them
    with pytest.raises(InvalidInput):
        personal.decide(editor, welfare, "people", "주민번호", "approved")
    with pytest.raises(NotFound):
        personal.decide(editor, welfare, "people", "없는열", "confirmed")
    assert personal.decide(editor, welfare, "people", "주민번호", "confirmed")["status"] == "confirmed"
    assert personal.decide(editor, welfare, "people", "연락처", "dismissed")["status"] == "dismissed"
    with pytest.raises(InvalidInput):  # nothing was found there: marking it needs a kind
        personal.decide(editor, welfare, "people", "읍면동", "confirmed")
    marked = personal.decide(editor, welfare, "people", "읍면동", "confirmed", kind="address")
    assert marked["kind"] == "address" and marked["decided_by"] == "editor"

    # version 2: the same columns, other people
    job = upload(
        services,
        editor,
        welfare,
        write_people(tmp_path / "p2.csv", seed=2),
        copy_to=tmp_path / "up" / "p2.csv",
        resource="people",
    )
    assert job.state == "succeeded"
    cols = columns(services, welfare)
    assert cols["주민번호"]["personal"]["status"] == "confirmed"
    assert cols["주민번호"]["personal"]["decided_by"] == "editor"
    assert cols["연락처"]["personal"]["status"] == "dismissed"
    assert cols["읍면동"]["personal"]["status"] == "confirmed"  # the owner's marking stays
    assert cols["성명"]["personal"]["status"] == "suspected"


def test_a_public_dataset_cannot_hold_unique_identifiers_without_a_legal_basis(
    services: Services, city: dict[str, Any], welfare: str, tmp_path: Path
) -> None:
    editor = city["actors"]["editor"]
    upload(
        services,
        editor,
        welfare,
        write_people(tmp_path / "p.csv"),
        copy_to=tmp_path / "up" / "p.csv",
        resource="people",
    )
    with pytest.raises(InvalidInput) as err:
        services.catalog.update_dataset(editor, welfare, {"visibility": "public"})
    assert "주민번호" in err.value.message and "주민등록번호" in err.value.message
    assert "주민번호" in err.value.message_en and "legal basis" in err.value.message_en
    assert services.catalog.get_dataset(editor, welfare).visibility == "internal"
    # with a legal basis recorded it may be published
    basis = "긴급복지지원법 제13조"
    updated = services.catalog.update_dataset(editor, welfare, {"visibility": "public", "legal_basis": basis})
    assert updated.visibility == "public" and updated.legal_basis == basis
    # and the basis cannot be removed while it is public
    with pytest.raises(InvalidInput):
        services.catalog.update_dataset(editor, welfare, {"legal_basis": ""})
    # other metadata edits of the public dataset go on
    assert services.catalog.update_dataset(editor, welfare, {"title": "지원 대상자"}).title == "지원 대상자"


def test_dismissing_the_identifier_lets_the_dataset_go_public(
    services: Services, city: dict[str, Any], welfare: str, tmp_path: Path
) -> None:
    editor = city["actors"]["editor"]
    upload(
        services,
        editor,
        welfare,
        write_people(tmp_path / "p.csv"),
        copy_to=tmp_path / "up" / "p.csv",
        resource="people",
    )
    services.personal.decide(editor, welfare, "people", "주민번호", "dismissed")
    assert services.catalog.update_dataset(editor, welfare, {"visibility": "public"}).visibility == "public"


def test_a_public_dataset_refuses_a_version_with_rrns(
    services: Services, city: dict[str, Any], tmp_path: Path
) -> None:
    editor = city["actors"]["editor"]
    make_dataset(services, editor, name="open", visibility="public")
    ok = upload(
        services,
        editor,
        "open",
        write_people(tmp_path / "a.csv", with_rrn=False),
        copy_to=tmp_path / "u" / "a.csv",
        resource="people",
    )
    assert ok.state == "succeeded"
    job = upload(
        services,
        editor,
        "open",
        write_people(tmp_path / "b.csv"),
        copy_to=tmp_path / "u" / "b.csv",
        resource="people",
    )
    assert job.state == "failed"
    assert job.error is not None and job.error["column"] == "주민번호"
    assert "법적 근거" in job.error["message"] and "legal basis" in job.error["message_en"]
    _, res = services.resources._resource(editor, "open", "people")
    assert res.current is not None and res.current.number == 1  # nothing was published


def test_rescan_updates_findings_and_keeps_decisions(
    services: Services, city: dict[str, Any], welfare: str, tmp_path: Path
) -> None:
    editor, other = city["actors"]["editor"], city["actors"]["other"]
    upload(
        services,
        editor,
        welfare,
        write_people(tmp_path / "p.csv"),
        copy_to=tmp_path / "up" / "p.csv",
        resource="people",
    )
    services.personal.decide(editor, welfare, "people", "성명", "dismissed")
    # findings made by older rules (or none at all, before the detector existed)
    _, res = services.resources._resource(editor, welfare, "people")
    assert res.current is not None
    services.personal.store.set_column_personal(
        res.current.id,
        {"주민번호": None, "연락처": {**columns(services, welfare)["연락처"]["personal"], "rules": "old"}},
    )
    assert "personal" not in columns(services, welfare)["주민번호"]
    with pytest.raises(PermissionDenied):
        services.personal.rescan(other)  # every dataset: sysadmins only
    report = services.personal.rescan(editor, welfare)
    assert report.versions == 1 and report.findings == 3
    assert any("주민번호: — → rrn" in line for line in report.changed)
    cols = columns(services, welfare)
    assert cols["주민번호"]["personal"]["kind"] == "rrn"
    assert cols["연락처"]["personal"]["rules"] == RULES_VERSION
    assert cols["성명"]["personal"]["status"] == "dismissed"


def test_real_statistics_files_hold_no_identifiers(real_data: Path, tmp_path: Path) -> None:
    """The project's real public files (statistics, facility lists): no RRN, card or other identifier."""
    scanner = PersonalDataService(store=None, lake=None, sampler=DuckColumnSampler())  # type: ignore[arg-type]
    seen: dict[str, list[tuple[str, str]]] = {}
    files = [p for p in sorted(real_data.iterdir()) if p.suffix in (".csv", ".xlsx", ".xls")]
    assert len(files) >= 10
    for src in files:
        out = tmp_path / f"{src.stem}.parquet"
        outcome = ingest_file(src, out, filename=src.name, work_dir=tmp_path)
        cols = scanner.scan(out, [c.as_dict() for c in outcome.columns])
        seen[src.name] = [(c["name"], c["personal"]["kind"]) for c in cols if c.get("personal")]
    strong = {
        "rrn",
        "foreigner_rn",
        "card",
        "passport",
        "driver_licence",
        "corporate_no",
        "business_no",
        "email",
    }
    flagged = {f: [x for x in found if x[1] in strong] for f, found in seen.items()}
    assert not any(flagged.values()), flagged
    # ordinary statistics files: nothing at all
    for name in (
        "kosis_census2010_population_by_province_age.csv",
        "kepco_electricity_use_by_sigungu_2024.csv",
        "seoul_subway_card_ridership_202102.csv",
        "gwangju_bus_stop_ridership_20221231.csv",
        "mois_admin_dong_codes_KIKcd_H_20230501.xlsx",
        "seoul_population_by_gu_2017q1.xls",
    ):
        assert seen[name] == [], (name, seen[name])
    # what is there is found: the construction list names its officials and their office phones
    construction = dict(seen["gwangju_construction_sites_20241015.csv"])
    assert construction.get("담당자") == "name" and construction.get("담당자전화번호") == "phone"
