"""The control plane's OpenAPI document (shipped in the package) describes exactly the routes served."""

from __future__ import annotations

import json
from importlib import resources

import httpx
from openapi_spec_validator import validate

from pazar.app import Pazar
from pazar.dialects.sandbox.routes_faults import NewFault


def test_every_route_is_documented_and_nothing_else(app: Pazar) -> None:
    document = json.loads(resources.files("pazar.openapi").joinpath("sandbox.json").read_text())
    assert document["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    (control,) = [a for prefix, a in app.routes if prefix == "/_pazar/v1"]
    served = {(path, method.upper()) for path, item in control.openapi()["paths"].items() for method in item}
    assert documented == served
    for item in document["paths"].values():
        for operation in item.values():
            assert {"200", "401"} <= set(operation["responses"]) or {"201", "401"} <= set(
                operation["responses"]
            )


def test_request_schemas_are_the_models_the_server_validates_with() -> None:
    document = json.loads(resources.files("pazar.openapi").joinpath("sandbox.json").read_text())
    schema = document["components"]["schemas"]["NewFault"]
    assert set(schema["properties"]) == set(NewFault.model_fields)


async def test_the_document_is_served_beside_the_api_documents(app: Pazar) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://olx.pl") as http:
        served = await http.get("/_pazar/openapi/sandbox.json")
        index = (await http.get("/_pazar/openapi")).json()
    assert served.status_code == 200
    shipped = json.loads(resources.files("pazar.openapi").joinpath("sandbox.json").read_text())
    assert served.json() == shipped
    validate(served.json())
    assert "/_pazar/openapi/sandbox.json" in {entry["url"] for entry in index}
