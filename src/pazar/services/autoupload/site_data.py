"""The Brasil site's shipped files turned into pazar's standard reference rows.

``data/sites/olx_com_br`` holds the seed's own tables (categories with their params, the car and
motorcycle catalogues, the CEP ranges; see its README). ``convert`` maps them to what every site
stores: categories in the Partner API v2 shape, with each param as an attribute definition (required,
numeric, min/max, multiple values, allowed values), a price attribute, and the Brasil extras under
``"autoupload"`` (param kind, parent param, error codes); regions from the CEP table (Brasil locates
adverts by CEP, so there are no cities).

The vehicle catalogues become the values of the ``vehicle_brand``, ``vehicle_model`` and
``vehicle_version`` (and ``cubiccms``) attributes, in file order; a model's and a version's value
carries its ``parent`` id. So the core checks that a brand, model or version id exists, the Brasil
rules check that they belong together, and the catalogue endpoints read the same rows.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from pazar.domain.brasil import ParamKind, ZipRange

DATA_FORMAT = "autoupload"
PRICE_LABEL = "Preço"

LABELS = {
    "vehicle_brand": "Marca",
    "vehicle_model": "Modelo",
    "vehicle_version": "Versão",
    "regdate": "Ano",
    "gearbox": "Câmbio",
    "fuel": "Combustível",
    "mileage": "Quilometragem",
    "cartype": "Tipo de veículo",
    "doors": "Portas",
    "carcolor": "Cor",
    "motorpower": "Potência do motor",
    "financial": "Situação financeira",
    "owner": "Único dono",
    "exchange": "Aceita trocas",
    "car_steering": "Direção",
    "end_tag": "Final de placa",
    "car_features": "Opcionais",
    "cubiccms": "Cilindrada",
    "mototype": "Tipo de moto",
    "moto_features": "Opcionais",
    "apartment_type": "Tipo",
    "rooms": "Quartos",
    "size": "Área",
    "garage_spaces": "Vagas na garagem",
    "condominio": "Condomínio",
    "iptu": "IPTU",
    "apartment_features": "Características",
    "home_type": "Tipo",
    "home_features": "Características",
    "season_type": "Tipo",
    "rent_type": "Tipo de preço",
    "season_features": "Características",
    "beds": "Acomoda (pessoas)",
    "re_land_type": "Tipo",
    "re_release_type": "Tipo",
}
UNITS = {"size": "m²", "condominio": "BRL", "iptu": "BRL", "mileage": "km"}

# Which catalogue a catalogue param's value must belong to, through which param.
_PARENT_CATALOG = {
    "car_model": "car_brand",
    "car_version": "car_model",
    "moto_model": "moto_brand",
    "moto_version": "moto_model",
}


def _read(directory: Traversable, name: str) -> Any:
    return json.loads(directory.joinpath(name).read_text(encoding="utf-8"))


def catalog_values(directory: Traversable) -> dict[str, list[dict[str, Any]]]:
    """Every catalogue as attribute values ``{"code", "label"[, "parent"]}``, in file order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for prefix, file in (("car", "car_catalog.json"), ("moto", "moto_catalog.json")):
        brands, models, versions = [], [], []
        for brand in _read(directory, file):
            brands.append({"code": str(brand["id"]), "label": brand["name"]})
            for model in brand["models"]:
                models.append({"code": str(model["id"]), "label": model["name"], "parent": str(brand["id"])})
                for version in model["versions"]:
                    versions.append(
                        {"code": str(version["id"]), "label": version["name"], "parent": str(model["id"])}
                    )
        out[f"{prefix}_brand"], out[f"{prefix}_model"], out[f"{prefix}_version"] = brands, models, versions
    cubic = _read(directory, "moto_cubiccms.json")
    out["moto_cubiccms"] = [{"code": str(k), "label": str(v)} for k, v in cubic.items()]
    return out


def _error_code(param: dict[str, Any], which: str) -> str:
    """The seed's ERROR_* code for a missing / invalid param, or one made up in the seed's pattern."""
    given = param.get(f"error_{which}")
    return str(given) if given else f"ERROR_{param['name'].upper()}_{which.upper()}"


def _attribute(
    param: dict[str, Any],
    catalogs: dict[str, list[dict[str, Any]]],
    parent_param: dict[str, str],
    *,
    legacy: bool,
) -> dict[str, Any]:
    kind = param["kind"]
    values: list[dict[str, Any]] = []
    if kind in (ParamKind.ENUM, ParamKind.ENUM_MULTI):
        choices = dict(param["values"])
        if legacy and param.get("legacy_values"):
            choices.update(param["legacy_values"])
        values = [{"code": str(k), "label": v} for k, v in choices.items()]
    elif kind == ParamKind.CATALOG:
        values = catalogs[param["catalog"]]
    minimum, maximum = param.get("min"), param.get("max")
    if kind == ParamKind.NUMERIC and minimum is None:
        # The seed's "*" fields may not be zero or blank: for digit strings that is "at least 1".
        minimum = 1 if param.get("nonzero") else 0
    if kind == ParamKind.REGDATE:
        maximum = None  # the current year: the Brasil rules compute the accepted years
    return {
        "code": param["name"],
        "label": LABELS.get(param["name"], param["name"]),
        "unit": UNITS.get(param["name"]),
        "validation": {
            "type": "attribute",
            "required": bool(param["required"]),
            "numeric": True,  # every Brasil param value is a numeric string
            "min": minimum,
            "max": maximum,
            "allow_multiple_values": kind == ParamKind.ENUM_MULTI,
        },
        "values": values,
        "autoupload": {
            "kind": kind,
            "catalog": param.get("catalog"),
            "parent": parent_param.get(param.get("catalog") or ""),
            "nonzero": bool(param.get("nonzero")),
            "error_missing": _error_code(param, "missing"),
            "error_invalid": _error_code(param, "invalid"),
        },
    }


def _price_attribute() -> dict[str, Any]:
    return {
        "code": "price",
        "label": PRICE_LABEL,
        "unit": "BRL",
        "validation": {
            "type": "price",
            "required": False,
            "numeric": True,
            "min": None,
            "max": None,
            "allow_multiple_values": False,
        },
        "values": [],
    }


def convert(directory: Traversable, site: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The ``autoupload`` data format: categories, regions (no cities, no districts)."""
    legacy = bool(site.get("rules", {}).get("autoupload_legacy_values", False))
    catalogs = catalog_values(directory)
    categories = []
    for cat in _read(directory, "categories.json"):
        # Within a category, the param whose value a catalogue param's parent id is.
        by_catalog = {p["catalog"]: p["name"] for p in cat["params"] if p.get("catalog")}
        parent_param = {
            child: by_catalog[parent] for child, parent in _PARENT_CATALOG.items() if parent in by_catalog
        }
        attributes = [_price_attribute()] + [
            _attribute(p, catalogs, parent_param, legacy=legacy) for p in cat["params"]
        ]
        categories.append(
            {
                "id": cat["id"],
                "parent_id": None,
                "name": cat["name"],
                "photos_limit": cat["images_limit"],
                "free_limit": None,
                "keywords": [],
                "attributes": attributes,
                "autoupload": {"group": cat["group"], "types": list(cat["types"])},
            }
        )
    regions = [{"id": r["region_id"], "name": r["name"]} for r in _read(directory, "cep_regions.json")]
    return {"categories": categories, "regions": regions, "cities": [], "districts": []}


def site_directory() -> Traversable:
    return resources.files("pazar.data").joinpath("sites").joinpath("olx_com_br")


@functools.cache
def zip_ranges() -> tuple[ZipRange, ...]:
    """The CEP ranges of the 27 states (``cep_regions.json``); region ids are those of the regions rows."""
    return tuple(
        ZipRange(int(start), int(end), int(region["region_id"]))
        for region in _read(site_directory(), "cep_regions.json")
        for start, end in region["ranges"]
    )
