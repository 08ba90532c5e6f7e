"""Minimal, escaped HTML pages (no template engine needed for a handful of forms)."""

from __future__ import annotations

import re
from html import escape

from starlette.responses import HTMLResponse

_STYLE = (
    ":root{--accent:#002f34}"
    "body{font-family:system-ui,sans-serif;max-width:30rem;margin:0 auto;padding:0 1rem 3rem;color:#222;"
    "line-height:1.45}"
    "header{background:var(--accent);color:#fff;margin:0 -1rem 1.5rem;padding:.9rem 1rem;font-weight:600}"
    "h1{font-size:1.4rem}form{display:grid;gap:.8rem}label{display:grid;gap:.25rem;font-weight:500}"
    "input,button{font-size:1rem;padding:.6rem;border-radius:.4rem;border:1px solid #888}"
    "button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}"
    "button.secondary{background:#fff;color:var(--accent)}"
    ":focus-visible{outline:3px solid #f5a623;outline-offset:2px}"
    ".error{color:#b00020}.muted{color:#555;font-size:.9rem}.row{display:flex;gap:.6rem}"
    "ul.scopes{padding-left:1.2rem}"
)
_SAFE_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


# What each scope lets an app do, in the words a user reads on the consent page.
SCOPE_LABELS: dict[str, str] = {
    "v2": "use the Partner API on your behalf",
    "read": "see your account and your adverts",
    "write": "publish, change and remove your adverts",
    "autoupload": "import, change and remove your ads",
    "basic_user_info": "see your name and e-mail address",
}


def page(
    title: str, body: str, status: int = 200, *, site_name: str = "", accent: str | None = None
) -> HTMLResponse:
    """A page; with ``site_name`` it wears the site's header and colour (``brand_color`` of the site)."""
    theme = f"<style>:root{{--accent:{accent}}}</style>" if accent and _SAFE_COLOR.fullmatch(accent) else ""
    header = f"<header>{escape(site_name)}</header>" if site_name else ""
    document = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style>{theme}</head><body>{header}<main>{body}</main></body></html>"
    )
    return HTMLResponse(
        document,
        status_code=status,
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"},
    )


def hidden_fields(values: dict[str, str | None]) -> str:
    return "".join(
        f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>"
        for k, v in values.items()
        if v is not None
    )


def error_page(title: str, message: str, status: int = 400) -> HTMLResponse:
    return page(title, f"<h1>{escape(title)}</h1><p class='error'>{escape(message)}</p>", status)


def login_form(
    *,
    action: str,
    site_name: str,
    app_name: str,
    params: dict[str, str | None],
    error: str = "",
    status: int | None = None,
    accent: str | None = None,
) -> HTMLResponse:
    problem = f"<p class='error' role='alert'>{escape(error)}</p>" if error else ""
    return page(
        f"Log in — {site_name}",
        f"<h1>Log in to {escape(site_name)}</h1>"
        f"<p class='muted'>{escape(app_name)} asks to connect to your account.</p>{problem}"
        f"<form method='post' action='{escape(action)}'>{hidden_fields(params)}"
        "<input type='hidden' name='step' value='login'>"
        "<label>E-mail <input name='email' type='email' autocomplete='username' required></label>"
        "<label>Password <input name='password' type='password' autocomplete='current-password' required></label>"
        "<button type='submit'>Log in</button></form>",
        status or (401 if error else 200),
        site_name=site_name,
        accent=accent,
    )


def consent_form(
    *,
    action: str,
    site_name: str,
    app_name: str,
    user_email: str,
    scopes: list[str],
    params: dict[str, str | None],
    accent: str | None = None,
) -> HTMLResponse:
    items = "".join(
        f"<li>{escape(SCOPE_LABELS.get(s, s))} <span class='muted'>({escape(s)})</span></li>" for s in scopes
    )
    return page(
        f"Authorize {app_name}",
        f"<h1>Authorize {escape(app_name)}</h1>"
        f"<p>Signed in to {escape(site_name)} as <b>{escape(user_email)}</b>.</p>"
        f"<p>{escape(app_name)} will be able to:</p><ul class='scopes'>{items}</ul>"
        f"<form method='post' action='{escape(action)}'>{hidden_fields(params)}"
        "<input type='hidden' name='step' value='consent'>"
        "<div class='row'><button name='decision' value='allow' type='submit'>Allow</button>"
        "<button class='secondary' name='decision' value='deny' type='submit'>Deny</button></div></form>",
        site_name=site_name,
        accent=accent,
    )
