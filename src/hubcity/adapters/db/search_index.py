"""The catalogue search index in SQL: its tables and the queries over them.

- ``search_terms``: one row per (term, dataset) with the fields the term occurs in, its weight
  and the dataset's facet profile; clustered by term on SQLite, so the datasets holding a term
  are one range read;
- ``search_profiles``: what a search filters and counts by — visibility, owner, theme, licence,
  update cycle, 자치구 and file formats. Datasets that agree on all of them share a profile (a
  catalogue of 100,000 datasets has a few thousand), and a profile never changes;
- ``search_vocab``: how many datasets hold each term (the empty term: how many are indexed),
  for the rarity (idf) of a term and for "did you mean";
- ``search_docs``: each indexed dataset and its profile, for listings that do not search.

A search runs as one statement (after a vocabulary look-up): the datasets holding a term of the
rarest group are read in one range, those whose profile the user may read are kept, each is
checked against the other groups by index look-ups, and the survivors give the page (by score)
and their count per profile; the profiles then give the total and every facet count. Nothing
reads the wide ``datasets`` rows but the page itself.
"""

from __future__ import annotations

import json
import math
import typing
from collections import Counter
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hubcity.adapters.db.tables import (
    DatasetRow,
    OrgRow,
    SearchDocRow,
    SearchProfileRow,
    SearchTermRow,
    SearchVocabRow,
)
from hubcity.ports import QUERY_ANY, DatasetFilter, ReadScope, SearchDocument

__all__ = [
    "FACETS",
    "district_filter",
    "district_of_datasets",
    "index_built",
    "index_documents",
    "known_terms",
    "listing",
    "matched_terms",
    "remove_documents",
    "search",
    "term_counts",
]

FACETS = ("org", "theme", "licence", "format", "update_cycle", "district")
_TERMS = typing.cast(Table, SearchTermRow.__table__)
_DOCS = typing.cast(Table, SearchDocRow.__table__)
_PROFILES = typing.cast(Table, SearchProfileRow.__table__)
_VOCAB = typing.cast(Table, SearchVocabRow.__table__)
_TOTAL = ""  # the vocabulary row counting the indexed datasets
_PROFILE_CACHE = 500_000  # profiles kept in memory by a store (they never change)
_PROFILE_COLUMNS = ("visibility", "owner_org_id", "theme", "licence", "update_cycle", "district", "formats")
Profile = tuple[str, int, str, str, str, str, str]


def district_filter(district: str) -> Any:
    """Dataset ids whose spatial coverage names this 자치구 (for listings that do not search)."""
    return (
        select(_DOCS.c.dataset_id)
        .join(_PROFILES, _PROFILES.c.id == _DOCS.c.profile_id)
        .where(_PROFILES.c.district == district)
    )


def district_of_datasets() -> Any:
    """(dataset id, 자치구) of every indexed dataset that has one."""
    return (
        select(_DOCS.c.dataset_id, _PROFILES.c.district)
        .join(_PROFILES, _PROFILES.c.id == _DOCS.c.profile_id)
        .where(_PROFILES.c.district != "")
    )


def _scope_sql(scope: ReadScope, alias: str, bind: _Params, dataset: str) -> str:
    """The profiles a scope may read, as SQL (the twin of the store's ``_scoped``); ``dataset`` is
    the expression of the dataset id, for the datasets held under a grant."""
    if scope.everything:
        return "1 = 1"
    allowed = [f"{alias}.visibility = 'public'"]
    if scope.internal:
        allowed.append(f"{alias}.visibility = 'internal'")
    if scope.org_ids:
        owners = bind.many(sorted(scope.org_ids))
        allowed.append(
            f"({alias}.visibility IN ('internal', 'restricted') AND {alias}.owner_org_id IN ({owners}))"
        )
    if scope.dataset_ids:
        allowed.append(f"{dataset} IN ({bind.many(sorted(scope.dataset_ids))})")
    return "(" + " OR ".join(allowed) + ")"


# -- writing -------------------------------------------------------------------------------------------


def _dialect_insert(s: Session, table: Any) -> Any:
    dialect = s.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _upsert_vocab(s: Session, delta: dict[str, int]) -> None:
    rows = [{"term": t, "df": n} for t, n in sorted(delta.items()) if n]
    if not rows:
        return
    stmt = _dialect_insert(s, SearchVocabRow)
    stmt = stmt.on_conflict_do_update(index_elements=["term"], set_={"df": _VOCAB.c.df + stmt.excluded.df})
    s.execute(stmt, rows)
    gone = [t for t, n in delta.items() if n < 0]
    for start in range(0, len(gone), 5000):
        s.execute(delete(_VOCAB).where(_VOCAB.c.term.in_(gone[start : start + 5000]), _VOCAB.c.df <= 0))


def _profile_ids(s: Session, profiles: set[Profile]) -> dict[Profile, int]:
    """The ids of these profiles, created when new (safe when two writers add the same one)."""
    wanted = sorted(profiles)
    if not wanted:
        return {}
    key = tuple_(*(_PROFILES.c[c] for c in _PROFILE_COLUMNS))
    stmt = _dialect_insert(s, SearchProfileRow).on_conflict_do_nothing()
    s.execute(stmt, [dict(zip(_PROFILE_COLUMNS, p, strict=True)) for p in wanted])
    out: dict[Profile, int] = {}
    for start in range(0, len(wanted), 500):
        rows = s.execute(
            select(_PROFILES.c.id, *(_PROFILES.c[c] for c in _PROFILE_COLUMNS)).where(
                key.in_(wanted[start : start + 500])
            )
        )
        for row in rows:
            out[typing.cast(Profile, tuple(row[1:]))] = int(row[0])
    return out


def _old_terms(s: Session, ids: list[int]) -> tuple[Counter[str], int]:
    """How many of these datasets hold each term now, and how many are in the index."""
    old: Counter[str] = Counter()
    docs = 0
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows = s.execute(
            select(_TERMS.c.term, func.count()).where(_TERMS.c.dataset_id.in_(chunk)).group_by(_TERMS.c.term)
        )
        old.update({str(t): int(n) for t, n in rows})
        docs += s.scalar(select(func.count()).select_from(_DOCS).where(_DOCS.c.dataset_id.in_(chunk))) or 0
    return old, docs


def _lock_index(s: Session, ids: list[int]) -> None:
    """Serialise writers of these datasets' entries, so two reindexings of one dataset (two versions
    landing at once) cannot both delete nothing and then insert the same rows. PostgreSQL locks the
    datasets' rows; SQLite has one writer at a time, taken here before the old entries are read."""
    if s.get_bind().dialect.name == "postgresql":
        d = typing.cast(Table, DatasetRow.__table__).c
        s.execute(select(d.id).where(d.id.in_(sorted(ids))).order_by(d.id).with_for_update())
    else:
        s.execute(_VOCAB.update().where(_VOCAB.c.term == _TOTAL).values(df=_VOCAB.c.df))


def remove_documents(s: Session, ids: list[int]) -> None:
    _lock_index(s, ids)
    old, docs = _old_terms(s, ids)
    s.execute(delete(_TERMS).where(_TERMS.c.dataset_id.in_(ids)))
    s.execute(delete(_DOCS).where(_DOCS.c.dataset_id.in_(ids)))
    delta = {t: -n for t, n in old.items()}
    delta[_TOTAL] = -docs
    _upsert_vocab(s, delta)


def index_documents(s: Session, documents: list[SearchDocument]) -> None:
    """Replace the index entries of these datasets (a deleted or missing dataset is left out)."""
    ids = [d.dataset_id for d in documents]
    if not ids:
        return
    _lock_index(s, ids)
    old, docs = _old_terms(s, ids)
    s.execute(delete(_TERMS).where(_TERMS.c.dataset_id.in_(ids)))
    s.execute(delete(_DOCS).where(_DOCS.c.dataset_id.in_(ids)))
    d = typing.cast(Table, DatasetRow.__table__).c
    attrs = {
        row.id: row
        for row in s.execute(
            select(d.id, d.visibility, d.owner_org_id, d.theme, d.licence, d.update_cycle).where(
                d.id.in_(ids), d.deleted_at.is_(None)
            )
        )
    }
    profile_of: dict[int, Profile] = {}
    for doc in documents:
        row = attrs.get(doc.dataset_id)
        if row is None:  # (a dataset without a word to index still counts in listings)
            continue
        formats = "".join(f",{f}" for f in sorted(set(doc.formats))) + ("," if doc.formats else "")
        profile_of[doc.dataset_id] = (
            str(row.visibility),
            int(row.owner_org_id),
            row.theme or "",
            row.licence or "",
            row.update_cycle or "",
            doc.district or "",
            formats,
        )
    profiles = _profile_ids(s, set(profile_of.values()))
    doc_rows = [{"dataset_id": i, "profile_id": profiles[p]} for i, p in profile_of.items()]
    term_rows: list[dict[str, Any]] = []
    new: Counter[str] = Counter()
    for doc in documents:
        if doc.dataset_id not in profile_of:
            continue
        profile = profiles[profile_of[doc.dataset_id]]
        term_rows += [
            {"term": t, "dataset_id": doc.dataset_id, "fields": f, "weight": w, "profile_id": profile}
            for t, f, w in doc.postings
        ]
        new.update({t for t, _, _ in doc.postings})
    if doc_rows:
        s.execute(insert(_DOCS), doc_rows)
    for start in range(0, len(term_rows), 20000):
        s.execute(insert(_TERMS), term_rows[start : start + 20000])
    delta = dict(new)
    for term, n in old.items():
        delta[term] = delta.get(term, 0) - n
    delta[_TOTAL] = len(doc_rows) - docs
    _upsert_vocab(s, delta)


# -- reading ------------------------------------------------------------------------------------------


def index_built(s: Session) -> bool:
    return s.scalar(select(_DOCS.c.dataset_id).limit(1)) is not None


def matched_terms(s: Session, dataset_ids: list[int], terms: list[str]) -> dict[int, dict[str, list[str]]]:
    """Per dataset, each field and the query's terms found in it."""
    out: dict[int, dict[str, list[str]]] = {i: {} for i in dataset_ids}
    if not dataset_ids or not terms:
        return out
    rows = s.execute(
        select(_TERMS.c.dataset_id, _TERMS.c.term, _TERMS.c.fields).where(
            _TERMS.c.term.in_(sorted(set(terms))), _TERMS.c.dataset_id.in_(dataset_ids)
        )
    )
    found: dict[int, dict[str, set[str]]] = {}
    for dataset_id, term, fields in rows:
        for field in str(fields).split(","):
            found.setdefault(int(dataset_id), {}).setdefault(field, set()).add(str(term))
    for dataset_id, by_field in found.items():
        out[dataset_id] = {f: sorted(by_field[f]) for f in sorted(by_field)}
    return out


def known_terms(s: Session, terms: list[str]) -> set[str]:
    """Which of these terms some indexed dataset holds (whoever may read it)."""
    if not terms:
        return set()
    rows = s.execute(select(_VOCAB.c.term).where(_VOCAB.c.term.in_(sorted(set(terms))), _VOCAB.c.df > 0))
    return {str(t) for (t,) in rows}


def term_counts(s: Session, scope: ReadScope, terms: list[str]) -> dict[str, int]:
    """How many datasets the scope may read hold each of these terms (absent terms are left out)."""
    known = sorted(known_terms(s, terms))
    if not known:
        return {}
    bind = _Params()
    sql = (
        f"SELECT t.term, COUNT(*) FROM search_terms t JOIN search_profiles f ON f.id = t.profile_id "
        f"WHERE t.term IN ({bind.many(known)}) AND {_scope_sql(scope, 'f', bind, 't.dataset_id')} "
        "GROUP BY t.term"
    )
    return {str(t): int(n) for t, n in s.execute(text(sql), bind.values)}


class _Params:
    """Bound parameters of a hand-written statement: every value goes in as a parameter."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __call__(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f":{name}"

    def many(self, values: list[Any]) -> str:
        return ", ".join(self(v) for v in values)


def _weighted(alias: str, group: list[str], idf: dict[str, float], bind: _Params) -> str:
    whens = " ".join(f"WHEN {bind(t)} THEN {bind(idf[t])}" for t in group)
    return f"{alias}.weight * CASE {alias}.term {whens} ELSE 0.0 END"


# sort → (what the page is ordered by, read from ``datasets`` as ``key``, and its direction)
_ORDER = {
    "updated": ("d.updated_at", "DESC"),
    "created": ("d.created_at", "DESC"),
    "popular": ("d.view_count + 3 * d.download_count", "DESC"),
    "title": ("d.title", "ASC"),
}


def _facet_where(flt: DatasetFilter, alias: str, bind: _Params) -> dict[str, str]:
    """The chosen facets as SQL conditions on profile values (``alias`` holds them), by facet."""
    facet_sql: dict[str, str] = {}
    if flt.org:
        facet_sql["org"] = f"{alias}.owner_org_id = (SELECT o.id FROM orgs o WHERE o.slug = {bind(flt.org)})"
    for facet, value in (
        ("theme", flt.theme),
        ("licence", flt.licence),
        ("update_cycle", flt.update_cycle),
        ("district", flt.district),
    ):
        if value:
            facet_sql[facet] = f"{alias}.{facet} = {bind(value)}"
    if flt.format:
        pattern = bind(_contains(f",{flt.format.lower()},"))
        facet_sql["format"] = f"{alias}.formats LIKE {pattern} ESCAPE '\\'"
    return facet_sql


def search(
    s: Session, scope: ReadScope, flt: DatasetFilter, *, facets: bool, profiles: dict[int, tuple[Any, ...]]
) -> tuple[list[int], int, dict[str, dict[str, int]]]:
    """The page (dataset ids in order), the total and the facet counts of a search with ``flt.groups``.

    A dataset's score sums, over the query's groups, its best (weight × idf) among the group's
    terms: one strong field counts more than the same word scattered over weak ones. The
    statement is written out here, with every value a bound parameter: assembled with the
    expression language it took longer to build than to run.
    """
    empty: dict[str, dict[str, int]] = {f: {} for f in FACETS} if facets else {}
    # each group: the terms that match it (its first, or all after QUERY_ANY) and those that score
    parsed = []
    for group in flt.groups or ():
        found = list(dict.fromkeys(group))
        if found and found[0] == QUERY_ANY:
            parsed.append((found[1:], found[1:]))
        elif found:
            parsed.append((found[:1], found))
    terms = sorted({t for _, scoring in parsed for t in scoring})
    df = {
        str(t): int(n)
        for t, n in s.execute(select(_VOCAB.c.term, _VOCAB.c.df).where(_VOCAB.c.term.in_([*terms, _TOTAL])))
    }
    indexed = df.pop(_TOTAL, 0)
    groups = [([t for t in need if df.get(t)], [t for t in scoring if df.get(t)]) for need, scoring in parsed]
    if not groups or any(not need for need, _ in groups):
        return [], 0, empty
    idf = {t: math.log(1 + indexed / df[t]) for t in df}
    groups.sort(key=lambda g: sum(df[t] for t in g[0]))  # the rarest group drives; the next is checked first
    bind = _Params()

    readable = [_scope_sql(scope, "f", bind, "c.id")]
    if flt.visibility:
        readable.append(f"f.visibility = {bind(flt.visibility)}")
    facet_sql = _facet_where(flt, "m", bind)

    dialect = s.get_bind().dialect.name
    # SQLite would probe through the dataset_id index; the (term, dataset) key is three times faster
    by_key = " INDEXED BY sqlite_autoindex_search_terms_1" if dialect == "sqlite" else ""
    greatest = "MAX" if dialect == "sqlite" else "GREATEST"

    def probe(alias: str, term: str, dataset: str) -> str:
        """The weight of one term in one dataset (NULL when it lacks it): one look-up by key."""
        return (
            f"(SELECT {alias}.weight FROM search_terms {alias}{by_key} "
            f"WHERE {alias}.term = {bind(term)} AND {alias}.dataset_id = {dataset})"
        )

    def any_of(alias: str, scoring: list[str], dataset: str) -> str:
        return (
            f"(SELECT MAX({_weighted(alias, scoring, idf, bind)}) FROM search_terms {alias}{by_key} "
            f"WHERE {alias}.dataset_id = {dataset} AND {alias}.term IN ({bind.many(scoring)}))"
        )

    relevance = flt.sort not in _ORDER
    (driver, _), others = groups[0], groups[1:]
    # the other groups, rarest first: most candidates fail at the first look-up
    where_x = list(readable)
    for i, (need, _) in enumerate(others, start=1):
        holds = f"= {bind(need[0])}" if len(need) == 1 else f"IN ({bind.many(need)})"
        where_x.append(
            f"EXISTS (SELECT 1 FROM search_terms q{i}{by_key} "
            f"WHERE q{i}.term {holds} AND q{i}.dataset_id = c.id)"
        )
    if flt.keyword:
        quoted = _contains(json.dumps(flt.keyword, ensure_ascii=False))
        where_x.append(
            "c.id IN (SELECT k.id FROM datasets k "
            f"WHERE CAST(k.keywords AS TEXT) LIKE {bind(quoted)} ESCAPE '\\')"
        )
    # the score: per group, its best (weight × idf); a group's other terms are looked up once each
    extras = sorted({t for need, scoring in groups if len(need) == 1 for t in scoring if t != need[0]})
    extra_col = {t: f"e{k}" for k, t in enumerate(extras)}
    scored: list[str] = []  # m columns
    parts: list[str] = []  # the score, from m's columns
    if relevance:
        scored += [
            f"{probe(f'b{i}', need[0], 'x.id')} AS b{i}"
            for i, (need, _) in enumerate(others, 1)
            if len(need) == 1
        ]
        scored += [f"{probe(f'e{k}', t, 'x.id')} AS {extra_col[t]}" for k, t in enumerate(extras)]
        for i, (need, scoring) in enumerate(groups):
            if len(need) > 1:
                scored.append(f"{any_of(f'a{i}', scoring, 'x.id')} AS a{i}")
                parts.append(f"COALESCE(m.a{i}, 0)")
                continue
            base = "m.w0" if i == 0 else f"m.b{i}"
            weights = [f"{base} * {bind(idf[need[0]])}"] + [
                f"COALESCE(m.{extra_col[t]}, 0) * {bind(idf[t])}" for t in scoring if t != need[0]
            ]
            parts.append(f"{greatest}({', '.join(weights)})" if len(weights) > 1 else weights[0])
        keyed, direction, joined = f"{' + '.join(parts)} AS key", "DESC", ""
    else:
        key, direction = _ORDER[flt.sort]
        keyed, joined = f"{key} AS key", " JOIN datasets d ON d.id = m.id"
    # the scores are looked up once per match (m is a table then); otherwise m is x itself
    hint = "MATERIALIZED" if scored else "NOT MATERIALIZED"
    order = f"t.key {direction}, t.id DESC"
    # the page keeps its order through the UNION as r: the score itself, or (other sorts) the rank
    rank = "-t.key" if relevance else f"CAST(ROW_NUMBER() OVER (ORDER BY {order}) AS FLOAT)"
    if len(driver) == 1:  # one term: each dataset once, nothing to aggregate
        candidates = (
            f"SELECT d0.dataset_id AS id, d0.profile_id AS profile, d0.weight AS w0 "
            f"FROM search_terms d0 WHERE d0.term = {bind(driver[0])}"
        )
    else:
        candidates = (
            f"SELECT d0.dataset_id AS id, MAX(d0.profile_id) AS profile, 0.0 AS w0 FROM search_terms d0 "
            f"WHERE d0.term IN ({bind.many(driver)}) GROUP BY d0.dataset_id"
        )
    # the profile's values travel with each match only when a facet filter reads them (a quarter
    # of the statement's time on a search with ~3,000 matches)
    carried = (
        ", f.owner_org_id, f.theme, f.licence, f.update_cycle, f.district, f.formats" if facet_sql else ""
    )
    sql = f"""
WITH x AS MATERIALIZED (
  SELECT c.id, c.profile, c.w0{carried}
  FROM ({candidates}) c JOIN search_profiles f ON f.id = c.profile
  WHERE {" AND ".join(where_x)}
), m AS {hint} (
  SELECT x.*{"".join(", " + c for c in scored)} FROM x
)
SELECT 0 AS k, u.id AS n, u.r AS r FROM (
  SELECT t.id, {rank} AS r FROM (
    SELECT m.id, {keyed} FROM m{joined} WHERE {" AND ".join(["1 = 1", *facet_sql.values()])}
  ) t
  ORDER BY {order} LIMIT {bind(flt.limit)} OFFSET {bind(flt.offset)}
) u
UNION ALL
SELECT 1, m.profile, CAST(COUNT(*) AS FLOAT) FROM m GROUP BY m.profile"""
    rows = s.execute(text(sql), bind.values).all()
    page = [int(n) for _, n, _ in sorted((r for r in rows if r[0] == 0), key=lambda r: (r[2], -r[1]))]
    per_profile = {int(n): int(c) for k, n, c in rows if k == 1}
    total, counts = _facet_counts(s, per_profile, flt, facets, profiles)
    return page, total, counts


# a filtered listing reads the datasets of at most this many profiles (then sorts them)
_BY_PROFILES = 2000


# the live datasets, counted on the smallest partial index of them (migration 0014): SQLite would
# otherwise read every row of the wide table (19 ms against 3.5 ms for 100,000 datasets)
_LIVE_COUNT = {
    False: "SELECT count(*) FROM datasets WHERE deleted_at IS NULL",
    True: "SELECT count(*) FROM datasets INDEXED BY ix_datasets_live_popular WHERE deleted_at IS NULL",
}


def listing(
    s: Session, scope: ReadScope, flt: DatasetFilter, *, facets: bool, profiles: dict[int, tuple[Any, ...]]
) -> tuple[list[int], int, dict[str, dict[str, int]]] | None:
    """The page, the total and the facet counts of a listing without a query, from the profiles.

    Counting by the tables reads every row of ``datasets`` once per facet (1.3 s for a page of a
    catalogue of 100,000); here the index's datasets are counted per profile, and the profiles
    give the total and every facet count, as for a search. The page walks the index of its order
    (``ix_datasets_live_updated`` …) or, for a rare facet value, reads the datasets of the profiles
    that pass. None when the index does not hold every live dataset (while it is built or
    rebuilt), or for a filter the profiles do not hold (a keyword): the caller reads the tables.
    """
    if flt.keyword or flt.q or flt.groups:
        return None
    indexed = s.scalar(select(_VOCAB.c.df).where(_VOCAB.c.term == _TOTAL)) or 0
    live = s.scalar(text(_LIVE_COUNT[s.get_bind().dialect.name == "sqlite"])) or 0
    if indexed != live:
        return None
    bind = _Params()
    readable = [_scope_sql(scope, "f", bind, "x.dataset_id")]
    if flt.visibility:
        readable.append(f"f.visibility = {bind(flt.visibility)}")
    if scope.dataset_ids:  # held under a grant: a dataset's own id decides, not only its profile
        counted = (
            "SELECT x.profile_id, COUNT(*) FROM search_docs x JOIN search_profiles f ON f.id = x.profile_id "
            f"WHERE {' AND '.join(readable)} GROUP BY x.profile_id"
        )
    else:  # count per profile first: the scope is then checked once per profile, not per dataset
        counted = (
            "SELECT x.profile_id, x.n FROM (SELECT profile_id, COUNT(*) AS n FROM search_docs "
            "GROUP BY profile_id) x JOIN search_profiles f ON f.id = x.profile_id "
            f"WHERE {' AND '.join(readable)}"
        )
    per_profile = {int(p): int(n) for p, n in s.execute(text(counted), bind.values)}
    passing: list[int] = []
    total, counts = _facet_counts(s, per_profile, flt, facets, profiles, passing)
    if flt.limit <= 0 or total <= flt.offset:
        return [], total, counts
    bind = _Params()
    where = ["d.deleted_at IS NULL", _scope_sql(scope, "f", bind, "d.id")]
    if flt.visibility:
        where.append(f"f.visibility = {bind(flt.visibility)}")
    chosen = _facet_where(flt, "f", bind)
    key, direction = _ORDER.get(flt.sort, _ORDER["updated"])
    # walking the order's index, one in (total / indexed) datasets passes: it reads about
    # (offset + limit) × indexed / total of them, against the ``total`` the passing profiles hold
    rare = (flt.offset + flt.limit) * indexed > total * total
    if chosen and rare and len(passing) <= _BY_PROFILES:
        # the datasets of the passing profiles, sorted (CROSS JOIN: SQLite reads them first)
        where.append(f"x.profile_id IN ({bind.many(sorted(passing))})")
        source = "search_docs x CROSS JOIN datasets d"
    else:  # the order's index, until the page is full (CROSS JOIN: SQLite, with statistics, would
        # rather read every dataset of the readable profiles and sort them: 0.5 s for page 50)
        where += chosen.values()
        source = "datasets d CROSS JOIN search_docs x"
    sql = (
        f"SELECT d.id FROM {source} JOIN search_profiles f ON f.id = x.profile_id "
        f"WHERE x.dataset_id = d.id AND {' AND '.join(where)} "
        f"ORDER BY {key} {direction}, d.id DESC LIMIT {bind(flt.limit)} OFFSET {bind(flt.offset)}"
    )
    return [int(i) for (i,) in s.execute(text(sql), bind.values)], total, counts


def _profiles(s: Session, ids: list[int], cache: dict[int, tuple[Any, ...]]) -> dict[int, tuple[Any, ...]]:
    """Each profile's values in ``FACETS`` order (owner org id first, formats as a tuple).

    A profile never changes once written, so what was read once is kept in ``cache``.
    """
    missing = sorted(i for i in ids if i not in cache)
    p = _PROFILES.c
    for start in range(0, len(missing), 5000):
        rows = s.execute(
            select(p.id, p.owner_org_id, p.theme, p.licence, p.formats, p.update_cycle, p.district).where(
                p.id.in_(missing[start : start + 5000])
            )
        )
        if len(cache) > _PROFILE_CACHE:
            cache.clear()
        for pid, org, theme, licence, formats, cycle, district in rows:
            split = tuple(f for f in str(formats).split(",") if f)
            cache[int(pid)] = (int(org), theme, licence, split, cycle, district)
    return {i: cache[i] for i in ids if i in cache}


def _facet_counts(
    s: Session,
    per_profile: dict[int, int],
    flt: DatasetFilter,
    facets: bool,
    cache: dict[int, tuple[Any, ...]],
    passing: list[int] | None = None,
) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and the facet counts from the matches per profile: each facet ignores its own filter.

    ``passing``, when given, receives the profiles that pass every chosen facet."""
    out: dict[str, dict[str, int]] = {f: {} for f in FACETS} if facets else {}
    if not per_profile:
        return 0, out
    profiles = _profiles(s, list(per_profile), cache)
    org_ids = sorted({v[0] for v in profiles.values()})
    slugs = {
        int(i): str(slug)
        for i, slug in s.execute(select(OrgRow.id, OrgRow.slug).where(OrgRow.id.in_(org_ids)))
    }
    org_id = next((i for i, slug in slugs.items() if slug == flt.org), -1) if flt.org else None
    # the filters in FACETS order: (position, wanted value); formats hold several values
    wanted = [
        (i, want)
        for i, want in enumerate(
            (
                org_id,
                flt.theme,
                flt.licence,
                (flt.format or "").lower() or None,
                flt.update_cycle,
                flt.district,
            )
        )
        if want is not None
    ]
    if not wanted:  # no facet chosen, the common case: every match counts, once per facet value
        if passing is not None:
            passing += [pid for pid in per_profile if pid in profiles]
        return _unfiltered_counts(per_profile, profiles, slugs, out if facets else None)
    counters = [out[f] for f in FACETS] if facets else []
    total = 0
    for pid, n in per_profile.items():
        values = profiles.get(pid)
        if values is None:
            continue
        failing = [i for i, want in wanted if (want not in values[i] if i == 3 else values[i] != want)]
        if not failing:
            total += n
            if passing is not None:
                passing.append(pid)
        if not facets or len(failing) > 1:
            continue
        for i, counter in enumerate(counters):
            if failing and failing[0] != i:
                continue  # a facet's counts ignore its own filter, never another's
            value = values[i]
            for v in value if i == 3 else (slugs.get(value, "") if i == 0 else value,):
                if v:
                    counter[v] = counter.get(v, 0) + n
    return total, out


def _unfiltered_counts(
    per_profile: dict[int, int],
    profiles: dict[int, tuple[Any, ...]],
    slugs: dict[int, str],
    out: dict[str, dict[str, int]] | None,
) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and the facet counts when no facet is chosen (the same answer as the general
    loop of :func:`_facet_counts`, without its per-profile filter checks: a search with ~1,000
    matches spends a millisecond less here)."""
    total = 0
    if out is None:
        return sum(n for pid, n in per_profile.items() if pid in profiles), {}
    orgs: dict[int, int] = {}
    themes: dict[str, int] = {}
    licences: dict[str, int] = {}
    formats: dict[str, int] = {}
    cycles: dict[str, int] = {}
    districts: dict[str, int] = {}
    for pid, n in per_profile.items():
        values = profiles.get(pid)
        if values is None:
            continue
        total += n
        org, theme, licence, fmts, cycle, district = values
        orgs[org] = orgs.get(org, 0) + n
        themes[theme] = themes.get(theme, 0) + n
        licences[licence] = licences.get(licence, 0) + n
        cycles[cycle] = cycles.get(cycle, 0) + n
        districts[district] = districts.get(district, 0) + n
        for f in fmts:
            formats[f] = formats.get(f, 0) + n
    by_slug: dict[str, int] = {}
    for org, n in orgs.items():
        slug = slugs.get(org, "")
        if slug:
            by_slug[slug] = by_slug.get(slug, 0) + n
    for facet, counts in zip(FACETS, (by_slug, themes, licences, formats, cycles, districts), strict=True):
        out[facet] = {v: n for v, n in counts.items() if v}
    return total, out


def _contains(value: str) -> str:
    """A LIKE pattern (escape character: backslash) for text containing ``value``."""
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
