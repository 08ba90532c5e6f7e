"""Geographic look-ups over a site's cities and districts."""

from __future__ import annotations

from dataclasses import dataclass

from pazar.domain.errors import FieldError, ValidationFailed
from pazar.domain.geo import distance_km, valid_coordinates
from pazar.services.reference import CityInfo, DistrictInfo, SiteSnapshot

NEAREST_RADIUS_KM = 50.0
NEAREST_LIMIT = 5


@dataclass(frozen=True, slots=True)
class LocationMatch:
    city: CityInfo
    district: DistrictInfo | None
    distance_km: float


def nearest_district(
    site: SiteSnapshot, city_id: int, latitude: float, longitude: float
) -> DistrictInfo | None:
    ids = site.districts_by_city.get(city_id, [])
    if not ids:
        return None
    return min(
        (site.districts[d] for d in ids),
        key=lambda d: distance_km(latitude, longitude, d.latitude, d.longitude),
    )


def nearest(site: SiteSnapshot, *, latitude: float, longitude: float) -> list[LocationMatch]:
    """Cities within 50 km of a point, closest first, each with its closest district."""
    if not valid_coordinates(latitude, longitude):
        raise ValidationFailed([FieldError("latitude/longitude", "Invalid coordinates", code="invalid")])
    by_distance = sorted(
        ((distance_km(latitude, longitude, c.latitude, c.longitude), c) for c in site.cities.values()),
        key=lambda pair: (pair[0], pair[1].id),
    )
    return [
        LocationMatch(city=c, district=nearest_district(site, c.id, latitude, longitude), distance_km=d)
        for d, c in by_distance[:NEAREST_LIMIT]
        if d <= NEAREST_RADIUS_KM
    ]
