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
