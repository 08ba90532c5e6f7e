"""Reading Autoupload requests: lenient JSON bodies, and ``ad_list`` entries as core drafts.

Bodies are JSON whatever the ``Content-Type`` says (real clients label JSON as a form), and the
trailing comma the seed's own examples carry (``{"access_token": "...",}``) is tolerated. Each ad
becomes an ``ImportAd``: its id, its operation and an ``AdvertDraft`` for the core to validate, plus
whatever was already wrong in its wire form (an id outside the seed's regex, an operation that is
neither ``insert`` nor ``delete``, a category that is not a number, a price with cents).
"""

from __future__ import annotations

import re
from typing import Any, Final

import orjson

from pazar.dialects.common.body import BodyError, decode_utf8
from pazar.domain.commands import AdvertDraft, AttributeValue, Contact, Location, Price
from pazar.domain.errors import FieldError
from pazar.services.autoupload.imports import DELETE, INSERT, ImportAd

ID_PATTERN: Final = re.compile(r"[A-Za-z0-9_{}-]{1,19}")
OPERATIONS: Final = (INSERT, DELETE)
CURRENCY: Final = "BRL"
NUL_MESSAGE: Final = "NUL characters are not allowed"


class ShapeError(Exception):
    """The body is JSON but not the envelope the endpoint takes (HTTP 400, ``property`` + ``message``)."""

    def __init__(self, property_path: str, message: str) -> None:
        super().__init__(message)
        self.property = property_path
        self.message = message


# Trailing commas, outside strings: each match is the run of JSON up to the next such comma (strings,
# even unclosed ones, and other commas consumed whole), then the comma, which is dropped. Possessive
# throughout and always matching (``\Z``), so the scan is one linear pass whatever the body.
_UP_TO_TRAILING_COMMA: Final = re.compile(
    r'((?:[^",]++|"(?:[^"\\]++|\\.?)*+"?|,(?!\s*+[}\]]))*+)(?:,|\Z)', re.DOTALL
)
_TRAILING_COMMA_AT: Final = re.compile(r",\s*+[}\]]")
# More trailing commas than any real import carries are not tolerated (each costs a match).
MAX_TRAILING_COMMAS: Final = 10_000
QUICK_ROUNDS: Final = 8  # trailing commas dropped one at a time before the whole-text pass


def parse_body(raw: bytes) -> dict[str, Any]:
    """A JSON object; an empty body is an empty object (endpoints then miss their token)."""
    text = decode_utf8(raw)
    if not raw.strip():
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        value = _without_trailing_commas(text, exc)
    if not isinstance(value, dict):
        raise BodyError(BodyError.NOT_OBJECT, "A JSON object is expected")
    return value


def _without_trailing_commas(text: str, error: orjson.JSONDecodeError) -> Any:
    """The body read again without its trailing commas, when a trailing comma is what orjson refused.

    The few trailing commas of a real import are dropped one by one where orjson stops (each round is
    one C parse); only a body with more of them gets the regular-expression pass over the whole text.
    Either way a body whose fault is not a trailing comma is refused as soon as orjson reaches it.
    """
    malformed = BodyError(BodyError.MALFORMED, "Malformed JSON")
    for _ in range(QUICK_ROUNDS):
        if not _TRAILING_COMMA_AT.match(text, error.pos):  # orjson's pos counts characters
            raise malformed from error
        text = text[: error.pos] + text[error.pos + 1 :]
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            error = exc
    if not _TRAILING_COMMA_AT.match(text, error.pos):
        raise malformed from error
    cleaned, matches = _UP_TO_TRAILING_COMMA.subn(r"\1", text, count=MAX_TRAILING_COMMAS + 2)
    if matches - 1 + QUICK_ROUNDS > MAX_TRAILING_COMMAS:  # the last match is the end of the text
        raise malformed from error
    try:
        return orjson.loads(cleaned)
    except orjson.JSONDecodeError as exc:
        raise malformed from exc


def access_token(body: dict[str, Any]) -> str | None:
    token = body.get("access_token")
    return token if isinstance(token, str) and token else None


def ad_list(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The ads of an import body; a missing or null list is an empty one (code -3)."""
    ads = body.get("ad_list")
    if ads is None:
        return []
    if not isinstance(ads, list):
        raise ShapeError("ad_list", "The property ad_list must be an array")
    for index, ad in enumerate(ads):
        if not isinstance(ad, dict):
            raise ShapeError(f"ad_list[{index}]", f"The property ad_list[{index}] must be an object")
    return ads


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _number_text(value: Any) -> str | None:
    """A string as sent, an integer as its digits; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _integer(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def _param_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # later docs send mileage as a number: 10000 -> "10000"; 1.5 stays invalid
    return orjson.dumps(value).decode()  # true, {}, ...: kept visible, so the value is refused


def _attribute(code: str, value: Any) -> AttributeValue:
    if value is None:
        return AttributeValue(code)
    if isinstance(value, list):
        return AttributeValue(code, values=tuple(_param_text(v) for v in value))
    return AttributeValue(code, value=_param_text(value))


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _nul_errors(raw: dict[str, Any]) -> list[FieldError]:
    """NUL anywhere in an ad: ``ERROR_<FIELD>_INVALID`` on both databases (PostgreSQL stores no NUL)."""
    errors: list[FieldError] = []
    for key, value in raw.items():
        if key == "params" and isinstance(value, dict):
            errors += [
                FieldError(f"params.{code}", NUL_MESSAGE, "invalid")
                for code, item in value.items()
                if _has_nul(code) or _has_nul(item)
            ]
        elif _has_nul(key) or _has_nul(value):
            errors.append(FieldError(str(key).replace("\x00", ""), NUL_MESSAGE, "invalid"))
    return errors


def read_ad(raw: dict[str, Any]) -> ImportAd:
    errors = _nul_errors(raw)
    if errors:
        sent_id = _number_text(raw.get("id"))
        sent_operation = str(raw.get("operation")).replace("\x00", "")
        clean_id = sent_id.replace("\x00", "") if sent_id is not None else None
        return ImportAd(ref=clean_id, operation=sent_operation, errors=tuple(errors))
    given_id = raw.get("id")
    ref = _number_text(given_id)
    if ref is None or not ID_PATTERN.fullmatch(ref):
        errors.append(FieldError("id", "Invalid id", "invalid"))
    operation = raw.get("operation")
    if operation not in OPERATIONS:
        errors.append(FieldError("operation", "Invalid operation", "invalid"))
        return ImportAd(ref=ref, operation=str(operation), errors=tuple(errors))
    if operation == DELETE:
        return ImportAd(ref=ref, operation=DELETE, errors=tuple(errors))

    category_id = _integer(raw.get("category"))
    if category_id is None:
        errors.append(FieldError("category", "Invalid category", "invalid"))
    price: Price | None = None
    if raw.get("price") is not None:
        value = _integer(raw["price"])
        if value is None:
            errors.append(FieldError("price", "The price is an integer (no cents)", "invalid"))
        else:
            price = Price(value=value, currency=CURRENCY)
    params = raw.get("params")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        errors.append(FieldError("params", "params must be an object", "invalid"))
        params = {}
    images = raw.get("images")
    if images is None:
        images = []
    if not isinstance(images, list) or not all(isinstance(url, str) for url in images):
        errors.append(FieldError("images", "images must be an array of URLs", "invalid"))
        images = []
    if category_id is None:
        return ImportAd(ref=ref, operation=INSERT, errors=tuple(errors))
    offer_type = raw.get("type")
    draft = AdvertDraft(
        title=_text(raw.get("subject")),
        description=_text(raw.get("body")),
        category_id=category_id,
        contact=Contact(name=None, phone=_number_text(raw.get("phone"))),
        location=Location(city_id=None, zipcode=_number_text(raw.get("zipcode"))),
        images=tuple(images),
        price=price,
        attributes=tuple(_attribute(str(code), value) for code, value in params.items()),
        external_id=ref,
        extra={"type": offer_type if isinstance(offer_type, str) else None},
    )
    return ImportAd(ref=ref, operation=INSERT, draft=draft, category_id=category_id, errors=tuple(errors))
