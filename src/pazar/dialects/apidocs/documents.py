"""The OpenAPI documents shipped in ``pazar/openapi`` (YAML, edited by hand), served as JSON.

Each is read and converted once per process: they change only with a new pazar version.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import orjson
import yaml

# Served name -> file in the package's ``openapi`` folder; a missing file is simply not served.
DOCUMENTS: dict[str, str] = {
    "v2": "partner-api-v2.yaml",
    "autoupload": "autoupload.yaml",
    "re": "re.yaml",
    "sandbox": "sandbox.json",  # JSON is YAML: the same loader reads it
}
TITLES: dict[str, str] = {
    "v2": "Partner API v2 (OLX Europe)",
    "autoupload": "Autoupload (OLX Brasil)",
    "re": "RE Partner API (real estate)",
    "sandbox": "Sandbox control plane",
}


def available() -> list[str]:
    folder = files("pazar").joinpath("openapi")
    return [name for name, file in DOCUMENTS.items() if folder.joinpath(file).is_file()]


@cache
def document(name: str) -> dict[str, Any]:
    """The parsed document; ``KeyError`` for a name pazar does not ship."""
    if name not in available():
        raise KeyError(name)
    text = files("pazar").joinpath("openapi", DOCUMENTS[name]).read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


@cache
def document_json(name: str) -> bytes:
    return orjson.dumps(document(name))
