"""RE advert drafts: kept as JSON while an operation waits, located by coordinates, failures as RE data.

An asynchronous operation stores the ``AdvertDraft`` the dialect built (``to_json``) and
the worker rebuilds it (``from_json``): the wire is read once, at the edge.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from pazar.domain import webhooks as wire
from pazar.domain.commands import AdvertDraft, AttributeValue, Contact, Location, Price, Salary
from pazar.domain.errors import BadRequest, DomainError, InvalidState, NotFound, ValidationFailed
from pazar.domain.realestate import Place, nearest, wire_field
from pazar.services.reference import SiteSnapshot


def to_json(draft: AdvertDraft) -> dict[str, Any]:
    return asdict(draft)


def from_json(data: dict[str, Any]) -> AdvertDraft:
    price, salary = data.get("price"), data.get("salary")
    packages = data.get("delivery_package_ids")
    return AdvertDraft(
        title=data["title"],
        description=data["description"],
        category_id=int(data["category_id"]),
        contact=Contact(**data["contact"]),
        location=Location(**data["location"]),
        advertiser_type=data.get("advertiser_type"),
        images=tuple(data.get("images", ())),
        price=Price(**price) if price is not None else None,
        salary=Salary(**salary) if salary is not None else None,
        attributes=tuple(
            AttributeValue(
                code=a["code"],
                value=a.get("value"),
                values=tuple(a["values"]) if a.get("values") is not None else None,
            )
            for a in data.get("attributes", ())
        ),
        external_id=data.get("external_id"),
        external_url=data.get("external_url"),
        courier=data.get("courier"),
        delivery_package_ids=tuple(packages) if packages is not None else None,
        extra=dict(data.get("extra") or {}),
    )


def locate(site: SiteSnapshot, draft: AdvertDraft) -> AdvertDraft:
    """File the advert under the municipality nearest to its coordinates (and its nearest parish).

    Without coordinates the draft stays unlocated and validation says the location is required;
    whether the point is near enough is the site's ``coordinates_max_distance_km`` rule.
    """
    lat, lon = draft.location.latitude, draft.location.longitude
    if lat is None or lon is None or draft.location.city_id is not None:
        return draft
    found = nearest((Place(c.id, c.latitude, c.longitude) for c in site.cities.values()), lat, lon)
    if found is None:
        return draft
    city = found[0]
    parishes = [site.districts[d] for d in site.districts_by_city.get(city.id, [])]
    parish = nearest((Place(d.id, d.latitude, d.longitude) for d in parishes), lat, lon)
    location = replace(draft.location, city_id=city.id, district_id=parish[0].id if parish else None)
    return replace(draft, location=location)


def failure_of(exc: DomainError) -> dict[str, Any]:
    """A refused operation as the ``data`` of its ``*_error`` notification."""
    if isinstance(exc, ValidationFailed):
        validation = [
            {"field": wire_field(e.field), "title": e.title, "detail": e.detail or e.title}
            for e in exc.errors
        ]
        return wire.failure("Invalid request", exc.message or "Data validation error occurred", validation)
    if isinstance(exc, InvalidState):
        return wire.failure("Illegal status change", exc.message)
    if isinstance(exc, NotFound):
        return wire.failure("Not Found", exc.message)
    if isinstance(exc, BadRequest):
        return wire.failure("Bad Request", exc.message)
    return wire.failure("Operation refused", exc.message)
