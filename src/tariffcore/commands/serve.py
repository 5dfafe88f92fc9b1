"""``tariffcore serve``: the HTTP service (needs ``tariffcore[serve]``).

Listens on 127.0.0.1 unless ``--host`` says otherwise; the bearer token comes from a file
(``--token-file``) or the ``TARIFFCORE_TOKEN`` variable, never from the command line. The
catalog is loaded once; ``POST /reload`` or ``kill -HUP PID`` loads it again.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import TariffcoreError
from ..service import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_ROWS, Settings, read_token
from ._common import Subparsers, catalog_options

_LOCAL = ("127.0.0.1", "::1", "localhost")


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser(
        "serve",
        help="serve billing, explanations and arrears over HTTP (JSON)",
        description="Serve the installed rulesets (and --rulesets-dir) over HTTP: GET /rulesets, "
        "POST /bill, /explain, /arrears, /reload; GET /openapi.json describes it all. Reload the "
        "rulesets with POST /reload or SIGHUP. Needs the optional 'tariffcore[serve]'.",
    )
    sub.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    sub.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free port)")
    sub.add_argument(
        "--token-file",
        metavar="FILE",
        help="require 'Authorization: Bearer TOKEN', TOKEN being the first line of FILE ('-': "
        "of standard input; default: the TARIFFCORE_TOKEN variable, if set)",
    )
    sub.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="N",
        help=f"largest request body (default {DEFAULT_MAX_BODY_BYTES})",
    )
    sub.add_argument(
        "--max-rows",
        type=int,
        default=DEFAULT_MAX_ROWS,
        metavar="N",
        help=f"most rows in one request (default {DEFAULT_MAX_ROWS})",
    )
    sub.add_argument(
        "--cache-mib",
        type=int,
        default=24,
        metavar="MIB",
        help="memory for the results of repeated rows (default 24)",
    )
    sub.add_argument("--access-log", action="store_true", help="log every request on standard error")
    catalog_options(sub)
    sub.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..service import bind, create_app, require

    uvicorn = require("uvicorn")
    settings = Settings(
        rulesets_dirs=tuple(args.rulesets_dir),
        token=read_token(args.token_file, os.environ.get("TARIFFCORE_TOKEN") or None),
        max_body_bytes=args.max_body_bytes,
        max_rows=args.max_rows,
        cache_mib=args.cache_mib,
    )
    if not 0 <= args.port <= 65535:
        raise TariffcoreError(f"--port {args.port} is not a port number")
    app = create_app(settings)
    sock = bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    if args.host not in _LOCAL and settings.token is None:
        print(
            f"tariffcore serve: listening on {args.host} without a token: anyone who can reach "
            "this port can use the service",
            file=sys.stderr,
        )
    broken = len(app.state.service.catalog.problems)
    print(
        f"tariffcore serve: {len(app.state.service.catalog.rulesets)} ruleset(s)"
        + (f", {broken} broken" if broken else "")
        + f"; listening on http://{shown}:{port} (pid {os.getpid()}; reload: POST /reload or "
        "kill -HUP)",
        file=sys.stderr,
        flush=True,
    )
    config = uvicorn.Config(
        app, log_level="info" if args.access_log else "warning", access_log=args.access_log, lifespan="on"
    )
    uvicorn.Server(config).run(sockets=[sock])
    return 0
