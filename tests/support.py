"""Test helpers: make users and apps through the services, get tokens through the HTTP API."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from dataclasses import dataclass
from typing import Any

import httpx

from pazar.app import Pazar
from pazar.ports import ManualClock
from pazar.services import accounts, oauth

V2 = {"Version": "2.0"}
OTHER_SITE = "olx.ro"
_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{os.getpid()}-{next(_counter)}"


@dataclass
class AppCreds:
    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass
class UserCreds:
    id: int
    email: str
    password: str


@dataclass
class World:
    app: Pazar
    http: httpx.AsyncClient
    clock: ManualClock

    async def user(self, *, site: str = "olx.pl", business: bool = False, name: str = "Jan") -> UserCreds:
        email = f"{unique('user')}@example.com"
        async with self.app.runtime.db.transaction() as session:
            made = await accounts.create_user(
                session,
                site_id=site,
                email=email,
                password="secret-pass",
                clock=self.clock,
                name=name,
                phone="601234567",
                is_business=business,
            )
            return UserCreds(made.id, email, "secret-pass")

    async def partner_app(
        self,
        *,
        site: str = "olx.pl",
        redirect_uris: list[str] | None = None,
        scopes: list[str] | None = None,
        grants: list[str] | None = None,
        allow_external_url: bool = False,
    ) -> AppCreds:
        uris = redirect_uris or ["https://crm.example.com/olx/callback"]
        async with self.app.runtime.db.transaction() as session:
            new = await accounts.create_app(
                session,
                site_id=site,
                name=unique("CRM"),
                redirect_uris=uris,
                clock=self.clock,
                scopes=scopes or ["v2", "read", "write"],
                grant_types=grants or ["authorization_code", "client_credentials", "refresh_token"],
                allow_external_url=allow_external_url,
            )
            return AppCreds(new.app.client_id, new.client_secret, uris[0])

    async def code(
        self, app: AppCreds, user: UserCreds, *, scope: str | None = None, redirect_uri: str | None = None
    ) -> str:
        runtime = self.app.runtime
        async with runtime.db.transaction() as session:
            app_row = await accounts.find_app(session, app.client_id)
            assert app_row is not None
            user_row = await accounts.get_user(session, site_id=app_row.site_id, user_id=user.id)
            return await oauth.issue_code(
                session,
                app=app_row,
                user=user_row,
                scope=oauth.authorization_scope(app_row, scope),
                redirect_uri_sent=redirect_uri,
                clock=runtime.clock,
                tokens=runtime.tokens,
            )

    async def token(self, body: dict[str, Any], *, host: str | None = None) -> httpx.Response:
        headers = {"Host": host} if host else {}
        return await self.http.post("/api/open/oauth/token", json=body, headers=headers)

    async def user_token(self, app: AppCreds, user: UserCreds, scope: str | None = None) -> dict[str, Any]:
        code = await self.code(app, user, scope=scope)
        response = await self.token(
            {
                "grant_type": "authorization_code",
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "code": code,
            }
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def client_token(self, app: AppCreds, scope: str | None = None) -> dict[str, Any]:
        payload = {
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        }
        if scope:
            payload["scope"] = scope
        response = await self.token(payload)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def get(self, path: str, token: str | None, **kwargs: Any) -> httpx.Response:
        headers = {**V2, **kwargs.pop("headers", {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return await self.http.get(f"/api/partner{path}", headers=headers, **kwargs)


WARSAW, MOKOTOW = 17871, None  # Warszawa has districts: adverts there must name one
GDANSK, ANIOLKI = 5659, 97
ALEKSANDROW = 627  # a town without districts
PHONES, CARS, JOB = 101, 84, 1755

DESCRIPTION = (
    "Sprzedam telefon w bardzo dobrym stanie, używany przez rok, zawsze w etui i ze szkłem ochronnym. "
    "Bateria trzyma cały dzień, w zestawie ładowarka i pudełko."
)


def phone_advert(**overrides: Any) -> dict[str, Any]:
    """A valid POST /adverts body for a smartphone in Aleksandrów Kujawski."""
    body: dict[str, Any] = {
        "title": "iPhone 13 Pro 128GB grafitowy, stan idealny",
        "description": DESCRIPTION,
        "category_id": PHONES,
        "advertiser_type": "private",
        "external_id": "crm-1",
        "contact": {"name": "Jan Kowalski", "phone": "601234567"},
        "location": {"city_id": ALEKSANDROW, "latitude": 52.8665, "longitude": 18.698},
        "images": [{"url": "https://cdn.example.com/photos/1.jpg"}],
        "price": {"value": 2500, "currency": "PLN", "negotiable": True, "trade": False, "budget": False},
        "attributes": [
            {"code": "state", "value": "used"},
            {"code": "brand", "value": "apple"},
            {"code": "builtin_memory", "value": "128gb"},
        ],
    }
    body.update(overrides)
    return body


def job_advert(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Inżynier automatyk - utrzymanie ruchu",
        "description": "<p>Szukamy <strong>inżyniera automatyka</strong> do działu utrzymania ruchu.</p>"
        "<ul><li>praca zmianowa</li><li>umowa o pracę</li><li>prywatna opieka medyczna</li></ul>",
        "category_id": JOB,
        "advertiser_type": "business",
        "contact": {"name": "Dział HR"},
        "location": {"city_id": ALEKSANDROW},
        "salary": {
            "value_from": 8000,
            "value_to": 12000,
            "currency": "PLN",
            "negotiable": False,
            "type": "monthly",
        },
        "attributes": [
            {"code": "type", "value": "fulltime"},
            {"code": "contract", "value": "contract"},
            {"code": "manager", "value": "0"},
            {"code": "remote_recruitment", "value": "0"},
        ],
    }
    body.update(overrides)
    return body


def validation(*entries: tuple[str, ...]) -> dict[str, Any]:
    """The v2 validation error body; an entry is (field, title) or (field, title, detail)."""
    items = [dict(zip(("field", "title", "detail"), entry, strict=False)) for entry in entries]
    return {
        "error": {
            "status": 400,
            "title": "Invalid request",
            "detail": "Data validation error occurred",
            "validation": items,
        }
    }


def bad_request(detail: str) -> dict[str, Any]:
    return {"error": {"status": 400, "title": "Bad Request", "detail": detail}}


@dataclass
class Seller:
    """A user with a write token: what most advert tests need."""

    world: World
    user: UserCreds
    token: str
    app: AppCreds

    async def renew(self) -> None:
        """A fresh access token, for tests that move the clock past a day."""
        self.token = (await self.world.user_token(self.app, self.user))["access_token"]

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {**V2, "Authorization": f"Bearer {self.token}", **(extra or {})}

    async def post(self, body: Any) -> httpx.Response:
        return await self.world.http.post("/api/partner/adverts", json=body, headers=self._headers())

    async def put(self, advert_id: int, body: Any) -> httpx.Response:
        return await self.world.http.put(
            f"/api/partner/adverts/{advert_id}", json=body, headers=self._headers()
        )

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.world.http.get(f"/api/partner{path}", headers=self._headers(), **kwargs)

    async def delete(self, path: str) -> httpx.Response:
        return await self.world.http.delete(f"/api/partner{path}", headers=self._headers())

    async def command(self, advert_id: int, command: str, **extra: Any) -> httpx.Response:
        return await self.world.http.post(
            f"/api/partner/adverts/{advert_id}/commands",
            json={"command": command, **extra},
            headers=self._headers(),
        )

    async def create(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.post(body or phone_advert())
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    async def status(self, advert_id: int) -> str:
        return str((await self.get(f"/adverts/{advert_id}")).json()["data"]["status"])


async def seller(world: World, *, business: bool = False, allow_external_url: bool = False) -> Seller:
    app = await world.partner_app(allow_external_url=allow_external_url)
    user = await world.user(business=business)
    token = (await world.user_token(app, user))["access_token"]
    return Seller(world, user, token, app)


async def run_jobs(world: World) -> int:
    from pazar.worker import Worker

    return await Worker(world.app.runtime, name=unique("test-worker")).run_until_idle()


# --- RE Partner API (imovirtual.com) and webhooks ---------------------------------------------------

RE_SITE = "imovirtual.com"
RE_SITE_URN = "urn:site:imovirtualcom"
APARTMENTS_FOR_SALE = "urn:concept:apartments-for-sale"
RE_DESCRIPTION = (
    "Apartamento com boa luminosidade, cozinha equipada, duas casas de banho e varanda. "
    "Perto de transportes, escolas e comércio, em rua calma."
)


def re_advert(**overrides: Any) -> dict[str, Any]:
    """A valid POST /advert/v1 body: a T2 apartment for sale in Alvalade, Lisboa."""
    body: dict[str, Any] = {
        "site_urn": RE_SITE_URN,
        "category_urn": APARTMENTS_FOR_SALE,
        "title": "Apartamento T2 renovado em Alvalade",
        "description": RE_DESCRIPTION,
        "price": {"value": 295000, "currency": "EUR"},
        "location": {"lat": 38.7531, "lon": -9.1447, "exact": True},
        "contact": {"name": "Joaquim Silva", "phone": "918888888", "email": "joaquim@example.pt"},
        "images": [{"url": "https://cdn.example.pt/photos/1.jpg"}],
        "attributes": [
            {"urn": "urn:concept:net-area-m2", "value": "85"},
            {"urn": "urn:concept:number-of-rooms", "value": "urn:concept:2"},
            {"urn": "urn:concept:characteristics", "value": "urn:concept:elevator"},
            {"urn": "urn:concept:characteristics", "value": "urn:concept:balcony"},
        ],
        "custom_fields": {"id": "CRM-1", "reference_id": "REF-1"},
    }
    body.update(overrides)
    return body


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    arrived_at: float

    def json(self) -> Any:
        import json

        return json.loads(self.body)


class Receiver:
    """A webhook receiver on 127.0.0.1 (a real socket): records every request, answers as scripted.

    ``script`` holds (status, delay) answers for the next requests; then ``status``/``delay`` apply.
    """

    def __init__(self, *, status: int = 200, delay: float = 0.0) -> None:
        self.status = status
        self.delay = delay
        self.script: list[tuple[int, float]] = []
        self.requests: list[Received] = []
        self.port = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.arrived = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks"

    async def start(self) -> Receiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
            self._server = None

    async def wait_for(self, count: int, timeout: float = 10.0) -> None:
        async def enough() -> None:
            while len(self.requests) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(enough(), timeout)

    def payloads(self) -> list[Any]:
        return [r.json() for r in self.requests]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, path, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    raw = await reader.readline()
                    if raw in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = raw.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                body = await reader.readexactly(length) if length else b""
                self.requests.append(Received(method, path, headers, body, time.time()))
                self.arrived.set()
                status, delay = self.script.pop(0) if self.script else (self.status, self.delay)
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                try:
                    if delay:
                        await asyncio.sleep(delay)
                finally:
                    self.in_flight -= 1
                answer = b'{"status":"ok"}'
                writer.write(
                    f"HTTP/1.1 {status} Answer\r\ncontent-type: application/json\r\n"
                    f"content-length: {len(answer)}\r\n\r\n".encode()
                    + answer
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()


def dispatcher(world: World, **settings: Any) -> Any:
    """A webhook dispatcher on the test runtime that may call loopback receivers (settings overridable)."""
    from dataclasses import replace

    from pazar.fetcher import FetchPolicy, HttpFetcher
    from pazar.services.webhook_delivery import Dispatcher

    runtime = world.app.runtime
    if settings:
        runtime = replace(runtime, settings=runtime.settings.model_copy(update=settings))
    timeout = runtime.settings.webhook_timeout_seconds
    fetcher = HttpFetcher(FetchPolicy(allow_private=True, total_timeout=timeout))
    return Dispatcher(runtime, fetcher=fetcher, name=unique("test-dispatcher"))


@dataclass
class RePartner:
    """An RE app (API key, notification secret, callback URL) with a user's token: what RE tests need."""

    world: World
    client: httpx.AsyncClient
    app: AppCreds
    api_key: str
    notification_secret: str
    user: UserCreds
    token: str
    refresh_token: str

    def headers(self, **extra: str) -> dict[str, str]:
        return {"X-API-KEY": self.api_key, "Authorization": f"Bearer {self.token}", **extra}

    async def post(self, body: Any) -> httpx.Response:
        return await self.client.post("/advert/v1", json=body, headers=self.headers())

    async def put(self, uuid: str, body: Any) -> httpx.Response:
        return await self.client.put(f"/advert/v1/{uuid}", json=body, headers=self.headers())

    async def delete(self, uuid: str) -> httpx.Response:
        return await self.client.delete(f"/advert/v1/{uuid}", headers=self.headers())

    async def command(self, uuid: str, name: str) -> httpx.Response:
        return await self.client.post(f"/advert/v1/{uuid}/{name}", headers=self.headers())

    async def meta(self, uuid: str) -> httpx.Response:
        return await self.client.get(f"/advert/v1/{uuid}/meta", headers=self.headers())

    async def list_meta(self, **params: Any) -> httpx.Response:
        return await self.client.get("/advert/v1/meta", params=params, headers=self.headers())

    async def refresh(self) -> None:
        """A new access token (refresh grant), for tests that move the clock past an hour."""
        response = await re_token(
            self.client,
            self.app,
            self.api_key,
            {"grant_type": "refresh_token", "refresh_token": self.refresh_token},
        )
        assert response.status_code == 200, response.text
        self.token, self.refresh_token = response.json()["access_token"], response.json()["refresh_token"]

    async def publish(self, body: dict[str, Any] | None = None) -> str:
        """POST, then run the worker: the advert's uuid (active unless moderation said otherwise)."""
        response = await self.post(body or re_advert())
        assert response.status_code == 201, response.text
        await run_jobs(self.world)
        return str(response.json()["data"]["uuid"])


async def re_app(
    world: World, *, webhook_url: str | None = None, redirect_uri: str = "https://crm.example.pt/re/callback"
) -> tuple[AppCreds, str, str]:
    """An app on imovirtual.com: its credentials, API key and notification secret."""
    async with world.app.runtime.db.transaction() as session:
        new = await accounts.create_app(
            session,
            site_id=RE_SITE,
            name=unique("RE CRM"),
            redirect_uris=[redirect_uri],
            clock=world.clock,
            webhook_url=webhook_url,
        )
        return (
            AppCreds(new.app.client_id, new.client_secret, redirect_uri),
            new.api_key,
            new.notification_secret,
        )


def re_client(world: World) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=world.app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://api.olxgroup.com")


async def re_token(
    client: httpx.AsyncClient, app: AppCreds, api_key: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        "/oauth/v1/token", json=body, headers={"X-API-KEY": api_key}, auth=(app.client_id, app.client_secret)
    )


async def re_code(world: World, app: AppCreds, user: UserCreds) -> str:
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        app_row = await accounts.find_app(session, app.client_id)
        assert app_row is not None
        user_row = await accounts.get_user(session, site_id=RE_SITE, user_id=user.id)
        return await oauth.issue_code(
            session,
            app=app_row,
            user=user_row,
            scope="read write",
            redirect_uri_sent=None,
            clock=runtime.clock,
            tokens=runtime.tokens,
        )


async def re_partner(
    world: World, *, webhook_url: str | None = None, user: UserCreds | None = None
) -> RePartner:
    app, api_key, secret = await re_app(world, webhook_url=webhook_url)
    user = user or await world.user(site=RE_SITE, business=True, name="Agência Lisboa")
    client = re_client(world)
    code = await re_code(world, app, user)
    response = await re_token(client, app, api_key, {"grant_type": "authorization_code", "code": code})
    assert response.status_code == 200, response.text
    tokens = response.json()
    return RePartner(
        world, client, app, api_key, secret, user, tokens["access_token"], tokens["refresh_token"]
    )


async def quiet_outbox(world: World) -> None:
    """Give up every delivery other tests left pending (tests share the database, dispatchers claim all)."""
    from sqlalchemy import update

    from pazar.db.models import WebhookDelivery

    async with world.app.runtime.db.transaction() as session:
        await session.execute(
            update(WebhookDelivery).where(WebhookDelivery.status == "pending").values(status="failed")
        )


def hidden_fields(html: str) -> dict[str, str]:
    import re

    return dict(re.findall(r"<input type='hidden' name='([^']+)' value='([^']*)'>", html))


async def authorize(
    world: World,
    client_id: str,
    email: str,
    password: str,
    *,
    path: str = "/pt/crm/authorization/",
    **extra: str,
) -> dict[str, list[str]]:
    """Log in and allow on the RE authorization page; the redirect's query."""
    from urllib.parse import parse_qs, urlsplit

    transport = httpx.ASGITransport(app=world.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://www.imovirtual.com") as browser:
        query = {"response_type": "code", "client_id": client_id, "state": "st-42", **extra}
        page = await browser.get(path, params=query)
        assert page.status_code == 200 and "Log in to Imovirtual" in page.text, page.text
        consent = await browser.post(
            path, data={**hidden_fields(page.text), "email": email, "password": password}
        )
        assert consent.status_code == 200 and "Authorize" in consent.text
        decision = await browser.post(path, data={**hidden_fields(consent.text), "decision": "allow"})
        assert decision.status_code == 302, decision.text
        return parse_qs(urlsplit(decision.headers["location"]).query)


# --- Autoupload (OLX Brasil) ---------------------------------------------------------------------

BR_SITE = "olx.com.br"
BR_HOST = "apps.olx.com.br"
BR_SCOPES = ["basic_user_info", "autoupload"]
SAO_PAULO_CEP = "01310100"  # Avenida Paulista: SP


def car_ad(ad_id: str = "car-1", **overrides: Any) -> dict[str, Any]:
    """A valid 2020 (Carros) insert: AUDI / A1 / its first version."""
    ad: dict[str, Any] = {
        "id": ad_id,
        "operation": "insert",
        "category": 2020,
        "subject": "Audi A1 1.4 TFSI 2015",
        "body": "Carro muito conservado, revisões em dia na concessionária.",
        "phone": 11987654321,
        "type": "s",
        "price": 79900,
        "zipcode": SAO_PAULO_CEP,
        "params": {
            "vehicle_brand": "6",
            "vehicle_model": "3",
            "vehicle_version": "1",
            "regdate": "2015",
            "gearbox": "2",
            "fuel": "1",
            "mileage": "45000",
            "car_features": ["1", "5"],
        },
    }
    ad.update(overrides)
    return ad


def apartment_ad(ad_id: str = "apt-1", **overrides: Any) -> dict[str, Any]:
    """A valid 1020 (Apartamentos) insert for rent."""
    ad: dict[str, Any] = {
        "id": ad_id,
        "operation": "insert",
        "category": 1020,
        "subject": "Apartamento 2 quartos na Paulista",
        "body": "Apartamento reformado, perto do metrô, com portaria 24 horas.",
        "phone": "11912345678",
        "type": "u",
        "price": 3500,
        "zipcode": SAO_PAULO_CEP,
        "params": {"apartment_type": "1", "rooms": "2", "size": "70", "apartment_features": ["1", "4"]},
    }
    ad.update(overrides)
    return ad


@dataclass
class Integrator:
    """A Brasil user with an `autoupload` token, talking to apps.olx.com.br."""

    world: World
    user: UserCreds
    app: AppCreds
    token: str

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        payload = {"access_token": self.token} if body is None else body
        headers = {"Host": BR_HOST, **kwargs.pop("headers", {})}
        return await self.world.http.post(path, json=payload, headers=headers, **kwargs)

    async def put_import(self, ads: list[dict[str, Any]], **kwargs: Any) -> httpx.Response:
        headers = {"Host": BR_HOST, **kwargs.pop("headers", {})}
        body = {"access_token": self.token, "ad_list": ads}
        return await self.world.http.put("/autoupload/import", json=body, headers=headers, **kwargs)

    async def imported(self, ads: list[dict[str, Any]]) -> str:
        response = await self.put_import(ads)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert body["statusCode"] == 0, body
        return str(body["token"])

    async def status(self, token: str) -> dict[str, Any]:
        response = await self.post(f"/autoupload/import/{token}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


async def br_code(world: World, app: AppCreds, user: UserCreds, scope: str | None = None) -> str:
    from pazar.domain.brasil import AUTOUPLOAD_SCOPES

    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        app_row = await accounts.find_app(session, app.client_id)
        assert app_row is not None
        user_row = await accounts.get_user(session, site_id=BR_SITE, user_id=user.id)
        return await oauth.issue_code(
            session,
            app=app_row,
            user=user_row,
            scope=oauth.authorization_scope(app_row, scope, known=AUTOUPLOAD_SCOPES),
            redirect_uri_sent=None,
            clock=runtime.clock,
            tokens=runtime.tokens,
        )


async def br_token(world: World, app: AppCreds, user: UserCreds, scope: str | None = None) -> str:
    return await br_exchange(world, app, await br_code(world, app, user, scope))


async def br_exchange(world: World, app: AppCreds, code: str) -> str:
    """``POST /oauth/token`` on auth.olx.com.br: the access token a Brasil code is worth."""
    response = await world.http.post(
        "/oauth/token",
        data={
            "code": code,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "redirect_uri": app.redirect_uri,
            "grant_type": "authorization_code",
        },
        headers={"Host": "auth.olx.com.br"},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def integrator(world: World, *, scope: str | None = None, name: str = "Revenda Teste") -> Integrator:
    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    user = await world.user(site=BR_SITE, business=True, name=name)
    return Integrator(world, user, app, await br_token(world, app, user, scope))
