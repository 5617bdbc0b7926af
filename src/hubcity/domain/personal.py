"""Korean personal data in a column: value checks, column findings, and the rule set's version.

Each detector looks at one value and answers with a :class:`Verdict` (or ``None`` when the value
does not have the shape at all). :func:`classify_column` looks at a sample of a column's values
and its header and returns what the column most likely holds, with a confidence, the counts
behind it and an explanation in Korean and English. Nothing here reads files or databases.

주민등록번호 (RRN) and 외국인등록번호 since October 2020
    Numbers issued since October 2020 (newborns, and anyone whose number changed) carry random
    digits after the gender digit and no computable check digit. A number with a valid birth
    date and gender digit whose check digit fails is therefore **unverifiable**, not invalid:
    it may be a new number or a typo. At column level the check digit still carries the
    evidence: in a column of real numbers issued before 2020 almost all verify, while
    look-alike values (order numbers that start with a date, codes) verify about one time in
    ten, as chance has it. A column whose numbers mostly fail to verify is taken as RRNs when the
    failing numbers' birth dates fall after October 2020 (what new numbers look like) or the
    header says 주민등록번호; otherwise it stays below the reporting threshold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

__all__ = [
    "MIN_CONFIDENCE",
    "PERSONAL_STATUSES",
    "RULES_VERSION",
    "UNIQUE_IDENTIFIERS",
    "ColumnFinding",
    "PersonalKind",
    "Verdict",
    "business_check_digit",
    "check_business",
    "check_card",
    "check_corporate",
    "check_driver_licence",
    "check_email",
    "check_foreigner",
    "check_passport",
    "check_phone",
    "check_rrn",
    "classify_column",
    "corporate_check_digit",
    "foreigner_check_digit",
    "is_address",
    "is_person_name",
    "kind_label",
    "luhn_ok",
    "rrn_check_digit",
    "scan_column",
    "sealed_names",
    "personal_shown",
    "REDACTED_PROFILE",
]

# Bump when a rule changes, so stored findings made under older rules can be found and re-run.
RULES_VERSION = "kr-pii-2026.1"
# Findings below this confidence are not reported.
MIN_CONFIDENCE = 0.5
# What an owner may record about a finding.
PERSONAL_STATUSES = ("suspected", "confirmed", "dismissed")
# The first issue date of RRNs without a check digit.
NEW_RRN_SINCE = date(2020, 10, 1)


class PersonalKind(StrEnum):
    RRN = "rrn"  # 주민등록번호
    FOREIGNER = "foreigner_rn"  # 외국인등록번호
    BUSINESS = "business_no"  # 사업자등록번호
    CORPORATE = "corporate_no"  # 법인등록번호
    PHONE = "phone"
    CARD = "card"
    EMAIL = "email"
    PASSPORT = "passport"
    DRIVER = "driver_licence"
    ADDRESS = "address"
    NAME = "name"


# PIPA's 고유식별정보: the identifiers whose columns block publication without a legal basis.
UNIQUE_IDENTIFIERS = frozenset(
    {PersonalKind.RRN, PersonalKind.FOREIGNER, PersonalKind.PASSPORT, PersonalKind.DRIVER}
)

# kind → (Korean name, English name, English plural)
_LABELS: dict[PersonalKind, tuple[str, str, str]] = {
    PersonalKind.RRN: ("주민등록번호", "resident registration number", "RRNs"),
    PersonalKind.FOREIGNER: (
        "외국인등록번호",
        "foreigner registration number",
        "foreigner registration numbers",
    ),
    PersonalKind.BUSINESS: (
        "사업자등록번호",
        "business registration number",
        "business registration numbers",
    ),
    PersonalKind.CORPORATE: (
        "법인등록번호",
        "corporate registration number",
        "corporate registration numbers",
    ),
    PersonalKind.PHONE: ("전화번호", "phone number", "phone numbers"),
    PersonalKind.CARD: ("카드번호", "card number", "card numbers"),
    PersonalKind.EMAIL: ("전자우편 주소", "e-mail address", "e-mail addresses"),
    PersonalKind.PASSPORT: ("여권번호", "passport number", "passport numbers"),
    PersonalKind.DRIVER: ("운전면허번호", "driver's licence number", "driver's licence numbers"),
    PersonalKind.ADDRESS: ("주소", "address", "addresses"),
    PersonalKind.NAME: ("사람 이름", "personal name", "personal names"),
}


# what a column's profile shows of personal data: no sample values, no extremes
REDACTED_PROFILE: dict[str, Any] = {"min": None, "max": None, "top_values": [], "profile_redacted": True}


def personal_shown(column: dict[str, Any]) -> bool:
    """Whether a column holds personal data as far as anyone knows (found and not dismissed)."""
    return (column.get("personal") or {}).get("status") in ("suspected", "confirmed")


def sealed_names(columns: Iterable[dict[str, Any]]) -> list[str]:
    """The columns kept encrypted at rest: unique identifiers found and not dismissed by the owner."""
    out = []
    for col in columns:
        p = col.get("personal") or {}
        if p.get("kind") in UNIQUE_IDENTIFIERS and p.get("status") in ("suspected", "confirmed"):
            out.append(str(col["name"]))
    return out


def kind_label(kind: str, lang: str = "ko") -> str:
    """The kind's name for people ('주민등록번호' / 'resident registration number')."""
    try:
        ko, en, _ = _LABELS[PersonalKind(kind)]
    except ValueError:
        return kind
    return ko if lang == "ko" else en


class Verdict(StrEnum):
    VALID = "valid"  # the shape and every check that exists for it hold
    UNVERIFIABLE = "unverifiable"  # well-formed, the check digit fails: maybe issued since Oct 2020
    INVALID = "invalid"  # the shape, but an impossible part (date, region, checksum)


# -- check digits (published algorithms) ---------------------------------------------------------

_RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def rrn_check_digit(first12: str) -> int:
    """주민등록번호 check digit: (11 − Σ dᵢ·wᵢ mod 11) mod 10 with weights 2…9, 2…5."""
    total = sum(int(d) * w for d, w in zip(first12, _RRN_WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def foreigner_check_digit(first12: str) -> int:
    """외국인등록번호 check digit: (13 − Σ dᵢ·wᵢ mod 11) mod 10, the RRN weights."""
    total = sum(int(d) * w for d, w in zip(first12, _RRN_WEIGHTS, strict=True))
    return (13 - total % 11) % 10


def business_check_digit(first9: str) -> int:
    """사업자등록번호 check digit: weights 1,3,7,1,3,7,1,3,5 plus ⌊d₉·5 / 10⌋."""
    digits = [int(d) for d in first9]
    total = sum(d * w for d, w in zip(digits, (1, 3, 7, 1, 3, 7, 1, 3, 5), strict=True))
    total += digits[8] * 5 // 10
    return (10 - total % 10) % 10


def corporate_check_digit(first12: str) -> int:
    """법인등록번호 check digit: weights 1,2,1,2,…; (10 − Σ mod 10) mod 10."""
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check of payment card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# -- one value --------------------------------------------------------------------------------------

_SEP = re.compile(r"[\s\-.()]")
_RRN_SHAPE = re.compile(r"^(\d{6})[-\s]?(\d{7})$")
# gender digit → century of birth (9, 0: born in the 1800s)
_CENTURY = {"1": 1900, "2": 1900, "5": 1900, "6": 1900, "3": 2000, "4": 2000, "7": 2000, "8": 2000}
_CENTURY.update({"9": 1800, "0": 1800})


def _birth_date(yymmdd: str, gender: str) -> date | None:
    century = _CENTURY.get(gender)
    if century is None:
        return None
    try:
        return date(century + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return None


def _registration(value: str, genders: str, check: Any, today: date | None) -> Verdict | None:
    m = _RRN_SHAPE.match(value.strip())
    if m is None:
        return None
    front, back = m.groups()
    if back[0] not in genders:
        return None
    born = _birth_date(front, back[0])
    if born is None or born > (today or date.today()):
        return Verdict.INVALID
    digits = front + back
    if int(digits[12]) == check(digits[:12]):
        return Verdict.VALID
    return Verdict.UNVERIFIABLE


def check_rrn(value: str, today: date | None = None) -> Verdict | None:
    """주민등록번호 (YYMMDD-GNNNNNN, G = 1–4, or 9/0 for the 1800s)."""
    return _registration(value, "12349" + "0", rrn_check_digit, today)


def check_foreigner(value: str, today: date | None = None) -> Verdict | None:
    """외국인등록번호 (YYMMDD-GNNNNNN, G = 5–8)."""
    return _registration(value, "5678", foreigner_check_digit, today)


def rrn_is_recent(value: str) -> bool:
    """Whether a well-formed RRN's birth date falls on or after October 2020 (a new-style number)."""
    m = _RRN_SHAPE.match(value.strip())
    if m is None:
        return False
    born = _birth_date(m.group(1), m.group(2)[0])
    return born is not None and born >= NEW_RRN_SINCE


_BUSINESS_SHAPE = re.compile(r"^(\d{3})-?(\d{2})-?(\d{5})$")


def check_business(value: str) -> Verdict | None:
    """사업자등록번호 (NNN-NN-NNNNN): the tax office code never starts with 0; checksum digit last."""
    m = _BUSINESS_SHAPE.match(value.strip())
    if m is None or m.group(1)[0] == "0":
        return None
    digits = "".join(m.groups())
    return Verdict.VALID if int(digits[9]) == business_check_digit(digits[:9]) else Verdict.INVALID


def check_corporate(value: str) -> Verdict | None:
    """법인등록번호 (NNNNNN-NNNNNNN, 13 digits): checksum digit last."""
    m = _RRN_SHAPE.match(value.strip())
    if m is None:
        return None
    digits = "".join(m.groups())
    return Verdict.VALID if int(digits[12]) == corporate_check_digit(digits[:12]) else Verdict.INVALID


_CARD_SHAPE = re.compile(r"^\d{4}(?:[\s-]?\d{2,7}){2,4}$")


def check_card(value: str) -> Verdict | None:
    """Payment card number: 13–19 digits (optionally grouped), not starting with 0, Luhn."""
    v = value.strip()
    if not _CARD_SHAPE.match(v):
        return None
    digits = re.sub(r"[\s-]", "", v)
    if not 13 <= len(digits) <= 19 or digits[0] == "0":
        return None
    return Verdict.VALID if luhn_ok(digits) else Verdict.INVALID


_MOBILE = re.compile(r"^01[016789]\d{7,8}$")
_LANDLINE = re.compile(r"^(?:02\d{7,8}|0(?:3[1-3]|4[1-4]|5[1-5]|6[1-4])\d{7,8}|070\d{8})$")
_NATIONWIDE = re.compile(r"^1[5-8]\d{2}\d{4}$")  # 1588-1234 style


def check_phone(value: str) -> str | None:
    """'mobile', 'landline' or 'nationwide' (1588-style) for a Korean phone number, else None."""
    v = value.strip()
    if not v or len(v) > 20 or not v[-1].isdigit():
        return None
    digits = _SEP.sub("", v)
    if digits.startswith("+82"):
        digits = "0" + digits[3:].lstrip("0")
    if not digits.isdigit():
        return None
    grouped = v != digits
    if _MOBILE.match(digits):
        return "mobile"
    if _LANDLINE.match(digits):
        return "landline"
    # a bare 8-digit number is too often a date or an amount: 1588-style only when grouped
    if grouped and _NATIONWIDE.match(digits) and re.match(r"^1[5-8]\d{2}[\s.-]\d{4}$", v):
        return "nationwide"
    return None


_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}$")


def check_email(value: str) -> Verdict | None:
    return Verdict.VALID if _EMAIL.match(value.strip()) else None


_PASSPORT = re.compile(r"^[MSRGD](?:\d{8}|\d{3}[A-Z]\d{4})$")


def check_passport(value: str) -> Verdict | None:
    """여권번호: M/S/R/G/D + 8 digits, or the 2021 form letter + 3 digits + letter + 4 digits.

    The shape alone is common (model and part numbers), so columns count it only with a label.
    """
    return Verdict.VALID if _PASSPORT.match(value.strip().upper()) else None


# 운전면허 지역코드 (numeric since 2011) and the region names printed on older licences
_LICENCE_REGIONS = {str(n) for n in range(11, 27)} | {"28"}
_LICENCE_REGION_NAMES = "서울|부산|경기|강원|충북|충남|전북|전남|경북|경남|제주|대구|인천|광주|대전|울산"
_LICENCE = re.compile(rf"^(\d{{2}}|{_LICENCE_REGION_NAMES})[\s-]?(\d{{2}})-(\d{{6}})-(\d{{2}})$")
_LICENCE_DIGITS = re.compile(r"^(\d{2})(\d{2})(\d{6})(\d{2})$")


def check_driver_licence(value: str, *, bare_digits: bool = False) -> Verdict | None:
    """운전면허번호 NN-NN-NNNNNN-NN (region code 11–26, 28, or a region name); 12 bare digits
    only when ``bare_digits`` (a header says so)."""
    v = value.strip()
    m = _LICENCE.match(v) or (_LICENCE_DIGITS.match(v) if bare_digits else None)
    if m is None:
        return None
    region = m.group(1)
    if region.isdigit() and region not in _LICENCE_REGIONS:
        return Verdict.INVALID
    return Verdict.VALID


_PROVINCES = (
    "서울특별시|서울시|서울|부산광역시|부산시|부산|대구광역시|대구시|대구|인천광역시|인천시|인천|"
    "광주광역시|광주시|광주|대전광역시|대전시|대전|울산광역시|울산시|울산|세종특별자치시|세종시|세종|"
    "경기도|경기|강원특별자치도|강원도|강원|충청북도|충북|충청남도|충남|전북특별자치도|전라북도|전북|"
    "전라남도|전남|경상북도|경북|경상남도|경남|제주특별자치도|제주도|제주"
)
_ROAD_ADDRESS = re.compile(
    rf"^(?:{_PROVINCES})\s+(?:[가-힣]+[시군]\s+)?(?:[가-힣]+[구군읍면]\s+)?(?:[가-힣]+[읍면동]\s+)?"
    r"[가-힣0-9.·]+(?:로|길)\s*(?:지하\s*)?\d+(?:-\d+)?"
)
_LOT_ADDRESS = re.compile(
    rf"^(?:{_PROVINCES})\s+(?:[가-힣]+[시군]\s+)?(?:[가-힣]+[구군읍면]\s+)?"
    r"[가-힣0-9.]+(?:동|리|가)\d*\s+(?:산\s*)?\d+(?:-\d+)?(?:\s*번지)?"
)


def is_address(value: str) -> bool:
    """A Korean road (…로/길 12) or lot (…동 123-4번지) address that starts with its 시/도."""
    v = value.strip()
    return bool(_ROAD_ADDRESS.match(v) or _LOT_ADDRESS.match(v))


# 성씨: the surnames of about 99 % of Koreans (KOSIS census)
_SURNAMES = frozenset(
    "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용예경봉사부황보"
)
_NAME = re.compile(r"^[가-힣]{2,4}$")
_MASKED_NAME = re.compile(r"^[가-힣][*○◯Ｏ＊xX]{1,2}[가-힣]?$|^[가-힣]{1,2}[*○◯＊]$")


def is_person_name(value: str) -> bool:
    """2–4 Hangul syllables starting with a common surname, or a masked name ('홍*동', '김○○')."""
    v = value.strip()
    if _MASKED_NAME.match(v):
        return True
    return bool(_NAME.match(v)) and v[0] in _SURNAMES


# -- headers --------------------------------------------------------------------------------------

_HINTS: dict[PersonalKind, re.Pattern[str]] = {
    PersonalKind.RRN: re.compile(
        r"(?i)(주민(등록)?번호|주민등록|주민|jumin|\brrn\b|resident.?(registration|no))"
    ),
    PersonalKind.FOREIGNER: re.compile(r"(?i)(외국인(등록)?번호|외국인등록|alien|foreigner)"),
    PersonalKind.BUSINESS: re.compile(r"(?i)(사업자|biz.?no|business.?(reg|no|number))"),
    PersonalKind.CORPORATE: re.compile(r"(?i)(법인(등록)?번호|법인등록|corp(orate)?.?(reg|no|number))"),
    PersonalKind.PHONE: re.compile(
        r"(?i)(전화|연락처|휴대|핸드폰|팩스|phone|mobile|\btel\b|\bfax\b|\bhp\b|cell)"
    ),
    PersonalKind.CARD: re.compile(r"(?i)(카드|card)"),
    PersonalKind.EMAIL: re.compile(r"(?i)(메일|e-?mail)"),
    PersonalKind.PASSPORT: re.compile(r"(?i)(여권|passport)"),
    PersonalKind.DRIVER: re.compile(r"(?i)(면허|licen[cs]e)"),
    PersonalKind.ADDRESS: re.compile(r"(?i)(주소|소재지|거주지|도로명|지번|address|\baddr)"),
    PersonalKind.NAME: re.compile(
        r"(?i)(성명|이름|성함|신청인|민원인|대표자|환자|보호자|예금주|수령인|작성자|담당자|신고인|"
        r"피해자|소유자|운전자|고객명|회원명|학생명|직원명|name)"
    ),
}
# headers that name a thing, not a person (시설명, 업소이름, file_name …)
_NOT_A_PERSON = re.compile(
    r"(?i)(시설|업소|업체|기관|상호|단체|건물|도로|정류장|정류소|역명|공원|학교|병원|약국|상품|제품|파일|사업장|"
    r"시군구|읍면동|행정동|법정동|지역|품목|차종|file|place|station|facility|company|org)"
)


# headers that name another kind of number (receipts, orders, serials): date-led ids that fail the
# check digit are not taken for new-style RRNs under them
_OTHER_NUMBER = re.compile(
    r"(?i)(접수|주문|관리|거래|허가|일련|문서|송장|예약|사건|차량|계좌|승인|order|receipt|serial|invoice|ticket)"
)


def _hinted(kind: PersonalKind, header: str) -> bool:
    if not _HINTS[kind].search(header):
        return False
    if kind is PersonalKind.NAME:
        return not _NOT_A_PERSON.search(header)
    return True


# -- columns --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnFinding:
    """What a column seems to hold, how sure that is, and the counts behind it."""

    kind: PersonalKind
    confidence: float
    sampled: int  # non-empty values looked at
    matched: int  # values that hold the kind (valid, or unverifiable RRNs)
    valid: int = 0  # values whose check digit (or, for kinds without one, shape) holds
    unverifiable: int = 0  # well-formed RRNs / foreigner numbers whose check digit fails
    invalid: int = 0  # the shape but an impossible date, region or checksum
    embedded: int = 0  # free-text values with the kind inside them
    header_hint: bool = False
    explanation: str = ""
    explanation_en: str = ""
    rules: str = RULES_VERSION
    detail: dict[str, int] = field(default_factory=dict)

    @property
    def unique_identifier(self) -> bool:
        return self.kind in UNIQUE_IDENTIFIERS

    def as_dict(self) -> dict[str, Any]:
        """The stored form (no values, only counts: a finding is shown to every reader)."""
        return {
            "kind": str(self.kind),
            "confidence": round(self.confidence, 3),
            "explanation": self.explanation,
            "explanation_en": self.explanation_en,
            "counts": {
                "sampled": self.sampled,
                "matched": self.matched,
                "valid": self.valid,
                "unverifiable": self.unverifiable,
                "invalid": self.invalid,
                "embedded": self.embedded,
                **self.detail,
            },
            "header_hint": self.header_hint,
            "unique_identifier": self.unique_identifier,
            "rules": self.rules,
        }


def _explain(kind: PersonalKind, n: int, count: int, *, checked: bool) -> tuple[str, str]:
    ko, en_one, en_many = _LABELS[kind]
    word_ko = "유효한" if checked else "형식이 맞는"
    word_en = "valid" if checked else "well-formed"
    noun_en = en_one if count == 1 else en_many
    return (
        f"표본 {n}개 중 {count}개가 {word_ko} {ko}입니다",
        f"{count} of {n} sampled values are {word_en} {noun_en}",
    )


def _scale(lo: float, hi: float, x: float, x0: float, x1: float) -> float:
    """``lo`` at ``x0`` rising linearly to ``hi`` at ``x1`` (clamped)."""
    if x1 <= x0:
        return hi
    t = min(1.0, max(0.0, (x - x0) / (x1 - x0)))
    return lo + (hi - lo) * t


def _small_sample(conf: float, n: int) -> float:
    """Fewer than ten values say less: shrink the confidence towards the threshold."""
    return conf if n >= 10 else conf * (0.85 + 0.015 * n)


def _registration_finding(
    kind: PersonalKind, header: str, values: Sequence[str], today: date | None
) -> ColumnFinding | None:
    check = check_rrn if kind is PersonalKind.RRN else check_foreigner
    n = len(values)
    valid = unverifiable = invalid = recent = 0
    for v in values:
        verdict = check(v, today)
        if verdict is Verdict.VALID:
            valid += 1
        elif verdict is Verdict.UNVERIFIABLE:
            unverifiable += 1
            if rrn_is_recent(v):
                recent += 1
        elif verdict is Verdict.INVALID:
            invalid += 1
    formed = valid + unverifiable
    hint = _hinted(kind, header)
    if not formed or formed / n < (0.2 if hint else 0.5):
        return None
    share = formed / n
    verified = valid / formed
    if verified >= 0.5:
        conf = _scale(0.8, 0.99, verified, 0.5, 0.9)
    elif recent / max(1, unverifiable) >= 0.5 and not _OTHER_NUMBER.search(header):
        conf = 0.72  # numbers born after Oct 2020 carry no check digit: what new RRNs look like
    else:
        conf = _scale(0.2, 0.6, verified, 0.1, 0.5)  # about chance: look-alike numbers
    if hint:
        conf = max(conf, 0.9)
    conf *= _scale(0.7, 1.0, share, 0.2, 0.8)
    ko, en = _explain(kind, n, valid, checked=True)
    if unverifiable:
        ko += (
            f". {unverifiable}개는 형식과 생년월일은 맞지만 검증번호가 맞지 않아 확인할 수 없습니다"
            "(2020년 10월 이후 발급된 번호에는 검증번호가 없습니다)"
        )
        en += (
            f"; {unverifiable} more are well-formed with a valid birth date but their check digit does not"
            " verify (numbers issued since October 2020 have none), so they are unverifiable"
        )
    if hint:
        ko += f". 열 이름 '{header}'도 이를 가리킵니다"
        en += f"; the header '{header}' names it too"
    return ColumnFinding(
        kind=kind,
        confidence=_small_sample(conf, n),
        sampled=n,
        matched=formed,
        valid=valid,
        unverifiable=unverifiable,
        invalid=invalid,
        header_hint=hint,
        explanation=ko,
        explanation_en=en,
        detail={"recent": recent},
    )


def _checksum_finding(
    kind: PersonalKind, header: str, values: Sequence[str], check: Any, chance: float
) -> ColumnFinding | None:
    """Kinds with a checksum that random numbers pass with probability ``chance``."""
    n = len(values)
    valid = invalid = 0
    for v in values:
        verdict = check(v)
        if verdict is Verdict.VALID:
            valid += 1
        elif verdict is Verdict.INVALID:
            invalid += 1
    hint = _hinted(kind, header)
    share = valid / n
    shaped = (valid + invalid) / n
    if not valid or share < (0.3 if hint else 0.6):
        return None
    # among the values of the shape, how far the pass rate stands above chance
    verified = valid / (valid + invalid)
    conf = _scale(0.3, 0.97, verified, max(chance * 3, 0.5), 0.95) * _scale(0.75, 1.0, shaped, 0.3, 0.9)
    if hint:
        conf = max(conf, min(0.97, conf + 0.3))
    ko, en = _explain(kind, n, valid, checked=True)
    if hint:
        ko += f". 열 이름 '{header}'도 이를 가리킵니다"
        en += f"; the header '{header}' names it too"
    return ColumnFinding(
        kind=kind,
        confidence=_small_sample(conf, n),
        sampled=n,
        matched=valid,
        valid=valid,
        invalid=invalid,
        header_hint=hint,
        explanation=ko,
        explanation_en=en,
    )


def _shape_finding(
    kind: PersonalKind,
    header: str,
    n: int,
    count: int,
    *,
    floor: float,
    ceiling: float,
    need: float,
    need_hinted: float,
    extra: tuple[str, str] | None = None,
    detail: dict[str, int] | None = None,
    invalid: int = 0,
) -> ColumnFinding | None:
    hint = _hinted(kind, header)
    share = count / n if n else 0.0
    if not count or share < (need_hinted if hint else need):
        return None
    conf = _scale(floor, ceiling, share, need_hinted if hint else need, 0.95)
    if hint:
        conf = min(0.97, conf + 0.15)
    ko, en = _explain(kind, n, count, checked=False)
    if extra:
        ko, en = ko + extra[0], en + extra[1]
    if hint:
        ko += f". 열 이름 '{header}'도 이를 가리킵니다"
        en += f"; the header '{header}' names it too"
    return ColumnFinding(
        kind=kind,
        confidence=_small_sample(conf, n),
        sampled=n,
        matched=count,
        valid=count,
        invalid=invalid,
        header_hint=hint,
        explanation=ko,
        explanation_en=en,
        detail=detail or {},
    )


# identifiers inside free text ("비고: 900101-1234568 본인 확인")
_EMBEDDED_RRN = re.compile(r"(?<![\d-])\d{6}-[0-9]\d{6}(?![\d-])")
_EMBEDDED_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
_EMBEDDED_MOBILE = re.compile(r"(?<![\d-])01[016789]-?\d{3,4}-?\d{4}(?![\d-])")
_EMBEDDED_PASSPORT = re.compile(
    r"(?i)(?:여권|passport)[^A-Za-z0-9]{0,12}([MSRGD](?:\d{8}|\d{3}[A-Z]\d{4}))\b"
)


def _embedded_findings(header: str, values: Sequence[str], today: date | None) -> list[ColumnFinding]:
    n = len(values)
    kinds = (
        PersonalKind.RRN,
        PersonalKind.FOREIGNER,
        PersonalKind.EMAIL,
        PersonalKind.PHONE,
        PersonalKind.PASSPORT,
    )
    counts = dict.fromkeys(kinds, 0)
    for v in values:
        if len(v) < 16:
            continue  # too short to hold an identifier among other words
        if any(ch.isdigit() for ch in v):
            found_rrn = found_frn = False
            for m in _EMBEDDED_RRN.finditer(v):
                if check_rrn(m.group(), today) is Verdict.VALID:
                    found_rrn = True
                elif check_foreigner(m.group(), today) is Verdict.VALID:
                    found_frn = True
            counts[PersonalKind.RRN] += found_rrn
            counts[PersonalKind.FOREIGNER] += found_frn
            counts[PersonalKind.PHONE] += bool(_EMBEDDED_MOBILE.search(v))
            counts[PersonalKind.PASSPORT] += bool(_EMBEDDED_PASSPORT.search(v))
        if "@" in v and _EMBEDDED_EMAIL.search(v):
            counts[PersonalKind.EMAIL] += 1
    out = []
    for kind, count in counts.items():
        if not count:
            continue
        ko_label, _, en_many = _LABELS[kind]
        checked = kind in (PersonalKind.RRN, PersonalKind.FOREIGNER)
        strong = checked or kind is PersonalKind.PASSPORT
        # one verified RRN in a memo column is already a leak; a stray e-mail address says less
        conf = min(0.95, (0.7 if strong else 0.5) + 0.05 * count)
        word_ko, word_en = ("유효한 ", "valid ") if checked else ("", "")
        out.append(
            ColumnFinding(
                kind=kind,
                confidence=conf,
                sampled=n,
                matched=count,
                valid=count,
                embedded=count,
                explanation=f"표본 {n}개 중 {count}개의 값 안에 {word_ko}{ko_label}이(가) 들어 있습니다",
                explanation_en=f"{count} of {n} sampled values contain {word_en}{en_many} within their text",
            )
        )
    return out


def scan_column(header: str, values: Iterable[str | None], today: date | None = None) -> list[ColumnFinding]:
    """Every finding above :data:`MIN_CONFIDENCE` for a column, strongest first.

    ``values`` is a sample of the column (distinct values are best); empty values are skipped.
    """
    sample = [str(v).strip() for v in values if v is not None and str(v).strip()]
    if not sample:
        return []
    header = (header or "").strip()
    n = len(sample)
    found: list[ColumnFinding | None] = [
        _registration_finding(PersonalKind.RRN, header, sample, today),
        _registration_finding(PersonalKind.FOREIGNER, header, sample, today),
        _checksum_finding(PersonalKind.CORPORATE, header, sample, check_corporate, 0.1),
        _checksum_finding(PersonalKind.BUSINESS, header, sample, check_business, 0.1),
        _checksum_finding(PersonalKind.CARD, header, sample, check_card, 0.1),
    ]
    # phone numbers: mobiles are a person's; landlines are mostly offices and facilities
    phones = {"mobile": 0, "landline": 0, "nationwide": 0}
    for v in sample:
        kind = check_phone(v)
        if kind:
            phones[kind] += 1
    total_phones = sum(phones.values())
    if total_phones:
        mobile_share = phones["mobile"] / total_phones
        extra = (
            f" (휴대전화 {phones['mobile']}개, 일반전화 {phones['landline']}개,"
            f" 대표번호 {phones['nationwide']}개)",
            f" ({phones['mobile']} mobile, {phones['landline']} landline, {phones['nationwide']} nationwide)",
        )
        found.append(
            _shape_finding(
                PersonalKind.PHONE,
                header,
                n,
                total_phones,
                floor=0.5 + 0.3 * mobile_share,
                ceiling=0.6 + 0.37 * mobile_share,
                need=0.6,
                need_hinted=0.3,
                extra=extra,
                detail=phones,
            )
        )
    emails = sum(1 for v in sample if check_email(v))
    found.append(
        _shape_finding(
            PersonalKind.EMAIL, header, n, emails, floor=0.7, ceiling=0.95, need=0.6, need_hinted=0.3
        )
    )
    if _hinted(PersonalKind.PASSPORT, header):
        passports = sum(1 for v in sample if check_passport(v))
        found.append(
            _shape_finding(
                PersonalKind.PASSPORT,
                header,
                n,
                passports,
                floor=0.75,
                ceiling=0.95,
                need=0.5,
                need_hinted=0.5,
            )
        )
    bare = _hinted(PersonalKind.DRIVER, header)
    licences = bad_licences = 0
    for v in sample:
        verdict = check_driver_licence(v, bare_digits=bare)
        if verdict is Verdict.VALID:
            licences += 1
        elif verdict is Verdict.INVALID:
            bad_licences += 1
    found.append(
        _shape_finding(
            PersonalKind.DRIVER, header, n, licences, floor=0.7, ceiling=0.95, need=0.6, need_hinted=0.3,
            invalid=bad_licences,
        )
    )  # fmt: skip
    addresses = sum(1 for v in sample if is_address(v))
    found.append(
        _shape_finding(
            PersonalKind.ADDRESS,
            header,
            n,
            addresses,
            floor=0.5,
            ceiling=0.6,  # an address is personal only when it is someone's home: the owner decides
            need=0.6,
            need_hinted=0.4,
            extra=(
                ". 주소는 개인의 거주지일 때만 개인정보입니다(시설 주소는 아님)",
                "; an address is personal data only when it is someone's home (not a facility's)",
            ),
        )
    )
    if _hinted(PersonalKind.NAME, header):
        names = sum(1 for v in sample if is_person_name(v))
        found.append(
            _shape_finding(
                PersonalKind.NAME, header, n, names, floor=0.6, ceiling=0.8, need=0.6, need_hinted=0.6
            )
        )
    found.extend(_embedded_findings(header, sample, today))
    # one finding per kind: the strongest
    best: dict[PersonalKind, ColumnFinding] = {}
    for f in found:
        if (
            f is not None
            and f.confidence >= MIN_CONFIDENCE
            and (f.kind not in best or f.confidence > best[f.kind].confidence)
        ):
            best[f.kind] = f
    return sorted(best.values(), key=lambda f: (-f.confidence, f.kind))


def classify_column(
    header: str, values: Iterable[str | None], today: date | None = None
) -> ColumnFinding | None:
    """The column's strongest finding, or None when nothing personal stands out."""
    findings = scan_column(header, values, today)
    return findings[0] if findings else None
