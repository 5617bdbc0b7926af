"""Personal-data detector: precision and recall per kind on a generated labelled set, beside plain regexes.

Labelled set (``--columns`` per kind, ``--values`` values each, from ``--seed``): columns of every kind
the detector knows — RRNs issued before 2020 (all verify), RRN columns mixed with post-October-2020
numbers (no check digit) and newborns' numbers only, foreigner, business and corporate numbers,
phones (mobile, landline, 1588), cards, e-mail, passports, driver's licences, road and lot
addresses, names under a 성명-style header — and decoys labelled "none": dates (20230112,
2023.01.12), amounts, order ids (date + sequence, 13-digit order numbers that start with a date),
법정동/행정동 codes, 정류장 번호, 13/16-digit random ids, 10-digit codes in the business
number's shape, impossible RRNs (bad dates), part numbers shaped like passports, facility names.
Headers are neutral for half the columns and telling for the other half (so the header alone
cannot carry the result).

Measured in the same run:

- hubcity: ``hubcity.domain.personal.classify_column`` (header + values); a column is predicted as
  its strongest finding, or none;
- baseline: plain regular expressions without check digits, dates or headers; a column is predicted
  as the first kind whose pattern matches at least 60 % of its values.

Reported per kind: precision, recall (issue target ≥ 0.95 for RRN, business number, phone and
card), values scanned per second; plus the end-to-end scan of a generated Parquet file
(``--rows`` rows × 6 columns) the way ingest runs it (DuckDB sample of 1,000 distinct values per
column + the classifier).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from hubcity.domain.personal import PersonalKind, classify_column

OUT_DIR = Path(__file__).resolve().parent / "out"
TODAY = date(2026, 11, 24)
TARGET_KINDS = ("rrn", "business_no", "phone", "card")

# -- generators (published check-digit algorithms, written out here) -------------------------------


def _rrn_check(d: str) -> int:
    return (
        11 - sum(int(a) * w for a, w in zip(d, (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5), strict=True)) % 11
    ) % 10


def _frn_check(d: str) -> int:
    return (
        13 - sum(int(a) * w for a, w in zip(d, (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5), strict=True)) % 11
    ) % 10


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _born(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _rrn(rng: random.Random, born: date, gender: int, *, check: bool = True, foreigner: bool = False) -> str:
    body = born.strftime("%y%m%d") + str(gender) + _digits(rng, 5)
    good = _frn_check(body) if foreigner else _rrn_check(body)
    last = good if check else (good + rng.randint(1, 9)) % 10
    sep = "-" if rng.random() < 0.8 else ""
    return f"{body[:6]}{sep}{body[6:]}{last}"


def rrn_old(rng: random.Random) -> str:
    born = _born(rng, date(1935, 1, 1), date(2019, 12, 31))
    return _rrn(rng, born, rng.choice([1, 2]) if born.year < 2000 else rng.choice([3, 4]))


def rrn_new(rng: random.Random) -> str:
    born = _born(rng, date(2020, 10, 1), date(2026, 10, 31))
    return _rrn(rng, born, rng.choice([3, 4]), check=rng.random() < 0.1)


def foreigner(rng: random.Random) -> str:
    born = _born(rng, date(1950, 1, 1), date(2005, 12, 31))
    gender = rng.choice([5, 6]) if born.year < 2000 else rng.choice([7, 8])
    return _rrn(rng, born, gender, foreigner=True)


def business(rng: random.Random) -> str:
    d = str(rng.randint(101, 999)) + _digits(rng, 6)
    s = sum(int(a) * w for a, w in zip(d, (1, 3, 7, 1, 3, 7, 1, 3, 5), strict=True)) + int(d[8]) * 5 // 10
    d += str((10 - s % 10) % 10)
    return f"{d[:3]}-{d[3:5]}-{d[5:]}" if rng.random() < 0.8 else d


def corporate(rng: random.Random) -> str:
    d = rng.choice(["1101", "1201", "1301", "2001", "2101", "1601"]) + rng.choice(["11", "12", "21", "71"])
    d += _digits(rng, 6)
    s = sum(int(a) * (2 if i % 2 else 1) for i, a in enumerate(d))
    d += str((10 - s % 10) % 10)
    return f"{d[:6]}-{d[6:]}"


def phone(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.6:
        v = f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        return v.replace("-", "") if rng.random() < 0.2 else v
    if r < 0.9:
        area = rng.choice(["02", "031", "051", "053", "062", "061", "064"])
        return f"{area}-{rng.randint(200, 9999)}-{rng.randint(1000, 9999)}"
    return f"{rng.choice([1588, 1577, 1666, 1899])}-{rng.randint(1000, 9999)}"


def card(rng: random.Random) -> str:
    body = rng.choice(["4", "51", "53", "9410", "35", "6"])
    length = 15 if body == "35" and rng.random() < 0.3 else 16
    while len(body) < length - 1:
        body += str(rng.randint(0, 9))
    total = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    d = body + str((10 - total % 10) % 10)
    return "-".join(d[i : i + 4] for i in range(0, len(d), 4)) if rng.random() < 0.7 else d


def email(rng: random.Random) -> str:
    user = rng.choice(["kim", "lee", "park", "choi", "jung"]) + str(rng.randint(1, 9999))
    return f"{user}@{rng.choice(['naver.com', 'gmail.com', 'daum.net', 'korea.kr', 'hanmail.net'])}"


def passport(rng: random.Random) -> str:
    letter = rng.choice("MSRGD")
    if rng.random() < 0.5:
        return f"{letter}{_digits(rng, 8)}"
    return f"{letter}{_digits(rng, 3)}{rng.choice('ABCDEFGHJK')}{_digits(rng, 4)}"


def licence(rng: random.Random) -> str:
    region = rng.choice([*(str(n) for n in range(11, 27)), "28"])
    return f"{region}-{rng.randint(90, 99) % 100:02d}-{_digits(rng, 6)}-{_digits(rng, 2)}"


_GU = ["동구", "서구", "남구", "북구", "광산구"]
_ROADS = ["금남로", "상무대로", "무진대로", "첨단중앙로", "죽봉대로", "하남대로", "서문대로", "필문대로"]
_DONG = ["충장동", "양림동", "월곡동", "주월동", "쌍촌동", "용봉동", "수완동"]


def address(rng: random.Random) -> str:
    city = rng.choice(["광주광역시", "광주"])
    if rng.random() < 0.7:
        return f"{city} {rng.choice(_GU)} {rng.choice(_ROADS)} {rng.randint(1, 400)}"
    return f"{city} {rng.choice(_GU)} {rng.choice(_DONG)} {rng.randint(1, 1500)}-{rng.randint(1, 30)}"


_SUR = "김이박최정강조윤장임한오서신권황안송류전홍"
_GIVEN = "민서지현우준하윤도연수영진호성예은재훈"


def name(rng: random.Random) -> str:
    return rng.choice(_SUR) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice([1, 2, 2, 2])))


# decoys ---------------------------------------------------------------------------------------------
def d_yyyymmdd(rng: random.Random) -> str:
    return (date(2015, 1, 1) + timedelta(days=rng.randint(0, 4000))).strftime("%Y%m%d")


def d_dotted(rng: random.Random) -> str:
    return (date(2015, 1, 1) + timedelta(days=rng.randint(0, 4000))).strftime("%Y.%m.%d")


def d_amount(rng: random.Random) -> str:
    return f"{rng.randint(1000, 9_999_999_999):,}"


def d_order(rng: random.Random) -> str:
    return f"{d_yyyymmdd(rng)}-{rng.randint(1, 99999):05d}"


def d_order13(rng: random.Random) -> str:  # 230115 + 7 digits: a date, then a sequence
    day = date(2021, 1, 1) + timedelta(days=rng.randint(0, 1500))
    return day.strftime("%y%m%d") + str(rng.choice([1, 2])) + f"{rng.randint(0, 999999):06d}"


def d_order13_recent(rng: random.Random) -> str:  # the same with a 3/4 after the date: reads as a newborn
    day = date(2021, 1, 1) + timedelta(days=rng.randint(0, 1500))
    return day.strftime("%y%m%d") + str(rng.choice([3, 4])) + f"{rng.randint(0, 999999):06d}"


def d_legal_dong(rng: random.Random) -> str:
    return f"29{rng.choice([110, 140, 155, 170, 200])}{rng.randint(101, 140)}00"


def d_admin_dong(rng: random.Random) -> str:
    return f"29{rng.choice([110, 140, 155, 170, 200])}{rng.randint(510, 800)}00"


def d_stop(rng: random.Random) -> str:
    return str(rng.randint(1001, 6000))


def d_rand13(rng: random.Random) -> str:
    return str(rng.randint(10**12, 10**13 - 1))


def d_rand16(rng: random.Random) -> str:
    return str(rng.randint(10**15, 10**16 - 1))


def d_biz_shape(rng: random.Random) -> str:
    return f"{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10000, 99999)}"


def d_bad_rrn(rng: random.Random) -> str:  # impossible dates: month 13-99 or day 32+
    front = f"{rng.randint(0, 99):02d}{rng.randint(13, 99):02d}{rng.randint(1, 28):02d}"
    return f"{front}-{rng.randint(1, 4)}{_digits(rng, 6)}"


def d_part(rng: random.Random) -> str:
    return f"{rng.choice('MSRGD')}{_digits(rng, 8)}"


def d_facility(rng: random.Random) -> str:
    return rng.choice(
        ["광주역", "무등산", "상무시민공원", "김대중컨벤션센터", "양동시장", "충장로", "사직공원"]
    )


Gen = Callable[[random.Random], str]
# (label, generator, neutral header, telling header)
KINDS: list[tuple[str, Gen, str, str]] = [
    ("rrn", rrn_old, "번호", "주민등록번호"),
    ("rrn", rrn_new, "등록번호", "주민번호"),
    ("foreigner_rn", foreigner, "등록번호", "외국인등록번호"),
    ("business_no", business, "번호", "사업자등록번호"),
    ("corporate_no", corporate, "등록번호", "법인등록번호"),
    ("phone", phone, "비고2", "연락처"),
    ("card", card, "결제정보", "카드번호"),
    ("email", email, "ID", "이메일"),
    ("passport", passport, "여권번호", "여권번호"),  # counted only with a label: both headers say so
    ("driver_licence", licence, "번호", "운전면허번호"),
    ("address", address, "위치", "주소"),
    ("name", name, "성명", "신청인"),  # names only under a header that says so
]
DECOYS: list[tuple[str, Gen, str]] = [
    ("date", d_yyyymmdd, "기준일자"),
    ("date-dotted", d_dotted, "접수일"),
    ("amount", d_amount, "금액"),
    ("order-id", d_order, "주문번호"),
    ("order-13", d_order13, "접수번호"),
    ("order-13-recent", d_order13_recent, "접수번호"),
    ("법정동코드", d_legal_dong, "법정동코드"),
    ("행정동코드", d_admin_dong, "행정동코드"),
    ("정류장번호", d_stop, "정류장번호"),
    ("random-13", d_rand13, "관리번호"),
    ("random-16", d_rand16, "거래번호"),
    ("biz-shape", d_biz_shape, "허가번호"),
    ("bad-rrn", d_bad_rrn, "번호"),
    ("part-no", d_part, "모델번호"),
    ("facility", d_facility, "시설명"),
]


def labelled_set(seed: int, per_kind: int, values: int) -> list[tuple[str, str, list[str], str]]:
    """(label, header, values, family) for every generated column."""
    rng = random.Random(seed)
    cols = []
    for label, gen, neutral, telling in KINDS:
        for i in range(per_kind):
            header = telling if i % 2 else neutral
            vals = [gen(rng) for _ in range(values)]
            if label == "rrn" and gen is rrn_old and i % 4 == 3:  # some post-2020 numbers mixed in
                vals = vals[: values * 3 // 4] + [rrn_new(rng) for _ in range(values - values * 3 // 4)]
            if i % 5 == 4:  # a few blanks and stray notes, as real sheets have
                vals[: values // 20] = ["", "미기재"] * (values // 40) + [""] * (values // 20 % 2)
            cols.append((label, header, vals, gen.__name__))
    for family, gen, header in DECOYS:
        for _ in range(per_kind):
            cols.append(("none", header, [gen(rng) for _ in range(values)], family))
    return cols


# -- the baseline: plain regexes, no check digits, no dates, no headers --------------------------------
BASELINE: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")),
    ("rrn", re.compile(r"^\d{6}-?[1-4]\d{6}$")),
    ("foreigner_rn", re.compile(r"^\d{6}-?[5-8]\d{6}$")),
    ("corporate_no", re.compile(r"^\d{6}-?\d{7}$")),
    ("business_no", re.compile(r"^\d{3}-?\d{2}-?\d{5}$")),
    ("phone", re.compile(r"^(0\d{1,2}-?\d{3,4}-?\d{4}|1[5-8]\d{2}-?\d{4})$")),
    ("card", re.compile(r"^(\d{4}-?){3}\d{1,7}$|^\d{13,19}$")),
    ("driver_licence", re.compile(r"^\d{2}-\d{2}-\d{6}-\d{2}$")),
    ("passport", re.compile(r"^[MSRGD](\d{8}|\d{3}[A-Z]\d{4})$")),
    ("address", re.compile(r"^\S+(시|도)\s+\S+(구|군)\s+\S+(로|길|동)\s*\d")),
    ("name", re.compile(r"^[가-힣]{2,4}$")),
]


def baseline_classify(values: list[str]) -> str:
    sample = [v for v in values if v]
    if not sample:
        return "none"
    for kind, pattern in BASELINE:
        if sum(1 for v in sample if pattern.match(v)) / len(sample) >= 0.6:
            return kind
    return "none"


def hubcity_classify(header: str, values: list[str]) -> str:
    found = classify_column(header, values, TODAY)
    return str(found.kind) if found else "none"


def _scores(pairs: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    kinds = sorted({k.value for k in PersonalKind})
    out = {}
    for k in kinds:
        tp = sum(1 for truth, pred in pairs if truth == k and pred == k)
        fp = sum(1 for truth, pred in pairs if truth != k and pred == k)
        fn = sum(1 for truth, pred in pairs if truth == k and pred != k)
        out[k] = {
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0,
            "tp": tp,
            "fp": fp,
            "fn": fn,
        }
    return out


def _end_to_end(rows: int, seed: int) -> dict[str, float]:
    """Write a Parquet file like an ingested version and scan it as ingest does."""
    import duckdb

    from hubcity.adapters.engines.sample import DuckColumnSampler
    from hubcity.services.personal import PersonalDataService

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "people.parquet"
        gens = {
            "성명": name,
            "주민번호": rrn_old,
            "연락처": phone,
            "주소": address,
            "접수일자": d_yyyymmdd,
            "금액": d_amount,
        }
        pool = {k: [g(rng) for _ in range(5000)] for k, g in gens.items()}
        con = duckdb.connect()
        con.execute(
            "CREATE TABLE t AS SELECT "
            + ", ".join(f'$p{i}[1 + (hash(i * {i + 7}) % 5000)::BIGINT] AS "{k}"' for i, k in enumerate(gens))
            + f" FROM range({int(rows)}) r(i)",
            {f"p{i}": pool[k] for i, k in enumerate(gens)},
        )
        con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
        con.close()
        columns = [{"name": k, "type": "text"} for k in gens]
        svc = PersonalDataService(store=None, lake=None, sampler=DuckColumnSampler())  # type: ignore[arg-type]
        started = time.perf_counter()
        scanned = svc.scan(path, columns)
        took = time.perf_counter() - started
        found = {c["name"]: c.get("personal", {}).get("kind") for c in scanned}
    return {"rows": rows, "seconds": took, "found": found}  # type: ignore[dict-item]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=7, help="labelled set seed (7)")
    parser.add_argument("--columns", type=int, default=40, help="columns per kind and per decoy family (40)")
    parser.add_argument("--values", type=int, default=200, help="values per column (200)")
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="rows of the end-to-end Parquet file (1,000,000)"
    )
    parser.add_argument("--out", type=Path, default=None, help="result JSON (bench/out/personal-<date>.json)")
    parser.add_argument("--verbose", action="store_true", help="list every wrongly classified column")


def run(args: argparse.Namespace) -> int:
    cols = labelled_set(args.seed, args.columns, args.values)
    total_values = sum(len(v) for _, _, v, _ in cols)
    results: dict[str, Any] = {"columns": len(cols), "values": total_values, "systems": {}}
    for system, fn in (
        ("hubcity", lambda h, v: hubcity_classify(h, v)),
        ("regex baseline", lambda h, v: baseline_classify(v)),
    ):
        started = time.perf_counter()
        preds = [(label, fn(header, vals), family, header) for label, header, vals, family in cols]
        took = time.perf_counter() - started
        scores = _scores([(t, p) for t, p, _, _ in preds])
        decoy_fp = Counter(f for t, p, f, _ in preds if t == "none" and p != "none")
        results["systems"][system] = {
            "seconds": took,
            "values_per_second": total_values / took,
            "scores": scores,
            "decoys_flagged": dict(decoy_fp),
            "errors": [(f, h, t, p) for t, p, f, h in preds if t != p],
        }
    e2e = _end_to_end(args.rows, args.seed)
    results["end_to_end"] = e2e

    hub, base = results["systems"]["hubcity"], results["systems"]["regex baseline"]
    size = f"{len(cols):,} columns × {args.values} values ({total_values:,} values)"
    print(f"labelled set: {size}, seed {args.seed}")  # noqa: T201
    print(f"{'kind':<16}{'hubcity P':>11}{'R':>7}{'baseline P':>12}{'R':>7}   target")  # noqa: T201
    ok = True
    for kind, s in hub["scores"].items():
        b = base["scores"][kind]
        target = ""
        if kind in TARGET_KINDS:
            met = s["precision"] >= 0.95 and s["recall"] >= 0.95
            ok &= met
            target = "≥0.95 " + ("met" if met else "MISSED")
        ours = f"{s['precision']:>11.3f}{s['recall']:>7.3f}"
        theirs = f"{b['precision']:>12.3f}{b['recall']:>7.3f}"
        print(f"{kind:<16}{ours}{theirs}   {target}")  # noqa: T201
    print(f"decoy columns flagged: hubcity {sum(hub['decoys_flagged'].values())} {hub['decoys_flagged']}")  # noqa: T201
    print(f"                       baseline {sum(base['decoys_flagged'].values())} {base['decoys_flagged']}")  # noqa: T201
    print(  # noqa: T201
        f"values/s: hubcity {hub['values_per_second']:,.0f}, baseline {base['values_per_second']:,.0f} "
        f"(ratio {hub['values_per_second'] / base['values_per_second']:.2f})"
    )
    print(  # noqa: T201
        f"end to end: {e2e['rows']:,} rows × 6 columns scanned in {e2e['seconds']:.2f} s "
        f"({e2e['rows'] / e2e['seconds']:,.0f} rows/s); found {e2e['found']}"
    )
    if args.verbose:
        for system in ("hubcity", "regex baseline"):
            for family, header, truth, pred in results["systems"][system]["errors"]:
                print(f"  {system}: {family} [{header}] truth={truth} predicted={pred}")  # noqa: T201
    for system in results["systems"].values():
        system.pop("errors")
    out = args.out or OUT_DIR / f"personal-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return 0 if ok else 1
