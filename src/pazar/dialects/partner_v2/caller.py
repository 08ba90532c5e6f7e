"""What a signed-in user's Partner API v2 route has in hand: its request, session and principal, and
the site, body, clock and time zone read through them (the preamble each commerce, business and
messaging route used to repeat)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

from pazar.dialects.common.body import parse_json, read_limited
from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.partner_v2 import wire
from pazar.dialects.partner_v2.schemas import _Shape, parse
from pazar.dialects.partner_v2.security import READ_USER, WRITE_USER
from pazar.domain.oauth import Principal
from pazar.services import adverts
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Runtime, Session


@dataclass(frozen=True, slots=True)
class Caller:
    request: Request
    session: Session
    principal: Principal

    @property
    def runtime(self) -> Runtime:
        return runtime_of(self.request)

    @property
    def site_id(self) -> str:
        return self.principal.site_id

    @property
    def user_id(self) -> int:
        """The user the token acts for (a client token cannot: "Invalid owner in token")."""
        return adverts.owner_of(self.principal)

    def now(self) -> datetime:
        return self.runtime.clock.now()

    def base_url(self) -> str:
        return self.runtime.settings.base_url()

    async def site(self) -> SiteSnapshot:
        return await self.runtime.reference.get(self.session, site_id_of(self.request))

    async def zone(self) -> ZoneInfo:
        return wire.site_zone(await self.site())

    async def body(self, shape: type[_Shape]) -> Any:
        """The JSON body (size-limited), checked against ``shape``."""
        raw = await read_limited(self.request, self.runtime.settings.max_body_bytes)
        return parse(shape, parse_json(raw))


async def _reader(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(READ_USER)
) -> Caller:
    return Caller(request, session, principal)


async def _writer(
    request: Request, session: Session = SessionDep, principal: Principal = Depends(WRITE_USER)
) -> Caller:
    return Caller(request, session, principal)


# A route's parameter: ``me: Reader`` (the v2 read scope) or ``me: Writer`` (the write scope).
Reader = Annotated[Caller, Depends(_reader, scope="function")]
Writer = Annotated[Caller, Depends(_writer, scope="function")]
