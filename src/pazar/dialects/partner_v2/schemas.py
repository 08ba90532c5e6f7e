"""Wire shapes of the v2 request bodies, and their translation into core commands.

Pydantic checks only the shape (types, unknown fields); every business rule is in
``domain.adverts``. Shape failures become the v2 error bodies: an unknown field is
the real API's "Error while decoding JSON data: Syntax error", a malformed
``attributes`` item is troubleshooting case 7, anything else a validation entry.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from pazar.domain.commands import AdvertDraft, AttributeValue, Contact, Location, Price, Salary
from pazar.domain.errors import FieldError, ValidationFailed

INT32 = 2_147_483_647


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Id = Annotated[int, Field(ge=0, le=INT32)]
Scalar = Text | int | float


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ContactIn(_Shape):
    name: Text | None = None
    phone: Text | int | None = None


class LocationIn(_Shape):
    city_id: Id | None = None
    district_id: Id | None = None
    latitude: float | None = None
    longitude: float | None = None


class ImageIn(_Shape):
    url: Text


class PriceIn(_Shape):
    value: float | None = None
    currency: Text | None = None
    negotiable: bool = False
    trade: bool = False
    budget: bool = False


class SalaryIn(_Shape):
    value_from: float | None = None
    value_to: float | None = None
    currency: Text | None = None
    negotiable: bool = False
    type: Text | None = None


class AttributeIn(_Shape):
    code: Text
    value: Scalar | None = None
    values: list[Scalar] | None = None


class AdDeliveryIn(_Shape):
    delivery_package_ids: list[Text] = Field(default_factory=list, max_length=50)


class AdvertIn(_Shape):
    title: Text
    description: Text
    category_id: Id
    advertiser_type: Text
    external_url: Text | None = None
    external_id: Text | int | None = None
    contact: ContactIn
    location: LocationIn
    images: list[ImageIn] = Field(default_factory=list, max_length=100)
    price: PriceIn | None = None
    salary: SalaryIn | None = None
    attributes: list[AttributeIn] = Field(max_length=200)
    courier: bool | None = None
    ad_delivery: AdDeliveryIn | None = None


class CommandIn(_Shape):
    command: Text
    is_success: bool | None = None


class JSONSyntaxError(Exception):
    """The body has fields the API does not know (the real API's wording for it)."""


# Wire field names in errors are flat for contact and location, as the real API reports them.
_FLAT_PARENTS = frozenset({"contact", "location"})


def field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    if len(parts) >= 2 and parts[0] in _FLAT_PARENTS:
        return parts[-1]
    if parts and parts[0] == "images":
        return "images"
    return ".".join(parts) or "body"


def shape_errors(exc: ValidationError) -> list[FieldError]:
    errors: list[FieldError] = []
    for problem in exc.errors():
        loc = tuple(problem.get("loc", ()))
        kind = problem.get("type", "")
        if kind == "extra_forbidden" and (not loc or loc[0] != "attributes"):
            raise JSONSyntaxError() from exc
        if kind == "missing" and len(loc) == 1:
            entry = FieldError(field_name(loc), "This field is required", "required")
        elif loc and loc[0] == "attributes":
            entry = FieldError("attributes", "This value is not valid.", "invalid_shape")
        elif kind == "missing":
            entry = FieldError(field_name(loc), "This field is required", "required")
        else:
            entry = FieldError(field_name(loc), "Invalid value", "invalid_type")
        if entry not in errors:
            errors.append(entry)
    return errors


def parse(model: type[_Shape], body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed(shape_errors(exc)) from exc


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_draft(body: AdvertIn) -> AdvertDraft:
    return AdvertDraft(
        title=body.title,
        description=body.description,
        category_id=body.category_id,
        advertiser_type=body.advertiser_type,
        contact=Contact(name=body.contact.name, phone=_text(body.contact.phone)),
        location=Location(
            city_id=body.location.city_id,
            district_id=body.location.district_id,
            latitude=body.location.latitude,
            longitude=body.location.longitude,
        ),
        images=tuple(image.url for image in body.images),
        price=Price(**body.price.model_dump()) if body.price else None,
        salary=Salary(**body.salary.model_dump()) if body.salary else None,
        attributes=tuple(
            AttributeValue(
                code=a.code,
                value=_text(a.value),
                values=tuple(str(_text(v)) for v in a.values) if a.values is not None else None,
            )
            for a in body.attributes
        ),
        external_id=_text(body.external_id),
        external_url=body.external_url,
        courier=body.courier,
        delivery_package_ids=tuple(body.ad_delivery.delivery_package_ids) if body.ad_delivery else None,
    )
