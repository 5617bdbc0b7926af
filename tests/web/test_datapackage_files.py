"""A data package with a plain file beside a table, checked by `frictionless validate` on a live server."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import requests

from hubcity.bootstrap import Services
from hubcity.domain.accounts import SYSTEM
from tests.exchange_helpers import frictionless_validate
from tests.factories import make_dataset, upload
from tests.live import serve


def test_frictionless_checks_plain_files_and_uploaded_csv(
    services: Services, city: dict[str, Any], tmp_path: Path
) -> None:
    """A dataset with a CP949 CSV and a PDF: the PDF is a file resource whose size and hash are checked."""
    make_dataset(services, name="population", description="행정동별 인구")
    src = tmp_path / "인구.csv"
    src.write_bytes(
        '행정동,인구수,기준일\r\n충장동,"1,234",2024.01.12\r\n동명동,987,2024.02.01\r\n'.encode("cp949")
    )
    pdf = tmp_path / "안내문.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% hubcity test\n" + bytes(range(256)) * 4)
    for path, resource in ((src, "people"), (pdf, "guide")):
        job = upload(
            services, SYSTEM, "population", path, copy_to=tmp_path / "up" / path.name, resource=resource
        )
        assert job.state == "succeeded", job.error
    with serve(services) as base:
        package = requests.get(f"{base}/datasets/population/datapackage.json", timeout=30).json()
        code, report = frictionless_validate(f"{base}/datasets/population/datapackage.json", tmp_path)
    assert code == 0 and report["valid"], report
    assert package["profile"] == "data-package"  # not every resource is a table
    kinds = {r["name"]: (r["profile"], r.get("bytes"), r.get("hash")) for r in package["resources"]}
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert kinds == {
        "people": ("tabular-data-resource", None, None),
        "guide": ("data-resource", pdf.stat().st_size, f"sha256:{digest}"),
    }
    stats = {t["name"]: t["stats"] for t in report["tasks"]}
    assert stats["people"]["rows"] == 2 and stats["guide"]["bytes"] == pdf.stat().st_size
    people = next(r for r in package["resources"] if r["name"] == "people")
    assert [f["type"] for f in people["schema"]["fields"]] == ["string", "integer", "date"]
