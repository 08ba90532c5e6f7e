"""A small async client for pazar's Partner API v2, as an integrator would write one.

It only speaks HTTP (httpx), so it works the same against pazar and the real
OLX API: change ``base_url``. The end-to-end tests drive pazar through it.

    async with PartnerClient("http://127.0.0.1:8080", client_id="100001", client_secret="...") as olx:
        await olx.authorize_with_code(code)
        me = await olx.get("/users/me")
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

__all__ = ["ApiError", "PartnerClient", "Tokens"]


class ApiError(Exception):
    """A non-2xx answer; ``body`` is the decoded JSON error (or the raw text)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


@dataclass
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_in: int
    scope: str


class PartnerClient:
    def __init__(
        self,
        base_url: str,
        *,
        client_id: str,
        client_secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.tokens: Tokens | None = None
        self._http = httpx.AsyncClient(
            base_url=base_url, transport=transport, headers=headers, timeout=timeout
        )

    async def __aenter__(self) -> PartnerClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- OAuth2 ------------------------------------------------------------------------

    async def _token(self, fields: dict[str, str]) -> Tokens:
        body = {"client_id": self.client_id, "client_secret": self.client_secret, **fields}
        response = await self._http.post("/api/open/oauth/token", json=body)
        data = _decode(response)
        self.tokens = Tokens(
            data["access_token"], data.get("refresh_token"), int(data["expires_in"]), data["scope"]
        )
        return self.tokens

    async def authorize_as_client(self, scope: str = "v2 read write") -> Tokens:
        return await self._token({"grant_type": "client_credentials", "scope": scope})

    async def authorize_with_code(self, code: str, *, redirect_uri: str | None = None) -> Tokens:
        fields = {"grant_type": "authorization_code", "code": code, "scope": "v2 read write"}
        if redirect_uri:
            fields["redirect_uri"] = redirect_uri
        return await self._token(fields)

    async def refresh(self) -> Tokens:
        if self.tokens is None or not self.tokens.refresh_token:
            raise RuntimeError("no refresh token: authorize first")
        return await self._token({"grant_type": "refresh_token", "refresh_token": self.tokens.refresh_token})

    # --- API ---------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Version": "2.0", "Accept": "application/json"}
        if self.tokens:
            headers["Authorization"] = f"Bearer {self.tokens.access_token}"
        return headers

    async def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        """The ``data`` of a JSON answer, None for 204; ``ApiError`` otherwise."""
        response = await self._http.request(
            method, f"/api/partner{path}", json=json, params=params, headers=self._headers()
        )
        if response.status_code == 204:
            return None
        body = _decode(response)
        return body.get("data", body) if isinstance(body, dict) else body

    async def get(self, path: str, **params: Any) -> Any:
        return await self.request("GET", path, params=params or None)

    async def post(self, path: str, body: Any) -> Any:
        return await self.request("POST", path, json=body)

    async def put(self, path: str, body: Any) -> Any:
        return await self.request("PUT", path, json=body)

    async def delete(self, path: str) -> Any:
        return await self.request("DELETE", path)

    async def command(self, advert_id: int, command: str, **extra: Any) -> None:
        await self.request("POST", f"/adverts/{advert_id}/commands", json={"command": command, **extra})


def _decode(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if response.is_success:
        return body
    raise ApiError(response.status_code, body)
