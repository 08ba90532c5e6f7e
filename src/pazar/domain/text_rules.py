"""Content rules for advert texts: length, HTML, capitals, punctuation, contacts, salary.

OLX rejects a title or description that breaks a handful of content rules (seed
003 "Validation rules"; Partner API v2 "Publishing errors" 14-17). The three
dialects disagree on the limits (apis-digest section D), so every limit is a
field of ``TextRules`` and each dialect builds its own instance.

Checks return ``FieldError`` lists instead of raising, so a use case can gather
every invalid field into one ``ValidationFailed``. The contact heuristics lean
towards letting text through: rejecting an honest advert hurts a client more
than missing a disguised phone number.

Every regex is compiled once at import time and written so that no input can
make it backtrack more than linearly (possessive quantifiers, character classes
that cannot overlap, fixed-width look-arounds).
"""

from __future__ import annotations

import functools
import html
import math
import re
import string
from dataclasses import dataclass
from typing import Final

from pazar.domain.errors import FieldError

# The Jobs category order as OLX documents it; a frozenset has no order, so the
# error message takes its order from here.
_JOBS_TAG_ORDER: Final = ("ul", "li", "strong", "em", "p")
JOBS_HTML_TAGS: Final[frozenset[str]] = frozenset(_JOBS_TAG_ORDER)

SALARY_MAX_VALUE: Final = 99_999_999_999_999
SALARY_TYPES: Final[frozenset[str]] = frozenset({"hourly", "monthly"})

_TAG_NAME: Final = re.compile(r"[a-z][a-z0-9]*")


@dataclass(frozen=True, slots=True)
class TextRules:
    """One dialect's limits for a title and a description.

    ``max_capitals_ratio=None`` turns the capitals rule off. ``allowed_html_tags``
    (lowercase names) applies to descriptions only: no dialect accepts HTML in a
    title.
    """

    title_min: int = 16
    title_max: int = 70
    description_min: int = 80
    description_max: int = 9000
    max_capitals_ratio: float | None = 0.5
    punctuation_runs: bool = True
    forbid_contacts: bool = True
    allowed_html_tags: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # A dialect with inverted limits would reject every text; fail at start-up instead.
        if not 0 <= self.title_min <= self.title_max:
            raise ValueError("title limits must satisfy 0 <= title_min <= title_max")
        if not 0 <= self.description_min <= self.description_max:
            raise ValueError("description limits must satisfy 0 <= description_min <= description_max")
        if self.max_capitals_ratio is not None and not 0.0 <= self.max_capitals_ratio <= 1.0:
            raise ValueError("max_capitals_ratio must be between 0 and 1, or None")
        if not all(_TAG_NAME.fullmatch(tag) for tag in self.allowed_html_tags):
            raise ValueError("allowed_html_tags must be lowercase tag names")


# --- HTML -------------------------------------------------------------------

# "<", an optional "/", a letter, then anything up to ">". Stopping at "<" as well
# keeps a stray "a < b" from swallowing text up to some far-away ">", and keeps
# "<a<a<a..." linear.
_TAG: Final = re.compile(r"</?[A-Za-z][^<>]*+>")


def visible_text(text: str) -> str:
    """The text a reader sees: tags removed, entities unescaped. Lengths and capitals use this."""
    return html.unescape(_TAG.sub("", text))


def _scan_text(text: str) -> str:
    # For the contact and punctuation scans a tag becomes a line break, so digits in
    # neighbouring list items ("<li>2015</li><li>2016</li>") do not fuse into a phone.
    return html.unescape(_TAG.sub("\n", text))


@functools.lru_cache(maxsize=16)
def _forbidden_tag(allowed: frozenset[str]) -> re.Pattern[str]:
    # One regex per allowed set finds the first bad tag in C, so a long Jobs description
    # full of permitted tags costs no Python-level loop. Attributes carry styles, scripts
    # and links, so a permitted tag must be bare: only "<p>", "</p>" or "<p/>" pass.
    if not allowed:
        return _TAG
    names = "|".join(sorted(allowed))
    return re.compile(rf"<(?!/?(?i:{names})\s*/?>)/?[A-Za-z][^<>]*+>")


def _has_forbidden_html(text: str, allowed: frozenset[str]) -> bool:
    return "<" in text and _forbidden_tag(allowed).search(text) is not None


def _html_title(allowed: frozenset[str]) -> str:
    if not allowed:
        return "HTML tags are not allowed"
    known = len(_JOBS_TAG_ORDER)
    ordered = sorted(
        allowed,
        key=lambda tag: (_JOBS_TAG_ORDER.index(tag) if tag in _JOBS_TAG_ORDER else known, tag),
    )
    return "Only the following HTML tags are allowed: " + ", ".join(ordered)


# --- capitals and punctuation -------------------------------------------------

_MIN_LETTERS_FOR_CAPITALS: Final = 4  # "BMW" or "AGD" alone is a name, not shouting
_LETTERS: Final = re.compile(r"[^\W\d_]+")
# For ASCII text bytes.translate counts in C; Python-level counting of a 10 MB
# payload would dominate the whole request.
_NOT_ASCII_UPPER: Final = bytes(b for b in range(256) if chr(b) not in string.ascii_uppercase)
_NOT_ASCII_LETTER: Final = bytes(b for b in range(256) if chr(b) not in string.ascii_letters)


def _too_many_capitals(text: str, max_ratio: float) -> bool:
    if text.isascii():
        raw = text.encode("ascii")
        letters = len(raw.translate(None, _NOT_ASCII_LETTER))
        upper = len(raw.translate(None, _NOT_ASCII_UPPER))
    else:
        joined = "".join(_LETTERS.findall(text))
        letters, upper = len(joined), sum(map(str.isupper, joined))
    return letters >= _MIN_LETTERS_FOR_CAPITALS and upper > max_ratio * letters


# The same character three times in a row; the class is the seed's list verbatim.
_PUNCTUATION_RUN: Final = re.compile(r"([!?.,\-=+#%&@*_><:()|])\1\1")


# --- e-mails and www addresses --------------------------------------------------

_COMMON_TLDS: Final = ("pl", "com", "eu", "net", "org", "pt", "ro", "bg", "ua", "br", "info", "biz", "io")
# A bare domain's TLD must be all lowercase or all uppercase: "olx.pl" and "OLX.PL" are
# domains, while "carro.Eu" or "casa.Com" is a sentence missing the space after its full stop.
_TLD_ALTERNATIVES: Final = "|".join(v for tld in _COMMON_TLDS for v in (tld, tld.upper()))
# Each pattern starts with a literal and checks what precedes it with a look-behind,
# so the engine skips ahead to candidates instead of trying every position.
_EMAIL: Final = re.compile(r"@(?<=\w@)[\w-]++\.[^\W\d_]{2}")  # the "x@domain.tld" core is enough
# Two word characters before the dot rule out "m.in.", "np." and "godz.10".
_BARE_DOMAIN: Final = re.compile(rf"\.(?<=\w\w\.)(?:{_TLD_ALTERNATIVES})(?!\w)")
# These two run on a lowercased copy: a case-insensitive pattern loses the fast literal scan.
_WWW: Final = re.compile(r"www\.(?<!\w....)\w")
_HTTP: Final = re.compile(r"http(?<!\w....)s?://")


def _contains_url(text: str) -> bool:
    if _EMAIL.search(text) or _BARE_DOMAIN.search(text):
        return True
    lowered = text.lower()
    return _WWW.search(lowered) is not None or _HTTP.search(lowered) is not None


# --- phone numbers ---------------------------------------------------------------

_PHONE_MIN_DIGITS: Final = 9
_PHONE_MAX_DIGITS: Final = 15
_JOINERS: Final = " \u00a0.-"
# A candidate stretch of digits, joiners (space, no-break space, dot, dash) and
# parentheses holding at least 9 digits (8 after a leading "+" or "("). It may not
# start right after a word character, which skips digits glued to letters (VINs,
# "X5", "120x60"). Possessive and single-class, so the scan is linear and cheap.
_PHONE_CANDIDATE: Final = re.compile(r"[+(0-9](?<!\w[+(0-9])(?:[() \u00a0.\-]*+[0-9]){8}[0-9() \u00a0.\-]*+")
# Phones use single joiners; two in a row ("2015 - 2018", ". ") separate numbers.
_RUN_BREAK: Final = re.compile(r"[ \u00a0.\-]{2,}")
# Dates split a run: "01.02.2015 10.00" is a date and an hour, not a 12-digit phone.
_DATE: Final = re.compile(
    r"(?<![0-9])(?:[0-3]?[0-9]\.[01]?[0-9]\.(?:19|20)[0-9]{2}"
    r"|[0-3]?[0-9]-[01]?[0-9]-(?:19|20)[0-9]{2}"
    r"|(?:19|20)[0-9]{2}-[01][0-9]-[0-3][0-9])(?![0-9])"
)
# Every digit costs at most 4 characters ("(1) "), so a longer part cannot be a phone.
_PHONE_MAX_SPAN: Final = 4 * _PHONE_MAX_DIGITS + 1
_DIGIT_GROUP: Final = re.compile(r"[0-9]+")
_COUNTRY_CODE_MAX: Final = 3  # ITU country codes have 1-3 digits
_YEAR_DIGITS: Final = 4
# 5 for the Brazilian mobile "98765-4321"; a 1-digit group is the "1 250 000" of a price.
_GROUP_MIN: Final = 2
_GROUP_MAX: Final = 5
# Amounts are numbers, not phones: "R$ 125.000.000", "125 000 000 zł", "1.250.000,00".
_MONEY_BEFORE: Final = re.compile(r"(?:R\$|[$€£])[ \u00a0]?\Z")
_MONEY_AFTER: Final = re.compile(
    r",[0-9]{2}(?![0-9])"
    r"|[ \u00a0]?(?i:zł|zl|złotych|pln|eur|euro|euros|usd|lei|ron|bgn|лв|uah|грн|reais|r\$)(?!\w)"
    r"|[ \u00a0]?[$€£]"
)


def _phone_like(run: str) -> bool:
    groups = _DIGIT_GROUP.findall(run)
    if not _PHONE_MIN_DIGITS <= sum(map(len, groups)) <= _PHONE_MAX_DIGITS:
        return False
    international = run.startswith("+")
    if international and len(groups) > 1 and len(groups[0]) <= _COUNTRY_CODE_MAX:
        groups = groups[1:]  # the country code may be a single digit ("+1")
    if len(groups) == 1:
        return True  # one solid run: "601234567", "+48601234567"
    if not international and all(len(group) == _YEAR_DIGITS for group in groups):
        return False  # "2015 2016 2017" or card-like blocks: no numbering plan writes 4-4-4
    return all(_GROUP_MIN <= len(group) <= _GROUP_MAX for group in groups)


def _contains_phone(text: str) -> bool:
    for match in _PHONE_CANDIDATE.finditer(text):
        start, end = match.span()
        candidate = match.group()
        parts = _RUN_BREAK.split(candidate)
        # A currency sign or a glued letter disqualifies only the number it touches.
        skip_first = _MONEY_BEFORE.search(text, max(0, start - 3), start) is not None
        glued = candidate[-1].isdigit() and end < len(text) and (text[end].isalnum() or text[end] == "_")
        skip_last = glued or _MONEY_AFTER.match(text, end) is not None
        last = len(parts) - 1
        for index, part in enumerate(parts):
            if not _PHONE_MIN_DIGITS <= len(part) <= _PHONE_MAX_SPAN:
                continue
            if (index == 0 and skip_first) or (index == last and skip_last):
                continue
            if any(_phone_like(piece.strip(_JOINERS)) for piece in _DATE.split(part)):
                return True
    return False


# --- titles and descriptions -------------------------------------------------------

_REQUIRED: Final = "This field is required"


def _label(field: str) -> str:
    # "description" -> "Description", "ad.subject" -> "Subject"
    name = field.rsplit(".", 1)[-1].replace("_", " ")
    return name[:1].upper() + name[1:]


def _check_text(
    text: str,
    *,
    field: str,
    minimum: int,
    maximum: int,
    rules: TextRules,
    allowed_tags: frozenset[str],
) -> list[FieldError]:
    if not text.strip():
        return [FieldError(field, _REQUIRED, "required")]
    errors: list[FieldError] = []
    visible = visible_text(text).strip()
    if len(visible) < minimum:
        errors.append(
            FieldError(
                field, f"{_label(field)} is too short. Minimum length is {minimum} characters", "too_short"
            )
        )
    elif len(visible) > maximum:
        errors.append(
            FieldError(
                field, f"{_label(field)} is too long. Maximum length is {maximum} characters", "too_long"
            )
        )
    if _has_forbidden_html(text, allowed_tags):
        errors.append(FieldError(field, _html_title(allowed_tags), "html_not_allowed"))
    if rules.max_capitals_ratio is not None and _too_many_capitals(visible, rules.max_capitals_ratio):
        errors.append(FieldError(field, "Too many capital letters", "too_many_capitals"))
    scan = _scan_text(text)
    if rules.punctuation_runs and _PUNCTUATION_RUN.search(scan):
        # "to much" is OLX's own typo; clients may match on the exact string.
        errors.append(FieldError(field, "Field contains to much punctuation", "punctuation"))
    if rules.forbid_contacts:
        if _contains_url(scan):
            errors.append(
                FieldError(
                    field, "Field is not valid. Emails and www addresses are not allowed", "contact_url"
                )
            )
        if _contains_phone(scan):
            errors.append(
                FieldError(field, "Field is not valid. Phone numbers are not allowed", "contact_phone")
            )
    return errors


def check_title(title: str, rules: TextRules, *, field: str = "title") -> list[FieldError]:
    """Every rule the title breaks, one error per rule; titles never accept HTML."""
    return _check_text(
        title,
        field=field,
        minimum=rules.title_min,
        maximum=rules.title_max,
        rules=rules,
        allowed_tags=frozenset(),
    )


def check_description(text: str, rules: TextRules, *, field: str = "description") -> list[FieldError]:
    """Every rule the description breaks, one error per rule."""
    return _check_text(
        text,
        field=field,
        minimum=rules.description_min,
        maximum=rules.description_max,
        rules=rules,
        allowed_tags=rules.allowed_html_tags,
    )


# --- contact phone and salary --------------------------------------------------------

_PHONE_SEPARATORS: Final = str.maketrans("", "", " -.()")


def check_phone_number(
    phone: str,
    *,
    field: str = "phone",
    min_digits: int = 9,
    max_digits: int = 15,
    length_codes: bool = False,
) -> list[FieldError]:
    """The advert's contact phone: digits with optional separators and one leading "+".

    With ``length_codes`` a well-formed number of the wrong length gets the code
    ``too_short`` or ``too_long`` instead of ``invalid_phone`` (the title stays the same).
    """
    digits = phone.translate(_PHONE_SEPARATORS).removeprefix("+")
    # isascii() because str.isdigit() also accepts "²" and Arabic-Indic digits.
    if digits.isascii() and digits.isdigit():
        if min_digits <= len(digits) <= max_digits:
            return []
        if length_codes:
            code = "too_short" if len(digits) < min_digits else "too_long"
            return [FieldError(field, "Invalid phone format", code)]
    return [FieldError(field, "Invalid phone format", "invalid_phone")]


_CURRENCY_CODE: Final = re.compile(r"[A-Za-z]{3}")


def _check_salary_value(value: float | None, field: str, max_value: int) -> FieldError | None:
    if value is None:
        return None
    if math.isnan(value):
        return FieldError(field, "Invalid value", "invalid_number")
    if value < 0:
        return FieldError(field, "Value cannot be negative", "out_of_range")
    if value > max_value:
        return FieldError(field, f"Value cannot be greater than {max_value}", "out_of_range")
    return None


def _check_currency(currency: str, allowed: frozenset[str]) -> FieldError | None:
    field = "salary.currency"
    invalid = FieldError(field, "Invalid value", "invalid_currency")
    if _CURRENCY_CODE.fullmatch(currency) is None:
        return invalid
    if not currency.isupper():
        # Asking for uppercase only helps when uppercase would pass; "xyz" is simply invalid.
        if currency.upper() in allowed:
            return FieldError(field, "Salary currency has to be written in uppercase", "currency_lowercase")
        return invalid
    return None if currency in allowed else invalid


def check_salary(
    *,
    value_from: float | None,
    value_to: float | None,
    currency: str | None,
    salary_type: str | None,
    allowed_currencies: frozenset[str],
    allowed_types: frozenset[str] = SALARY_TYPES,
    max_value: int = SALARY_MAX_VALUE,
) -> list[FieldError]:
    """Errors of a Jobs ``salary`` object, in the order of its wire fields."""
    errors: list[FieldError] = []
    from_error = _check_salary_value(value_from, "salary.value_from", max_value)
    to_error = _check_salary_value(value_to, "salary.value_to", max_value)
    errors.extend(error for error in (from_error, to_error) if error is not None)
    # Compare only two valid bounds, so one bad value_to is not reported twice.
    if (
        value_from is not None
        and value_to is not None
        and from_error is None
        and to_error is None
        and value_from > value_to
    ):
        errors.append(
            FieldError("salary.value_to", "Upper value cannot be lower than lower value", "range_order")
        )
    if currency:
        currency_error = _check_currency(currency, allowed_currencies)
        if currency_error is not None:
            errors.append(currency_error)
    elif value_from is not None or value_to is not None:
        errors.append(FieldError("salary.currency", _REQUIRED, "required"))
    if salary_type is not None and salary_type not in allowed_types:
        errors.append(FieldError("salary.type", "Invalid value", "invalid_choice"))
    return errors
