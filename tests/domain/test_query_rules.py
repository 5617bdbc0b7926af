"""How many groups a group-by can have, by the column profiles (pure)."""

from __future__ import annotations

from hubcity.domain.query import most_groups

COLUMNS = [
    {"name": "자치구", "distinct_count": 5, "null_count": 0},
    {"name": "행정동", "distinct_count": 96, "null_count": 3},
    {"name": "비고", "type": "text"},  # no profile (a view with a row filter drops them)
]


def test_most_groups_multiplies_distinct_values_and_counts_empty_ones() -> None:
    assert most_groups(COLUMNS, []) == 1
    assert most_groups(COLUMNS, ["자치구"]) == 5
    assert most_groups(COLUMNS, ["행정동"]) == 97
    assert most_groups(COLUMNS, ["자치구", "행정동"]) == 5 * 97


def test_most_groups_does_not_guess_without_a_profile() -> None:
    assert most_groups(COLUMNS, ["비고"]) is None
    assert most_groups(COLUMNS, ["자치구", "없는 열"]) is None
    assert most_groups([{"name": "x", "distinct_count": True}], ["x"]) is None
