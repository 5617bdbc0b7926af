"""The search index stays whole when several writers reindex one dataset at once (two versions land)."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import create_engine, text

from hubcity.bootstrap import Services
from hubcity.domain.accounts import ANONYMOUS
from hubcity.ports import DatasetFilter
from tests.factories import make_dataset


def _index_counts(db_url: str) -> tuple[int, int, int]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            docs = conn.execute(text("SELECT COUNT(*) FROM search_docs")).scalar_one()
            total = conn.execute(text("SELECT df FROM search_vocab WHERE term = ''")).scalar_one()
            wrong = conn.execute(
                text(
                    "SELECT COUNT(*) FROM search_vocab v WHERE v.term <> '' AND v.df <> "
                    "(SELECT COUNT(*) FROM search_terms t WHERE t.term = v.term)"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return int(docs), int(total), int(wrong)


def test_concurrent_reindexing_of_one_dataset_neither_fails_nor_double_counts(
    services: Services, city: dict[str, Any], db_url: str
) -> None:
    parking = make_dataset(
        services, name="public-parking", title="광주광역시 공영주차장 현황", keywords=["주차장"]
    )
    make_dataset(services, name="population", title="행정동별 인구현황", keywords=["인구"])
    before = services.catalog.list_datasets(ANONYMOUS, DatasetFilter(q="주차장"))
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def reindex() -> None:
        try:
            start.wait()
            for _ in range(5):
                services.catalog.reindex(parking.id)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=reindex) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    after = services.catalog.list_datasets(ANONYMOUS, DatasetFilter(q="주차장"))
    assert [d.name for d in after.items] == [d.name for d in before.items] == ["public-parking"]
    assert _index_counts(db_url) == (2, 2, 0)
