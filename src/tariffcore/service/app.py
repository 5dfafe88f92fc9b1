"""The HTTP service as an ASGI app: its routes, the errors they answer, bearer tokens, and
reloading the catalog on ``SIGHUP``.

Every response is JSON (made in ``_responses``); the routes are in ``_routes``, what they serve
(the catalog and the batch engines over it) in ``_state``, the reading of request bodies in
``_bodies``.

The catalog is loaded once, when the app starts, from the installed plug-ins and the
directories in :class:`~tariffcore.service.Settings`; ``POST /reload`` (or ``SIGHUP``) loads it
again and swaps it in only once it has loaded, so requests never see half a catalog.

One process bills one request at a time (billing is pure Python computation; threads would
not add speed): run several processes behind one port for more.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..engine import Catalog
from ._responses import error_response, json_response
from ._routes import routes
from ._state import ServiceState
from .limits import ServiceError
from .settings import Settings

__all__ = ["ServiceState", "create_app"]

log = logging.getLogger("tariffcore.service")


class BearerToken:
    """ASGI middleware: every request but ``GET /health`` carries ``Authorization: Bearer TOKEN``.

    The token is compared in constant time (:func:`hmac.compare_digest`).
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") == "/health":
            await self.app(scope, receive, send)
            return
        given = b""
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, credentials = value.partition(b" ")
                if scheme.lower() == b"bearer":
                    given = credentials.strip()
                break
        if not hmac.compare_digest(given, self.token):
            response = error_response(
                "unauthorized",
                "this service needs 'Authorization: Bearer TOKEN'",
                {"WWW-Authenticate": 'Bearer realm="tariffcore"'},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None, *, catalog: Catalog | None = None) -> Starlette:
    """The service as an ASGI app, with its catalog loaded now (``catalog`` to serve a given one)."""
    settings = settings or Settings()
    state = ServiceState(settings, catalog)

    async def service_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        return error_response(exc.code, exc.message, exc.headers)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            return error_response(
                "method_not_allowed", f"{request.method} is not allowed on {request.url.path}", exc.headers
            )
        if exc.status_code == 404:
            return error_response("not_found", f"no such endpoint: {request.url.path} (see /openapi.json)")
        return json_response(
            {"error": {"code": "invalid_request", "message": str(exc.detail)}}, exc.status_code, exc.headers
        )

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return error_response("internal_error", "the service failed on this request; its log says why")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = _on_sighup(state) if settings.reload_on_sighup else None
        try:
            yield
        finally:
            if stop is not None:
                stop()

    app = Starlette(
        routes=routes(state),
        exception_handlers={ServiceError: service_error, HTTPException: http_error, Exception: unexpected},
        lifespan=lifespan,
    )
    app.state.service = state
    if settings.token is not None:
        app.add_middleware(BearerToken, token=settings.token)
    return app


def _on_sighup(state: ServiceState) -> Callable[[], None] | None:
    """Reload the catalog on ``SIGHUP``; ``None`` where signals cannot be caught (a thread that
    is not the main one, or a platform without ``SIGHUP``)."""
    hangup = getattr(signal, "SIGHUP", None)
    if hangup is None:
        return None
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    async def reload() -> None:
        try:
            await state.reload()
            log.warning("catalog reloaded on SIGHUP: %d ruleset(s)", len(state.catalog.rulesets))
        except Exception:
            log.exception("reloading the catalog on SIGHUP failed; the previous one is still served")

    def handler() -> None:
        task = loop.create_task(reload())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    try:
        loop.add_signal_handler(hangup, handler)
    except (ValueError, RuntimeError, NotImplementedError):
        return None

    def stop() -> None:
        loop.remove_signal_handler(hangup)

    return stop
