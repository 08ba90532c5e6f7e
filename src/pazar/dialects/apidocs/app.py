"""``/_pazar/openapi/{name}.json`` and ``/_pazar/docs``: served in sandbox and operator mode alike.

The documentation page is Swagger UI from the ``swagger-ui-bundle`` package, served from here: no
CDN, and a Content-Security-Policy that lets the page talk to this server only (the UI's online
validator badge is switched off).
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from swagger_ui_bundle import swagger_ui_path

from pazar.dialects.apidocs import documents

PREFIXES = ("/_pazar/openapi", "/_pazar/docs")
ASSETS = Path(swagger_ui_path)
# Only these files of the bundle are served (no directory listing, no path tricks).
ASSET_FILES = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"}
)
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'"
)
JSON_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}


def _not_found(what: str) -> Response:
    return JSONResponse({"error": {"status": 404, "title": "Not Found", "detail": what}}, 404)


async def openapi_document(request: Request) -> Response:
    name = str(request.path_params["name"])
    if not name.endswith(".json"):
        return _not_found("Documents are served as <name>.json")
    try:
        body = documents.document_json(name.removesuffix(".json"))
    except KeyError:
        return _not_found(f"No such document; available: {', '.join(documents.available())}")
    return Response(body, media_type="application/json", headers=JSON_HEADERS)


async def openapi_index(_: Request) -> Response:
    return JSONResponse(
        [
            {"name": documents.TITLES[name], "url": f"/_pazar/openapi/{name}.json"}
            for name in documents.available()
        ],
        headers=JSON_HEADERS,
    )


def _page() -> str:
    links = "".join(
        f"<li><a href='/_pazar/openapi/{name}.json'>{escape(documents.TITLES[name])}</a></li>"
        for name in documents.available()
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pazar API documentation</title>
<link rel="icon" href="/_pazar/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/_pazar/docs/assets/swagger-ui.css">
</head>
<body>
<noscript><p>The interactive reference needs JavaScript. The raw documents:</p><ul>{links}</ul></noscript>
<div id="swagger-ui"></div>
<script src="/_pazar/docs/assets/swagger-ui-bundle.js"></script>
<script src="/_pazar/docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="/_pazar/docs/init.js"></script>
</body>
</html>
"""


def _init_script() -> str:
    urls = [
        {"name": documents.TITLES[name], "url": f"/_pazar/openapi/{name}.json"}
        for name in documents.available()
    ]
    return (
        "window.ui = SwaggerUIBundle({\n"
        f"  urls: {json.dumps(urls)},\n"
        "  dom_id: '#swagger-ui',\n"
        "  deepLinking: true,\n"
        "  validatorUrl: null,\n"
        "  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],\n"
        "  layout: 'StandaloneLayout'\n"
        "});\n"
    )


async def docs_page(_: Request) -> Response:
    return HTMLResponse(_page(), headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"})


async def docs_init(_: Request) -> Response:
    return Response(_init_script(), media_type="application/javascript")


async def asset(request: Request) -> Response:
    name = str(request.path_params["name"])
    if name not in ASSET_FILES:
        return _not_found("No such asset")
    return FileResponse(ASSETS / name, headers={"Cache-Control": "public, max-age=86400"})


async def _unknown(_: Request, __: Exception) -> Response:
    return _not_found("No such page")


def build() -> Starlette:
    return Starlette(
        exception_handlers={404: _unknown, 405: _unknown},
        routes=[
            Route("/_pazar/openapi", openapi_index, methods=["GET"]),
            Route("/_pazar/openapi/", openapi_index, methods=["GET"]),
            Route("/_pazar/openapi/{name}", openapi_document, methods=["GET"]),
            Route("/_pazar/docs", docs_page, methods=["GET"]),
            Route("/_pazar/docs/", docs_page, methods=["GET"]),
            Route("/_pazar/docs/init.js", docs_init, methods=["GET"]),
            Route("/_pazar/docs/assets/{name}", asset, methods=["GET"]),
        ],
    )
