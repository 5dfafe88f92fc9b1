"""tariffcore over HTTP (the optional ``tariffcore[serve]``: Starlette and uvicorn).

``tariffcore serve`` runs it; :func:`create_app` builds the ASGI app for any ASGI server;
:func:`app_from_environment` builds it from ``TARIFFCORE_*`` variables, for a server that
starts several processes (``uvicorn --factory tariffcore.service:app_from_environment
--workers 4``); :func:`running` runs it on a free local port for the duration of a ``with``
block (tests, examples, notebooks).

The routes, their bodies and every error code's HTTP status are in the OpenAPI document the
service serves at ``/openapi.json`` (:mod:`tariffcore.service.openapi`) and in the
documentation's service page.

Starlette and uvicorn are imported when an app is built, not when this package is imported.
"""

from __future__ import annotations

import contextlib
import importlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..errors import TariffcoreError
from .settings import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_ROWS, Settings, read_token
from .status import BILLING_STATUS, SERVICE_CODES, SERVICE_STATUS, billing_codes, status_of

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from ..engine import Catalog

__all__ = [
    "BILLING_STATUS",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_ROWS",
    "SERVICE_CODES",
    "SERVICE_STATUS",
    "Settings",
    "app_from_environment",
    "billing_codes",
    "bind",
    "create_app",
    "read_token",
    "require",
    "running",
    "status_of",
]

_EXTRA = "the service needs Starlette and uvicorn: pip install 'tariffcore[serve]'"


def require(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise TariffcoreError(_EXTRA) from None


def create_app(settings: Settings | None = None, *, catalog: Catalog | None = None) -> Starlette:
    """The service as an ASGI app; its catalog is loaded now (or ``catalog`` is served)."""
    require("starlette")
    from .app import create_app as build

    return build(settings, catalog=catalog)


def app_from_environment() -> Starlette:
    """The app with :meth:`Settings.from_environment`: a factory for ASGI servers."""
    return create_app(Settings.from_environment())


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: one the system picks)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP by name: asyncio turns Nagle's algorithm off only on sockets that say so, and
    # with it on, a response written in two pieces waits for the client's delayed ACK (40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


@contextlib.contextmanager
def running(
    app: Any = None, *, host: str = "127.0.0.1", settings: Settings | None = None, timeout: float = 30.0
) -> Iterator[str]:
    """Serve ``app`` (default: :func:`create_app` with ``settings``) on a free port of ``host``
    in a background thread; yield its base URL (``http://127.0.0.1:PORT``) and stop it after.
    """
    uvicorn = require("uvicorn")
    app = app if app is not None else create_app(settings)
    sock = bind(host, 0)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"tariffcore-service-{port}"
    )
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise TariffcoreError("the service did not start")
            time.sleep(0.01)
        name = f"[{host}]" if ":" in host else host
        yield f"http://{name}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
