"""The vehicle catalogues (``/autoupload/car_info``, ``moto_info``, ``moto_cubiccms_info``).

They are read from the same rows the validation uses: the values of the Brasil categories'
``vehicle_brand`` / ``vehicle_model`` / ``vehicle_version`` / ``cubiccms`` attributes (see
``site_data``), in file order.
"""

from __future__ import annotations

from typing import Any

from pazar.domain.errors import NotFound
from pazar.services.autoupload.rules import autoupload_params
from pazar.services.reference import SiteSnapshot

KINDS = ("car", "moto")


def _values(site: SiteSnapshot, catalog: str) -> list[dict[str, Any]]:
    for category in sorted(site.categories.values(), key=lambda c: c.id):
        for attribute in autoupload_params(category):
            if attribute["autoupload"].get("catalog") == catalog:
                return list(attribute.get("values", []))
    raise NotFound("Catalogue not found", code="catalog_not_found")


def _by_name(values: list[dict[str, Any]]) -> dict[str, int]:
    return {str(v["label"]): int(v["code"]) for v in values}


def brands(site: SiteSnapshot, kind: str) -> dict[str, int]:
    return _by_name(_values(site, f"{kind}_brand"))


def _known(values: list[dict[str, Any]], code: str, what: str) -> None:
    if not any(str(v["code"]) == code for v in values):
        raise NotFound(f"{what} not found", code=f"{what.lower()}_not_found")


def models(site: SiteSnapshot, kind: str, brand: str) -> dict[str, int]:
    _known(_values(site, f"{kind}_brand"), brand, "Brand")
    return _by_name([v for v in _values(site, f"{kind}_model") if v.get("parent") == brand])


def versions(site: SiteSnapshot, kind: str, brand: str, model: str) -> dict[str, int]:
    belongs = [v for v in _values(site, f"{kind}_model") if v.get("parent") == brand]
    _known(_values(site, f"{kind}_brand"), brand, "Brand")
    _known(belongs, model, "Model")
    return _by_name([v for v in _values(site, f"{kind}_version") if v.get("parent") == model])


def cubic_capacities(site: SiteSnapshot) -> dict[str, str]:
    """Id -> label (the reverse direction of the brand/model/version maps, as the seed shows it)."""
    return {str(v["code"]): str(v["label"]) for v in _values(site, "moto_cubiccms")}
