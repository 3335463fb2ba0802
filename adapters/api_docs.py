"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served with their assets from this server.

The JavaScript and CSS come from the pinned ``fastapi-offline`` distribution, which ships the
upstream Swagger UI and ReDoc bundles; only its static files are read (FastAPI is never imported),
so the docs render offline and inside closed networks, and no page loads a script from a CDN.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

__all__ = ["ASSETS", "routes"]

ASSET_PREFIX = "/docs/assets"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
}
# The Swagger UI initialiser as a file of its own: no inline script, so a strict CSP can hold.
_SWAGGER_INIT = b'SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui", deepLinking: true});\n'

_SWAGGER = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>naramarket API</title>
<link rel="stylesheet" href="{ASSET_PREFIX}/swagger-ui.css"></head>
<body><div id="ui"></div><script src="{ASSET_PREFIX}/swagger-ui-bundle.js"></script>
<script src="{ASSET_PREFIX}/swagger-init.js"></script></body></html>"""

_REDOC = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>naramarket API</title></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="{ASSET_PREFIX}/redoc.standalone.js"></script></body></html>"""


# The pages load nothing from elsewhere: ReDoc's sidebar logo (a CDN image) is never requested,
# and nothing injected could phone out either.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


@cache
def _static_dir() -> Path:
    # find_spec locates the package without running its __init__ (which imports FastAPI).
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the fastapi-offline distribution (API docs assets) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


@cache
def _asset(name: str) -> bytes:
    return (_static_dir() / name).read_bytes()


def routes() -> list[BaseRoute]:
    """``/docs``, ``/redoc`` and their assets under ``/docs/assets/``."""

    async def swagger(request: Request) -> Response:
        return HTMLResponse(_SWAGGER, headers={"Content-Security-Policy": _CSP})

    async def redoc(request: Request) -> Response:
        return HTMLResponse(_REDOC, headers={"Content-Security-Policy": _CSP})

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "swagger-init.js":
            body, media_type = _SWAGGER_INIT, "text/javascript; charset=utf-8"
        elif name in ASSETS:
            body, media_type = _asset(name), ASSETS[name]
        else:
            return Response(status_code=404)
        return Response(body, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})

    return [
        Route("/docs", swagger, methods=["GET"]),
        Route("/redoc", redoc, methods=["GET"]),
        Route(f"{ASSET_PREFIX}/{{name}}", asset, methods=["GET"]),
    ]
