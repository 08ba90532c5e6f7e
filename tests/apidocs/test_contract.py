"""The served OpenAPI documents: valid, complete (every implemented route is in its document),
and true (real responses of each API validate against them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from contract import Recorder, normalized, operations, problems
from openapi_spec_validator import validate

from pazar.app import Pazar
from pazar.dialects.autoupload import app as autoupload
from pazar.dialects.partner_v2 import app as partner_v2
from pazar.dialects.re_v1 import app as re_v1
from support import (
    APARTMENTS_FOR_SALE,
    RE_SITE_URN,
    World,
    apartment_ad,
    integrator,
    phone_advert,
    re_advert,
    re_partner,
    run_jobs,
    seller,
)

DIALECTS = {"v2": partner_v2.PREFIXES, "re": re_v1.PREFIXES, "autoupload": autoupload.PREFIXES}
# Routes a document need not list: the OAuth token paths' other methods only answer 405.
TOKEN_PATHS = {"/api/open/oauth/token", "/oauth/token", "/oauth/v1/token"}


async def served(http: httpx.AsyncClient, name: str) -> dict[str, Any]:
    response = await http.get(f"/_pazar/openapi/{name}.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def _routes(app: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in app.routes:
        if hasattr(route, "original_router"):
            found += _routes(route.original_router)
        elif hasattr(route, "methods"):
            found += [(method, route.path) for method in route.methods if method != "HEAD"]
    return found


@pytest.mark.parametrize("name", ["v2", "autoupload", "re"])
async def test_served_documents_are_valid_openapi(http: httpx.AsyncClient, name: str) -> None:
    doc = await served(http, name)
    validate(doc)
    assert doc["paths"], name
    assert "../shared" not in str(doc)


async def test_document_index_and_unknown_names(http: httpx.AsyncClient) -> None:
    index = (await http.get("/_pazar/openapi")).json()
    assert {entry["url"] for entry in index} >= {
        "/_pazar/openapi/v2.json",
        "/_pazar/openapi/autoupload.json",
        "/_pazar/openapi/re.json",
    }
    for path in ("/_pazar/openapi/nope.json", "/_pazar/openapi/v2.yaml", "/_pazar/openapi/..%2Fapp.json"):
        response = await http.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["status"] == 404


@pytest.mark.parametrize("name", ["v2", "autoupload", "re"])
async def test_every_implemented_route_is_documented(app: Pazar, http: httpx.AsyncClient, name: str) -> None:
    doc = await served(http, name)
    documented = {(method, normalized(path)) for method, path, _ in operations(doc)}
    dialect_app = next(a for prefix, a in app.routes if prefix == DIALECTS[name][0])
    while not hasattr(dialect_app, "routes"):  # a wrapper (the sandbox's journal and faults)
        dialect_app = dialect_app.app
    missing = [
        (method, path)
        for method, path in _routes(dialect_app)
        if not path.endswith("/")
        and not (path in TOKEN_PATHS and method != "POST")
        and (method, normalized(path)) not in documented
    ]
    assert missing == []


async def test_v2_responses_validate(world: World) -> None:
    recorder = Recorder()
    recorder.attach(world.http)
    s = await seller(world)
    client = await world.client_token(s.app)
    await world.get("/categories", client["access_token"])
    await world.get("/categories/1755", client["access_token"])
    await world.get("/categories/1755/attributes", client["access_token"])
    await world.get("/cities", client["access_token"], params={"limit": 2})
    await world.get("/regions", client["access_token"])
    await world.get("/languages", client["access_token"])
    await world.get("/currencies", client["access_token"])
    await s.get("/users/me")
    created = await s.create(phone_advert())
    await s.get(f"/adverts/{created['id']}")
    await s.get("/adverts")
    await s.put(created["id"], phone_advert(title="Telefon Samsung Galaxy S9 stan idealny"))
    await s.get(f"/adverts/{created['id']}/statistics")
    await s.command(created["id"], "deactivate")
    await s.delete(f"/adverts/{created['id']}")
    await s.post({"title": "x"})  # a validation error
    await s.get("/adverts/18446744073709551616")  # 2^64
    await world.token({"grant_type": "client_credentials", "client_id": "1", "client_secret": "x"})
    doc = await served(world.http, "v2")
    checked = [e for e in recorder.exchanges if not e.path.startswith("/_pazar")]
    assert len(checked) >= 18
    assert {e.status for e in checked} >= {200, 204, 400}
    assert [e for e in checked if e.status >= 500] == []
    assert [p for e in checked for p in problems(doc, e, error_schema="Error")] == []


async def test_re_responses_validate(world: World) -> None:
    recorder = Recorder()
    partner = await re_partner(world)
    recorder.attach(partner.client)
    uuid = await partner.publish(re_advert())
    await partner.meta(uuid)
    await partner.list_meta(limit=5)
    await partner.put(uuid, re_advert(title="Apartamento T2 renovado em Alvalade, Lisboa"))
    await run_jobs(world)
    await partner.command(uuid, "deactivate")
    await run_jobs(world)
    await partner.command(uuid, "activate")
    await partner.delete("00000000-0000-0000-0000-000000000000")
    await partner.post({"site_urn": RE_SITE_URN})  # invalid
    await partner.client.get("/advert/v1/meta", headers={"X-API-KEY": "wrong"})
    await partner.client.post("/oauth/v1/token", json={"grant_type": "password"})
    keyed = {"X-API-KEY": partner.api_key}
    await partner.client.get("/taxonomy/v1/categories", headers=keyed)
    await partner.client.get(f"/taxonomy/v1/categories/partner/{RE_SITE_URN}", headers=keyed)
    await partner.client.get(
        f"/taxonomy/v1/categories/partner/{RE_SITE_URN}/{APARTMENTS_FOR_SALE}", headers=keyed
    )
    await partner.client.get("/taxonomy/v1/categories/partner/urn:site:nope", headers=keyed)
    doc = await served(world.http, "re")
    assert len(recorder.exchanges) >= 14
    assert {e.status for e in recorder.exchanges} >= {200, 201, 400, 401, 404}
    assert [p for e in recorder.exchanges for p in problems(doc, e)] == []


async def test_autoupload_responses_validate(world: World) -> None:
    recorder = Recorder()
    recorder.attach(world.http)
    br = await integrator(world)
    token = await br.imported([apartment_ad("apt-1")])
    await run_jobs(world)
    await br.status(token)
    await br.post("/autoupload/published")
    await br.post("/autoupload/car_info")
    await br.post("/autoupload/moto_cubiccms_info")
    await br.post("/oauth_api/basic_user_info")
    await br.put_import([{"id": "bad id!", "operation": "insert"}])
    await br.post("/autoupload/import/unknown-token")
    await br.post("/autoupload/published", {"access_token": "wrong"})
    await world.http.put("/autoupload/import", content=b"{nope", headers={"Host": "apps.olx.com.br"})
    doc = await served(world.http, "autoupload")
    checked = [e for e in recorder.exchanges if e.path.startswith(("/autoupload", "/oauth"))]
    assert len(checked) >= 10
    assert [p for e in checked for p in problems(doc, e)] == []


async def test_docs_page_is_offline(http: httpx.AsyncClient) -> None:
    for path in ("/_pazar/docs", "/_pazar/docs/"):
        page = await http.get(path)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "connect-src 'self'" in page.headers["content-security-policy"]
        assert "http://" not in page.text and "https://" not in page.text
    init = (await http.get("/_pazar/docs/init.js")).text
    assert "validatorUrl: null" in init and "/_pazar/openapi/re.json" in init
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        response = await http.get(f"/_pazar/docs/assets/{asset}")
        assert response.status_code == 200 and len(response.content) > 1000
    assert (await http.get("/_pazar/docs/assets/..%2F..%2Fapp.py")).status_code == 404
    assert (await http.get("/_pazar/docs/assets/index.html")).status_code == 404


async def test_health_and_readiness(http: httpx.AsyncClient) -> None:
    alive = await http.get("/healthz")
    assert alive.status_code == 200 and alive.json()["status"] == "ok"
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "migrations": "current"}


async def test_request_ids_and_json_access_log(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    import json
    import logging

    from pazar.logs import JsonFormatter

    caplog.set_level(logging.INFO, logger="pazar.access")
    given = await http.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await http.get("/healthz", headers={"X-Request-ID": "<script>"})  # not an id: a fresh one
    assert made.headers["x-request-id"] != "<script>" and len(made.headers["x-request-id"]) == 32
    (record,) = [
        r for r in caplog.records if r.name == "pazar.access" and getattr(r, "request_id", "") == "abc-123"
    ]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc-123" and line["path"] == "/healthz" and line["status"] == 200
    assert line["method"] == "GET" and line["level"] == "info"


async def test_readiness_reports_a_database_without_schema(tmp_path: Path) -> None:
    from pazar.app import create_app
    from pazar.config import Settings

    empty = create_app(
        Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", seed_on_start=False)
    )
    transport = httpx.ASGITransport(app=empty, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://olx.pl") as client:
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "database": "ok", "migrations": "not migrated"}
    await empty.runtime.db.dispose()
