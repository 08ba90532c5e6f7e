"""Fuzz stage: requests generated from the served v2 OpenAPI document never get a 5xx, and every error
answers in one of the documented shapes.

Hypothesis (bodies and query values drawn from the operation's schemas, mixed with arbitrary JSON)
runs in a worker thread and hands
each request to the test's event loop, so the in-process ASGI client and its database stay on their
loop. Derandomized, so CI reproduces a failure; ``PAZAR_FUZZ_EXAMPLES`` sets the examples per operation.
"""

from __future__ import annotations

import asyncio
import json
import os
from importlib import resources
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator

from support import PHONES, WARSAW, World, phone_advert, seller

EXAMPLES = int(os.environ.get("PAZAR_FUZZ_EXAMPLES", "50"))
_DOC = yaml.safe_load(resources.files("pazar").joinpath("openapi/partner-api-v2.yaml").read_text())
OPERATIONS = [
    (method.upper(), path)
    for path, item in _DOC["paths"].items()
    for method in item
    if method in {"get", "put", "post", "delete", "patch"}
]
_ERROR_DETAIL = {
    "type": "object",
    "required": ["status", "title", "detail"],
    "properties": {
        "status": {"type": "integer"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "validation": {"type": "array"},
    },
}
# Every error body v2 documents (docs/partner-api-v2.md): the Error schema, the same wrapped in "data"
# (Version header, JSON syntax), the OAuth2 errors, and the unknown-path NotFoundException.
ERROR_SHAPES = OAS30Validator(
    {
        "oneOf": [
            {"type": "object", "required": ["error"], "properties": {"error": _ERROR_DETAIL}},
            {
                "type": "object",
                "required": ["data"],
                "properties": {
                    "data": {"type": "object", "required": ["error"], "properties": {"error": _ERROR_DETAIL}}
                },
            },
            {
                "type": "object",
                "required": ["error", "error_description"],
                "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
            },
            {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["type", "message"],
                        "properties": {"type": {"type": "string"}, "message": {"type": "string"}},
                    }
                },
            },
        ]
    }
)


def plain_schema(node: Any, components: dict[str, Any], depth: int = 0) -> Any:
    """An OpenAPI 3.0 schema as plain JSON Schema: refs inlined (bounded), ``nullable`` as a type."""
    if isinstance(node, list):
        return [plain_schema(item, components, depth) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        if depth > 6:
            return {}
        return plain_schema(components[node["$ref"].rsplit("/", 1)[-1]], components, depth + 1)
    out = {
        key: plain_schema(value, components, depth)
        for key, value in node.items()
        if key not in {"example", "description", "nullable", "format"} and not key.startswith("x-")
    }
    if "properties" in node:  # property names are data, not keywords
        out["properties"] = {k: plain_schema(v, components, depth) for k, v in node["properties"].items()}
    if node.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def from_schema(schema: Any) -> st.SearchStrategy[Any]:
    """Values of a (plain) schema: the subset the v2 document uses (types, enums, objects, arrays, oneOf).

    hypothesis-jsonschema relies on Hypothesis internals the current Hypothesis no longer has.
    """
    if not isinstance(schema, dict) or not schema:
        return _any_json()
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return st.one_of([from_schema(option) for option in schema[key]])
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(part)
        return from_schema(merged)
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([from_schema({**schema, "type": one}) for one in kind])
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**40)), schema.get("maximum", 2**40))
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**40), 2**40)
    if kind == "string":
        return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 60))
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {})), max_size=4)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = [name for name in schema.get("required", []) if name in properties]
        return st.fixed_dictionaries(
            {name: from_schema(properties[name]) for name in required},
            optional={name: from_schema(value) for name, value in properties.items() if name not in required},
        )
    return _any_json()


def _any_json() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=40)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
        max_leaves=12,
    )


def _path_value(known: list[int]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(known).map(str),
        st.sampled_from(known).map(str),  # twice: most requests reach a real row
        st.integers(-(2**70), 2**70).map(str),
        st.text(max_size=30).filter(lambda text: text not in {"", ".", ".."}),
    )


def _request(method: str, path: str, known: list[int]) -> st.SearchStrategy[dict[str, Any]]:
    item = _DOC["paths"][path]
    operation = item[method.lower()]
    prefix = (item.get("servers") or _DOC["servers"])[0]["url"].rstrip("/")
    components = _DOC["components"]["schemas"]
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    query_params = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
    query = st.fixed_dictionaries(
        {},
        optional={
            p["name"]: st.one_of(
                from_schema(plain_schema(p.get("schema", {}), components)).map(str), st.text(max_size=20)
            )
            for p in query_params
        },
    )
    body: st.SearchStrategy[Any] = st.none()
    if "requestBody" in operation:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        body = st.one_of(from_schema(plain_schema(schema, components)), _any_json())
    return st.fixed_dictionaries(
        {
            "prefix": st.just(prefix),
            "path_values": st.fixed_dictionaries({name: _path_value(known) for name in names}),
            "query": query,
            "body": body,
            "version": st.sampled_from(["2.0"] * 8 + ["2", "3", ""]),
        }
    )


def _problem(method: str, path: str, response: httpx.Response) -> str | None:
    if response.status_code >= 500:
        return f"{method} {path}: {response.status_code} {response.text[:300]}"
    if response.status_code < 400:
        return None
    if response.headers.get("content-type", "").split(";")[0] != "application/json":
        return f"{method} {path}: {response.status_code} answered {response.headers.get('content-type')}"
    errors = [error.message for error in ERROR_SHAPES.iter_errors(response.json())]
    return f"{method} {path}: undocumented error {response.text[:300]}" if errors else None


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
async def test_generated_requests_get_no_5xx_and_documented_errors(
    world: World, method: str, path: str
) -> None:
    served = await world.http.get("/_pazar/openapi/v2.json")
    assert served.status_code == 200 and path in served.json()["paths"]  # the document clients see
    me = await seller(world, business=True)
    advert = await me.create(phone_advert(category_id=PHONES))
    known = [advert["id"], me.user.id, PHONES, WARSAW, 1]
    loop = asyncio.get_running_loop()
    found: list[str] = []

    def send(request: dict[str, Any]) -> httpx.Response:
        url = request["prefix"] + path
        for name, value in request["path_values"].items():
            url = url.replace("{" + name + "}", quote(value, safe=""))
        headers = {"Authorization": f"Bearer {me.token}", "Version": request["version"]}
        kwargs: dict[str, Any] = {"params": request["query"], "headers": headers}
        if method in {"POST", "PUT", "PATCH"}:
            # NaN and Infinity go out as JavaScript spells them: hostile bodies too.
            kwargs["content"] = json.dumps(request["body"]).encode()
            headers["Content-Type"] = "application/json"
        future = asyncio.run_coroutine_threadsafe(world.http.request(method, url, **kwargs), loop)
        return future.result(timeout=60)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(_request(method, path, known))
    def run(request: dict[str, Any]) -> None:
        problem = _problem(method, path, send(request))
        if problem is not None:
            found.append(problem)
        assert problem is None, problem

    await asyncio.to_thread(run)
    assert found == []
