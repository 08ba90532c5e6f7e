"""Checking traffic against the served OpenAPI documents: which operation a request hit, and
whether the response's status and JSON body are what that operation documents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from openapi_schema_validator import OAS30Validator


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    status: int
    content_type: str
    body: Any


class Recorder:
    """Attach to httpx clients; every response they get is kept for checking."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []

    def attach(self, client: httpx.AsyncClient) -> httpx.AsyncClient:
        client.event_hooks["response"] = [*client.event_hooks.get("response", []), self._record]
        return client

    async def _record(self, response: httpx.Response) -> None:
        await response.aread()
        content_type = response.headers.get("content-type", "").split(";")[0]
        body = response.json() if content_type == "application/json" and response.content else None
        self.exchanges.append(
            Exchange(
                response.request.method, response.request.url.path, response.status_code, content_type, body
            )
        )


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, full path template, operation) for every operation, server prefixes applied."""
    base = doc["servers"][0]["url"].rstrip("/")
    found = []
    for path, item in doc["paths"].items():
        prefix = item["servers"][0]["url"].rstrip("/") if "servers" in item else base
        for method, operation in item.items():
            if method in {"get", "put", "post", "delete", "patch"}:
                found.append((method.upper(), prefix + path, operation))
    return found


def normalized(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def find_operation(doc: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    for op_method, template, operation in operations(doc):
        if op_method == method and _template(template).match(path):
            return operation
    return None


def _deref(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def problems(doc: dict[str, Any], exchange: Exchange, error_schema: str | None = None) -> list[str]:
    """What is wrong with one exchange against the document (empty: it conforms)."""
    operation = find_operation(doc, exchange.method, exchange.path)
    if operation is None:
        return [f"{exchange.method} {exchange.path}: no such operation in the document"]
    responses = operation.get("responses", {})
    response = responses.get(str(exchange.status)) or responses.get("default")
    schema: dict[str, Any] | None = None
    if response is None:
        if exchange.status >= 400 and error_schema is not None:
            schema = {"$ref": f"#/components/schemas/{error_schema}"}
        else:
            return [f"{exchange.method} {exchange.path}: status {exchange.status} not documented"]
    else:
        content = _deref(doc, response).get("content") or {}
        if not content:
            return []
        if exchange.content_type not in content:
            return [f"{exchange.method} {exchange.path}: {exchange.content_type} not documented"]
        schema = content[exchange.content_type].get("schema")
    if schema is None or exchange.content_type != "application/json":
        return []
    validator = OAS30Validator({"allOf": [schema], "components": doc.get("components", {})})
    return [
        f"{exchange.method} {exchange.path} {exchange.status}: {error.message} at {list(error.absolute_path)}"
        for error in validator.iter_errors(exchange.body)
    ]
