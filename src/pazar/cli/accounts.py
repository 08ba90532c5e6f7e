"""Users, partner apps, and codes and tokens for scripts and CI."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pazar.cli.common import JsonOpt, SiteOpt, app, emit, run
from pazar.domain.errors import DomainError
from pazar.services import accounts, oauth
from pazar.services.runtime import Runtime, Session

users_app = typer.Typer(help="Marketplace users.", no_args_is_help=True)
apps_app = typer.Typer(help="Partner applications (OAuth clients).", no_args_is_help=True)
auth_app = typer.Typer(help="Codes and tokens for scripts and CI, without the browser.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(apps_app, name="apps")
app.add_typer(auth_app, name="auth")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Login e-mail.")],
    password: Annotated[str, typer.Option(help="Password (at least 6 characters).")],
    business: Annotated[bool, typer.Option("--business", help="A business account.")] = False,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    phone: Annotated[str, typer.Option(help="Phone number.")] = "",
    site: SiteOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a marketplace user."""

    async def work(rt: Runtime) -> dict[str, Any]:
        async with rt.db.transaction() as session:
            user = await accounts.create_user(
                session,
                site_id=site or rt.settings.default_site,
                email=email,
                password=password,
                clock=rt.clock,
                name=name,
                phone=phone,
                is_business=business,
            )
            return {"id": user.id, "email": user.email, "site": user.site_id, "is_business": user.is_business}

    made = run(work)
    emit(made, json_out, f"user {made['id']} {made['email']} created on {made['site']}")


@apps_app.command("create")
def apps_create(
    name: Annotated[str, typer.Option(help="Application name.")],
    redirect_uri: Annotated[list[str], typer.Option("--redirect-uri", help="Callback URL (repeatable).")],
    scope: Annotated[str, typer.Option(help="Allowed scopes.")] = "v2 read write",
    grant: Annotated[
        list[str] | None, typer.Option("--grant", help="Allowed grant type (repeatable).")
    ] = None,
    allow_external_url: Annotated[bool, typer.Option("--allow-external-url")] = False,
    webhook_url: Annotated[
        str | None, typer.Option("--webhook-url", help="Callback URL for advert notifications (webhooks).")
    ] = None,
    site: SiteOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Register a partner app; prints its client id and secret, API key and notification secret (shown only now)."""

    async def work(rt: Runtime) -> dict[str, Any]:
        async with rt.db.transaction() as session:
            new = await accounts.create_app(
                session,
                site_id=site or rt.settings.default_site,
                name=name,
                redirect_uris=redirect_uri,
                clock=rt.clock,
                scopes=scope.split(),
                grant_types=grant or ["authorization_code", "client_credentials", "refresh_token"],
                allow_external_url=allow_external_url,
                webhook_url=webhook_url,
            )
            return {
                "client_id": new.app.client_id,
                "client_secret": new.client_secret,
                "api_key": new.api_key,
                "notification_secret": new.notification_secret,
                "webhook_url": new.app.webhook_url,
                "site": new.app.site_id,
                "redirect_uris": new.app.redirect_uris,
                "scopes": new.app.scopes,
            }

    made = run(work)
    emit(
        made,
        json_out,
        f"client_id={made['client_id']}\nclient_secret={made['client_secret']}\n"
        f"api_key={made['api_key']}\nnotification_secret={made['notification_secret']}",
    )


async def _app_and_user(session: Session, client_id: str, user_email: str | None) -> tuple[Any, Any]:
    app_row = await accounts.find_app(session, client_id)
    if app_row is None:
        raise DomainError(f"No app with client id {client_id}")
    if user_email is None:
        return app_row, None
    user = await accounts.find_user_by_email(session, site_id=app_row.site_id, email=user_email)
    if user is None:
        raise DomainError(f"No user {user_email} on {app_row.site_id}")
    return app_row, user


ApiOpt = Annotated[
    str | None,
    typer.Option(
        "--api",
        help="The API the token is for: v2, re or autoupload (scopes and lifetimes). "
        "Default: autoupload for an app holding that scope, else v2.",
    ),
]


def _api_tokens(app_row: Any, api: str | None) -> oauth.ApiTokens:
    name = api or oauth.api_of(app_row)
    if name not in oauth.API_TOKENS:
        raise DomainError(f"Unknown API {name!r}: one of {', '.join(oauth.API_TOKENS)}")
    return oauth.API_TOKENS[name]


@auth_app.command("code")
def auth_code(
    client_id: Annotated[str, typer.Option("--client-id")],
    user: Annotated[str, typer.Option("--user", help="The user's e-mail.")],
    scope: Annotated[str | None, typer.Option(help="Scopes (default: all the app may have).")] = None,
    redirect_uri: Annotated[
        str | None, typer.Option("--redirect-uri", help="Then the token request must repeat it.")
    ] = None,
    api: ApiOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print a fresh authorization code (single use), as the consent page would."""

    async def work(rt: Runtime) -> dict[str, Any]:
        async with rt.db.transaction() as session:
            app_row, user_row = await _app_and_user(session, client_id, user)
            if redirect_uri is not None:
                oauth.authorization_redirect(app_row, redirect_uri)
            flavour = _api_tokens(app_row, api)
            code = await oauth.issue_code(
                session,
                app=app_row,
                user=user_row,
                scope=oauth.authorization_scope(app_row, scope, known=flavour.scopes),
                redirect_uri_sent=redirect_uri,
                clock=rt.clock,
                tokens=rt.tokens,
                policy=flavour.policy,
            )
            return {"code": code, "expires_in": int(flavour.policy.code_ttl.total_seconds())}

    made = run(work)
    emit(made, json_out, made["code"])


@auth_app.command("token")
def auth_token(
    client_id: Annotated[str, typer.Option("--client-id")],
    user: Annotated[
        str | None, typer.Option("--user", help="The user's e-mail; omit for a client token.")
    ] = None,
    scope: Annotated[str | None, typer.Option(help="Scopes (default: all the app may have).")] = None,
    api: ApiOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print an access/refresh token pair for a user (or, without --user, for the app itself)."""

    async def work(rt: Runtime) -> dict[str, Any]:
        async with rt.db.transaction() as session:
            app_row, user_row = await _app_and_user(session, client_id, user)
            flavour = _api_tokens(app_row, api)
            issued = await oauth.grant_directly(
                session,
                app=app_row,
                user=user_row,
                scope=scope,
                clock=rt.clock,
                tokens=rt.tokens,
                policy=flavour.policy,
                known=flavour.scopes,
            )
            return {
                "access_token": issued.access_token,
                "expires_in": issued.expires_in,
                "token_type": "bearer",
                "scope": issued.scope,
                "refresh_token": issued.refresh_token,
            }

    made = run(work)
    emit(made, json_out, f"access_token={made['access_token']}\nrefresh_token={made['refresh_token']}")
