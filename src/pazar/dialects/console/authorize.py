"""The authorization page: log in, consent, redirect back with ``code`` and ``state``.

One flow serves every dialect's authorize URL; a ``FlowSpec`` says where it lives
and which scopes it speaks. Errors about the client or the redirect URI are shown
on the page (redirecting there would be unsafe); every other error is sent back to
the client's redirect URI as ``?error=...&state=...``, as RFC 6749 prescribes.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from pazar.dialects.common.body import BodyError, parse_form, read_limited
from pazar.dialects.common.context import SessionDep, runtime_of, site_id_of
from pazar.dialects.console import html
from pazar.domain.errors import OAuthError
from pazar.domain.oauth import V2_SCOPES
from pazar.services import accounts, oauth, web_sessions
from pazar.services.entities import PartnerApp, User
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Runtime, Session

SESSION_COOKIE = "pazar_session"
# Before login there is no session to bind a CSRF token to: a random cookie stands in
# (double submit), so a cross-site form cannot log a browser in to someone else's account.
LOGIN_COOKIE = "pazar_login"
_PARAMS = ("client_id", "response_type", "state", "scope", "redirect_uri")


# Called after a code is issued, in the same transaction (e.g. the RE migration's `import=1`).
AfterConsent = Callable[[Session, PartnerApp, User, dict[str, str | None], Runtime], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class FlowSpec:
    """One dialect's authorize URL: its path, the scopes it speaks, extra parameters it carries."""

    path: str
    known_scopes: tuple[str, ...] = V2_SCOPES
    extra_params: tuple[str, ...] = ()
    after_consent: AfterConsent | None = None
    api: str = "v2"  # the page answers only on this API's sites (common.context.SiteRouter)


def with_query(url: str, params: dict[str, str | None]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((k, v) for k, v in params.items() if v is not None)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


async def _params(request: Request, spec: FlowSpec) -> dict[str, str | None]:
    names = (*_PARAMS, *spec.extra_params)
    values: dict[str, str | None] = {k: request.query_params.get(k) for k in names}
    if request.method == "POST":
        try:
            form = parse_form(await read_limited(request, 64 * 1024))
        except BodyError:
            form = {}
        values = {k: form.get(k) for k in (*names, "step", "email", "password", "decision", "csrf")}
    return values


def _login_page(
    request: Request,
    runtime: Runtime,
    spec: FlowSpec,
    site: SiteSnapshot,
    app_name: str,
    carried: dict[str, str | None],
    error: str = "",
    status: int | None = None,
) -> Response:
    """The login form, with a CSRF token bound to this browser's login cookie (set if missing)."""
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    csrf = web_sessions.csrf_token(key=runtime.secret_key, session_value=nonce, purpose="login")
    response = html.login_form(
        action=spec.path,
        site_name=site.name,
        app_name=app_name,
        params={**carried, "csrf": csrf},
        error=error,
        status=status,
        accent=site.config.get("brand_color"),
    )
    response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="lax", max_age=3600)
    return response


def _login_csrf_ok(request: Request, runtime: Runtime, sent: str | None) -> bool:
    nonce = request.cookies.get(LOGIN_COOKIE)
    if not nonce or not sent:
        return False
    expected = web_sessions.csrf_token(key=runtime.secret_key, session_value=nonce, purpose="login")
    return secrets.compare_digest(sent, expected)


def build_router(spec: FlowSpec) -> APIRouter:
    router = APIRouter()

    @router.api_route(spec.path, methods=["GET", "POST"], include_in_schema=False)
    async def authorize(request: Request, session: Session = SessionDep) -> Response:
        runtime = runtime_of(request)
        request.scope["pazar.api"] = spec.api
        site_id = site_id_of(request)
        site = await runtime.reference.get(session, site_id)
        values = await _params(request, spec)
        try:
            app = await oauth.app_for_authorization(session, site_id=site_id, client_id=values["client_id"])
            redirect_uri = oauth.authorization_redirect(app, values["redirect_uri"])
        except OAuthError as exc:
            return html.error_page("Authorization error", f"{exc.error}: {exc.description}")

        state = values["state"]

        def back(**params: str | None) -> Response:
            return RedirectResponse(with_query(redirect_uri, {**params, "state": state}), status_code=302)

        if values["response_type"] != "code":
            if not values["response_type"]:
                return back(error="invalid_request", error_description="Invalid or missing response type")
            return back(error="unsupported_response_type", error_description="Response type not supported")
        try:
            scope = oauth.authorization_scope(app, values["scope"], known=spec.known_scopes)
        except OAuthError as exc:
            return back(error=exc.error, error_description=exc.description)

        carried = {k: values[k] for k in (*_PARAMS, *spec.extra_params)}
        now = runtime.clock.now()
        cookie = request.cookies.get(SESSION_COOKIE)
        user_id = web_sessions.verify(cookie, key=runtime.secret_key, site_id=site_id, now=now)
        step = values.get("step")

        if step == "login":
            if not _login_csrf_ok(request, runtime, values.get("csrf")):
                error = "The form expired; please log in again."
                return _login_page(request, runtime, spec, site, app.name, carried, error, 403)
            user = await accounts.login(
                session,
                site_id=site_id,
                email=values.get("email") or "",
                password=values.get("password") or "",
                clock=runtime.clock,
            )
            if user is None:
                return _login_page(
                    request, runtime, spec, site, app.name, carried, "Incorrect e-mail or password."
                )
            cookie = web_sessions.issue(key=runtime.secret_key, user_id=user.id, site_id=site_id, now=now)
            response = _consent(spec, site, app.name, user.email, scope, carried, runtime.secret_key, cookie)
            response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="lax", max_age=12 * 3600)
            return response

        if user_id is None or cookie is None:
            return _login_page(request, runtime, spec, site, app.name, carried)
        user = await accounts.get_user(session, site_id=site_id, user_id=user_id)

        if step == "consent" and request.method == "POST":
            expected = web_sessions.csrf_token(
                key=runtime.secret_key, session_value=cookie, purpose=app.client_id
            )
            if values.get("csrf") != expected:
                return html.error_page("Authorization error", "The form expired; please start again.", 403)
            if values.get("decision") != "allow":
                return back(
                    error="access_denied", error_description="The user denied access to your application"
                )
            code = await oauth.issue_code(
                session,
                app=app,
                user=user,
                scope=scope,
                redirect_uri_sent=values["redirect_uri"],
                clock=runtime.clock,
                tokens=runtime.tokens,
            )
            if spec.after_consent is not None:
                await spec.after_consent(session, app, user, values, runtime)
            return back(code=code)
        return _consent(spec, site, app.name, user.email, scope, carried, runtime.secret_key, cookie)

    return router


def _consent(
    spec: FlowSpec,
    site: SiteSnapshot,
    app_name: str,
    email: str,
    scope: str,
    carried: dict[str, str | None],
    key: str,
    cookie: str,
) -> Response:
    client_id = carried.get("client_id") or ""
    csrf = web_sessions.csrf_token(key=key, session_value=cookie, purpose=client_id)
    return html.consent_form(
        action=spec.path,
        site_name=site.name,
        app_name=app_name,
        user_email=email,
        scopes=scope.split(),
        params={**carried, "csrf": csrf},
        accent=site.config.get("brand_color"),
    )
