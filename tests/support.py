"""Test helpers: make users and apps through the services, get tokens through the HTTP API."""

from __future__ import annotations

import itertools
import os
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
