"""The one table of the Autoupload dialect: core errors -> the seed's codes, messages and bodies.

* Import answers (``PUT /autoupload/import``): ``{token, statusCode, statusMessage, errors}`` with the
  seed's codes 0, -1 ... -8 and their exact English messages (§2.7.4), HTTP 200 (500 for -1).
* A refused ad (-4): ``{"id", "status": "error", "messages": [{"<field>": "ERROR_..."}]}``, one message
  per wire field. The core's field errors are named with the seed's ``ERROR_*`` codes (§2.7.4.2); a
  param's codes come from the category data (``error_missing`` / ``error_invalid``).
* The status endpoint's ``message``: the codes alone (``ERROR_IMAGE_TOO_SMALL`` ...).
* Other ``apps.olx.com.br`` endpoints: ``{"status": "ERROR", "error": {"reason", "message",
  "statusCode"}}`` (the catalogue API's shape, digest A.6), with that HTTP status.
* A body that is not the envelope: HTTP 400/413 ``{"property", "message"}`` (digest A.4).
* ``POST /oauth/token``: HTTP 400 ``{"error": "<code>"}`` (digest A.1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from starlette.responses import Response

from pazar.dialects.common.body import BodyError
from pazar.dialects.common.responses import json_response
from pazar.domain.brasil import AdProblem, ImportRefused
from pazar.domain.errors import FieldError, OAuthError

IMPORTED: Final = "The ads were imported and will be processed"
STATUS_MESSAGES: Final = {
    0: IMPORTED,
    -1: "Unexpected error",
    -2: "The request was blocked",
    -3: "There is no ad to import",
    -4: "An ad had problems on import",
    -5: "Import is down",
    -6: "Without permission",
}
REFUSAL_CODES: Final = {
    ImportRefused.DOWN: -5,
    ImportRefused.BLOCKED: -2,
    ImportRefused.EMPTY: -3,
    ImportRefused.INVALID_ADS: -4,
    ImportRefused.NO_PERMISSION: -6,
    ImportRefused.NO_SLOTS: -7,
}

# (core field, core code) -> (wire field, ERROR code). "*" matches any code of the field.
FIELD_CODES: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("title", "required"): ("subject", "ERROR_SUBJECT_TOO_SHORT"),
    ("title", "too_short"): ("subject", "ERROR_SUBJECT_TOO_SHORT"),
    ("title", "too_long"): ("subject", "ERROR_SUBJECT_TOO_LONG"),
    ("title", "html_not_allowed"): ("subject", "ERROR_SUBJECT_HTML"),
    ("description", "required"): ("body", "ERROR_BODY_TOO_SHORT"),
    ("description", "too_short"): ("body", "ERROR_BODY_TOO_SHORT"),
    ("description", "too_long"): ("body", "ERROR_BODY_TOO_LONG"),
    ("description", "html_not_allowed"): ("body", "ERROR_BODY_HTML"),
    ("phone", "too_short"): ("phone", "ERROR_PHONE_TOO_SHORT"),
    ("phone", "too_long"): ("phone", "ERROR_PHONE_TOO_LONG"),
    ("phone", "*"): ("phone", "ERROR_PHONE_INVALID"),
    ("zipcode", "no_region"): ("zipcode", "ERROR_REGION_MISSING"),
    ("zipcode", "*"): ("zipcode", "ERROR_ZIPCODE_INVALID"),
    ("type", "*"): ("type", "ERROR_TYPE_INVALID"),
    ("category", "*"): ("category", "ERROR_CATEGORY_INVALID"),
    ("category_id", "*"): ("category", "ERROR_CATEGORY_INVALID"),
    ("operation", "*"): ("operation", "ERROR_OPERATION_INVALID"),
    ("id", "repeated"): ("id", "ERROR_ID_REPEATED"),
    ("id", "not_found"): ("id", "ERROR_AD_NOT_FOUND"),
    ("id", "*"): ("id", "ERROR_ID_INVALID"),
    ("images", "image_limit"): ("images", "ERROR_TOO_MANY_IMAGES"),
    ("images", "*"): ("images", "ERROR_IMAGE_URL_INVALID"),
    ("price", "*"): ("price", "ERROR_PRICE_INVALID"),
    ("price.value", "*"): ("price", "ERROR_PRICE_INVALID"),
    ("params", "*"): ("params", "ERROR_PARAMS_INVALID"),
    ("ad", "advert_claimed"): ("id", "ERROR_AD_MIGRATED"),
    ("ad", "invalid_state"): ("id", "ERROR_AD_NOT_EDITABLE"),
    ("ad", "not_owner"): ("id", "ERROR_AD_NOT_FOUND"),
    ("ad", "not_found"): ("id", "ERROR_AD_NOT_FOUND"),
}
# The core's generic "unknown attribute" (no name): the Brasil rules report it by name instead.
DROPPED: Final = frozenset({("attributes", "unknown_attribute")})
# When one wire field has several problems, the more telling code wins.
SPECIFIC: Final = frozenset({"too_short", "too_long", "no_region", "no_such_parameter", "required"})
NO_SUCH_PARAMETER: Final = "ERROR_NO_SUCH_PARAMETER"
IMAGE_CODES: Final = {
    "too_small": "ERROR_IMAGE_TOO_SMALL",
    "download_failed": "ERROR_DOWNLOADING_IMAGE",
    "undecodable": "ERROR_UPLOADING_IMAGE",
}


def _wire(error: FieldError, params: Mapping[str, tuple[str, str]]) -> tuple[str, str] | None:
    if (error.field, error.code) in DROPPED:
        return None
    if error.field.startswith("params."):
        name = error.field.removeprefix("params.")
        if error.code == "no_such_parameter":
            return name, NO_SUCH_PARAMETER
        missing, invalid = params.get(
            name, (f"ERROR_{name.upper()}_MISSING", f"ERROR_{name.upper()}_INVALID")
        )
        return name, missing if error.code == "required" else invalid
    found = FIELD_CODES.get((error.field, error.code)) or FIELD_CODES.get((error.field, "*"))
    if found is not None:
        return found
    name = error.field.split(".")[0]
    return name, f"ERROR_{name.upper()}_INVALID"


def ad_messages(errors: Iterable[FieldError], params: Mapping[str, tuple[str, str]]) -> list[dict[str, str]]:
    """``[{"<wire field>": "ERROR_..."}]``: one per field, in the order the fields were reported."""
    chosen: dict[str, tuple[str, bool]] = {}
    for error in errors:
        wire = _wire(error, params)
        if wire is None:
            continue
        field, code = wire
        specific = error.code in SPECIFIC
        if field not in chosen or (specific and not chosen[field][1]):
            chosen[field] = (code, specific)
    return [{field: code} for field, (code, _) in chosen.items()]


def stored_messages(messages: Iterable[dict[str, Any]], params: Mapping[str, tuple[str, str]]) -> list[str]:
    """An item's stored problems (image codes, or the core's field errors) as the status shows them."""
    out: list[str] = []
    field_errors: list[FieldError] = []
    for message in messages:
        if "image" in message:
            out.append(IMAGE_CODES.get(str(message.get("code")), "ERROR_UPLOADING_IMAGE"))
        else:
            field_errors.append(FieldError(str(message.get("field", "ad")), "", str(message.get("code", ""))))
    out += [code for entry in ad_messages(field_errors, params) for code in entry.values()]
    return out


# --- import answers --------------------------------------------------------------------------


def import_answer(
    status_code: int,
    *,
    token: str | None = None,
    message: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    http_status: int = 200,
) -> Response:
    body = {
        "token": token,
        "statusCode": status_code,
        "statusMessage": message if message is not None else STATUS_MESSAGES[status_code],
        "errors": errors or [],
    }
    return json_response(body, http_status)


def no_slots_message(wanted: int, free: int) -> str:
    return f"Trying to import {wanted} ad(s), but user just have slot for {free} more."


def partial_message(sent: int, imported: int, ignored: Iterable[str]) -> str:
    return (
        f"Trying to import {sent} ad(s), only {imported} were imported and will be processed. "
        f"The following ads were ignored due to limit exceeded: {', '.join(ignored)}"
    )


def refused(exc: ImportRefused, params_of: Any) -> Response:
    """``params_of(category_id)`` gives a category's param error codes."""
    code = REFUSAL_CODES[exc.reason]
    if code == -7:
        return import_answer(-7, message=no_slots_message(exc.wanted, exc.free))
    errors = [_ad_error(problem, params_of(problem.category_id)) for problem in exc.problems]
    return import_answer(code, errors=errors)


def _ad_error(problem: AdProblem, params: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    return {"id": problem.ref or None, "status": "error", "messages": ad_messages(problem.errors, params)}


def unexpected() -> Response:
    return import_answer(-1, http_status=500)


# --- the other endpoints ------------------------------------------------------------------------


def api_error(status: int, reason: str, message: str) -> Response:
    return json_response(
        {"status": "ERROR", "error": {"reason": reason, "message": message, "statusCode": status}}, status
    )


def token_not_found() -> Response:
    return api_error(404, "ACCESS_TOKEN_NOT_FOUND", "Access token not found")


def without_permission() -> Response:
    return api_error(403, "WITHOUT_PERMISSION", "Without permission")


def not_found(message: str = "Not found") -> Response:
    return api_error(404, "NOT_FOUND", message)


def method_not_allowed() -> Response:
    return api_error(405, "METHOD_NOT_ALLOWED", "Method not allowed")


def server_error() -> Response:
    return api_error(500, "INTERNAL_ERROR", "Unexpected error")


def body_error(exc: BodyError) -> Response:
    status = 413 if exc.reason == BodyError.TOO_LARGE else 400
    return json_response({"property": "", "message": exc.message}, status)


def shape_error(property_path: str, message: str) -> Response:
    return json_response({"property": property_path, "message": message}, 400)


# --- the token endpoint -------------------------------------------------------------------------

# The codes the Brasil token endpoint documents (digest A.1); others fold into the nearest one.
TOKEN_ERRORS: Final = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    }
)
_TOKEN_ALIASES: Final = {"redirect_uri_mismatch": "invalid_grant", "invalid_uri": "invalid_request"}


def token_error(exc: OAuthError) -> Response:
    code = exc.error if exc.error in TOKEN_ERRORS else _TOKEN_ALIASES.get(exc.error, "invalid_request")
    return json_response({"error": code}, 400, {"Cache-Control": "no-store", "Pragma": "no-cache"})
