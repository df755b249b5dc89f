"""The ASGI app: the admin routes, then one pipeline behind every inference route.

The request pipeline is :class:`._pipeline.Pipeline`; answers are written by
:mod:`._http`, shaped per model family by :mod:`._shape`; the admin route is
:mod:`._admin`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from ._admin import ADMIN_PREFIX, admin_routes
from ._pipeline import Pipeline
from ._state import AppState, RecordedRequest

__all__ = ["AppState", "RecordedRequest", "build_app"]


def build_app(state: AppState) -> Starlette:
    """The Starlette app serving every route shape from ``state``."""
    pipeline = Pipeline(state)

    async def endpoint(request: Request) -> Response:
        response = await pipeline(request)
        return response  # type: ignore[return-value]

    routes = [
        *admin_routes(state, ADMIN_PREFIX),
        StarletteRoute("/{path:path}", endpoint, methods=["GET", "POST", "PUT", "DELETE"]),
    ]
    return Starlette(routes=routes)
