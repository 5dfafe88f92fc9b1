"""What a service is started with: rulesets, token, limits. Nothing here comes from a request.

:meth:`Settings.from_environment` reads the same settings from ``TARIFFCORE_*`` variables, for
an ASGI server that builds the app itself (``uvicorn --factory tariffcore.service:app_from_environment``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import TariffcoreError

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_ROWS", "Settings", "read_token"]

#: Largest request body accepted, in bytes (8 MiB: about 50,000 rows of a few columns).
DEFAULT_MAX_BODY_BYTES = 8 << 20
#: Most rows one ``POST /bill`` (or ledger entries one ``POST /arrears``) may carry.
DEFAULT_MAX_ROWS = 10_000


@dataclass(frozen=True)
class Settings:
    """How the service runs.

    ``rulesets_dirs`` are loaded besides the installed plug-ins (``entry_points``); ``token``,
    when set, is the bearer token every request but ``GET /health`` must carry;
    ``max_body_bytes`` and ``max_rows`` bound one request; ``cache_mib`` is the memory for the
    results of repeated rows; ``reload_on_sighup`` reloads the catalog on ``SIGHUP`` (where the
    app runs in a process's main thread).
    """

    rulesets_dirs: tuple[str, ...] = ()
    entry_points: bool = True
    token: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_rows: int = DEFAULT_MAX_ROWS
    cache_mib: int = 24
    reload_on_sighup: bool = True

    def __post_init__(self) -> None:
        if self.token is not None and not self.token:
            raise TariffcoreError("the bearer token is empty")
        for name in ("max_body_bytes", "max_rows"):
            if getattr(self, name) < 1:
                raise TariffcoreError(f"{name} must be at least 1")
        if self.cache_mib < 0:
            raise TariffcoreError("cache_mib cannot be negative")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``TARIFFCORE_RULESETS_DIRS`` (directories separated by the path
        separator, ``:`` on POSIX), ``TARIFFCORE_TOKEN`` or ``TARIFFCORE_TOKEN_FILE``,
        ``TARIFFCORE_MAX_BODY_BYTES``, ``TARIFFCORE_MAX_ROWS`` and ``TARIFFCORE_CACHE_MIB``."""
        env = os.environ if environ is None else environ
        dirs = tuple(part for part in env.get("TARIFFCORE_RULESETS_DIRS", "").split(os.pathsep) if part)

        def number(name: str, default: int) -> int:
            text = env.get(name, "").strip()
            if not text:
                return default
            try:
                return int(text)
            except ValueError:
                raise TariffcoreError(f"{name} must be a whole number, not {text!r}") from None

        return cls(
            rulesets_dirs=dirs,
            token=read_token(env.get("TARIFFCORE_TOKEN_FILE") or None, env.get("TARIFFCORE_TOKEN") or None),
            max_body_bytes=number("TARIFFCORE_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            max_rows=number("TARIFFCORE_MAX_ROWS", DEFAULT_MAX_ROWS),
            cache_mib=number("TARIFFCORE_CACHE_MIB", 24),
        )


def read_token(path: str | None, value: str | None = None) -> str | None:
    """The bearer token: the first line of the file ``path`` (``-``: of standard input) if
    given, else ``value``.

    A token is never taken from the command line, where other users of the machine could see
    it in the process list.
    """
    if path is not None:
        try:
            text = sys.stdin.readline() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise TariffcoreError(f"cannot read the token file {path}: {exc.strerror}") from None
        token = text.splitlines()[0].strip() if text.strip() else ""
        if not token:
            raise TariffcoreError(f"the token file {path} is empty")
        return token
    if value is not None and not value.strip():
        raise TariffcoreError("the bearer token is empty")
    return value.strip() if value is not None else None
