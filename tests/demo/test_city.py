"""The demo city's specs hang together and its generators write what they declare."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from hubcity.demo.city import (
    DATASETS,
    LICENCES,
    ORG_KINDS,
    ORGS,
    ROLES,
    THEMES,
    UPDATE_CYCLES,
    USERS,
    VISIBILITIES,
    DatasetSpec,
    ResourceSpec,
)
from hubcity.demo.complaints import COMPLAINT_COLUMNS, write_complaints_csv
from hubcity.demo.generators import business_number
from hubcity.domain.places import DONGS, GUS

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESOURCES = [(d, r) for d in DATASETS for r in d.resources]


def _read_table(path: Path, resource: ResourceSpec) -> list[list[str]]:
    """The file's rows from its header down, as text."""
    if resource.format == "xlsx":
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        return [[str(v) for v in row] for row in sheet[resource.header_row - 1 :]]
    assert resource.encoding is not None
    text = path.read_bytes().decode(resource.encoding)  # strict: raises on a wrong encoding
    return list(csv.reader(io.StringIO(text)))[resource.header_row - 1 :]


@pytest.mark.parametrize(("dataset", "resource"), RESOURCES, ids=[r.name for _, r in RESOURCES])
def test_generator_writes_declared_encoding_and_columns(
    tmp_path: Path, dataset: DatasetSpec, resource: ResourceSpec
) -> None:
    path = tmp_path / resource.filename
    resource.generate(path, None)
    rows = _read_table(path, resource)
    assert rows[0] == resource.columns
    assert len(rows) > 1
    assert all(len(row) == len(resource.columns) for row in rows)
    if resource.encoding == "cp949":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")
    if resource.encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    if resource.encoding == "utf-8":
        assert not path.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(("dataset", "resource"), RESOURCES, ids=[r.name for _, r in RESOURCES])
def test_generator_is_deterministic_and_honours_rows(
    tmp_path: Path, dataset: DatasetSpec, resource: ResourceSpec
) -> None:
    a, b = tmp_path / f"a-{resource.filename}", tmp_path / f"b-{resource.filename}"
    resource.generate(a, 40)
    resource.generate(b, 40)
    if resource.format != "xlsx":  # xlsx embeds a creation time
        assert a.read_bytes() == b.read_bytes()
    assert len(_read_table(a, resource)) == 41


def test_file_kinds_cover_what_cities_publish() -> None:
    kinds = {(r.format, r.encoding) for _, r in RESOURCES}
    assert ("xlsx", None) in kinds
    assert ("csv", "utf-8") in kinds
    assert ("csv", "cp949") in kinds
    xlsx = [r for _, r in RESOURCES if r.format == "xlsx"]
    assert any(r.header_row > 1 for r in xlsx)
    assert sum(r.encoding == "cp949" for _, r in RESOURCES) >= 5


def test_population_codes_are_gwangju_dong_codes(tmp_path: Path) -> None:
    dataset = next(d for d in DATASETS if d.name == "population-by-dong")
    resource = dataset.resources[0]
    path = tmp_path / resource.filename
    resource.generate(path, None)
    rows = _read_table(path, resource)
    codes = [row[1] for row in rows[1:]]
    assert len(codes) == len(DONGS)
    assert all(re.fullmatch(r"29(110|140|155|170|200)\d{5}", c) for c in codes)
    assert b'"2911052500"' in path.read_bytes()  # quoted, as text
    assert all("," in row[4] or len(row[4]) <= 3 for row in rows[1:])  # thousands separators


def test_slugs_are_unique_and_ascii() -> None:
    for names in (
        [o.slug for o in ORGS],
        [u.username for u in USERS],
        [d.name for d in DATASETS],
        [r.name for _, r in RESOURCES],
        [r.filename for _, r in RESOURCES],
        list(THEMES),
        list(LICENCES),
    ):
        assert len(names) == len(set(names)), names
    for slug in [o.slug for o in ORGS] + [d.name for d in DATASETS] + [r.name for _, r in RESOURCES]:
        assert SLUG.match(slug), slug


def test_orgs_form_a_tree() -> None:
    slugs = {o.slug for o in ORGS}
    roots = [o for o in ORGS if o.parent is None and o.kind not in ("partner", "company")]
    assert [o.slug for o in roots] == ["gwangju"]
    for org in ORGS:
        assert org.kind in ORG_KINDS
        assert org.parent is None or org.parent in slugs, org
        assert org.title and org.title_en
    assert {o.title for o in ORGS if o.kind == "district"} == {f"{gu.name}청" for gu in GUS}
    assert len([o for o in ORGS if o.kind == "partner"]) >= 11
    assert any(o.kind == "team" for o in ORGS)
    assert any(o.kind == "company" for o in ORGS)


def test_users_name_existing_orgs_and_valid_roles() -> None:
    slugs = {o.slug for o in ORGS}
    for user in USERS:
        assert user.email.endswith("@example.com")
        assert user.password
        for org, role in user.memberships:
            assert org in slugs, (user.username, org)
            assert role in ROLES
    assert [u.username for u in USERS if u.sysadmin] == ["admin"]
    by_name = {u.username: u for u in USERS}
    assert ("ai-policy", "editor") in by_name["aipolicy"].memberships
    assert ("data-info", "member") in by_name["analyst"].memberships
    assert ("public-transit", "editor") in by_name["transit"].memberships
    assert any(org == "seo-gu" for org, _ in by_name["seogu"].memberships)
    assert any(org == "kepco" for org, _ in by_name["kepco"].memberships)


def test_datasets_use_the_vocabularies() -> None:
    slugs = {o.slug for o in ORGS}
    themes = set(THEMES)
    licences = set(LICENCES)
    assert len(THEMES) == 16
    assert {"kogl-1", "kogl-2", "kogl-3", "kogl-4", "cc-by-4.0", "other"} <= licences
    for d in DATASETS:
        assert d.owner_org in slugs
        assert d.theme in themes
        assert d.licence in licences
        assert d.update_cycle in UPDATE_CYCLES
        assert d.visibility in VISIBILITIES
        assert d.keywords and d.resources and d.description
        assert d.contact.name and re.fullmatch(r"0\d{1,2}-\d{3,4}-\d{4}", d.contact.phone)
        start, end = d.temporal_coverage.split("/")
        assert start <= end
    visibilities = [d.visibility for d in DATASETS]
    assert visibilities.count("internal") == 2
    assert visibilities.count("restricted") == 1


def test_business_numbers_pass_the_checksum() -> None:
    import random

    rng = random.Random(1)
    for _ in range(200):
        digits = [int(c) for c in business_number(rng).replace("-", "")]
        weights = [1, 3, 7, 1, 3, 7, 1, 3, 5]
        total = sum(d * w for d, w in zip(digits, weights, strict=False)) + digits[8] * 5 // 10
        assert (10 - total % 10) % 10 == digits[9]


def test_complaints_row_count_and_cp949(tmp_path: Path) -> None:
    path = tmp_path / "complaints.csv"
    written = write_complaints_csv(path, 3_000)
    raw = path.read_bytes()
    assert written == len(raw)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw.decode("cp949"))))
    assert rows[0] == COMPLAINT_COLUMNS
    body = rows[1:]
    assert len(body) == 3_000
    assert all(len(row) == len(COMPLAINT_COLUMNS) for row in body)
    assert all(re.fullmatch(r"2024-\d\d-\d\d", row[1]) for row in body)
    assert [row[1] for row in body] == sorted(row[1] for row in body)
    assert len({row[0] for row in body}) == 3_000
    assert all(re.fullmatch(r"0\d{1,2}-\d{3,4}-\d{4}", row[7]) for row in body)
    amounts = [row[8] for row in body if row[8]]
    assert amounts and any("," in a for a in amounts)
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*", a) for a in amounts)
    texts = " ".join(row[6] for row in body)
    for word in ("주차", "공영주차장", "불법주차", "소음", "도로 파손", "가로등", "쓰레기", "버스 정류장"):
        assert word in texts, word
    assert all(20 <= len(row[6]) <= 80 for row in body)
    assert any('"' in row[6] for row in body) and any("," in row[6] for row in body)


def test_complaints_same_seed_same_bytes_and_utf8(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    write_complaints_csv(a, 500)
    write_complaints_csv(b, 500)
    assert a.read_bytes() == b.read_bytes()
    write_complaints_csv(c, 500, encoding="utf-8")
    assert c.read_bytes().decode("utf-8") == a.read_bytes().decode("cp949")
    assert write_complaints_csv(tmp_path / "empty.csv", 0) > 0  # header only
