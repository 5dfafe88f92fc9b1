"""Ruleset ids and versions from where an OWRS file lies and what it is called.

The OWRS corpus keeps one folder per utility, named ``<utility name> - <number>``, and one file
per effective date, named after it (``07-01-2017.owrs``, ``sjwc-2017-01-01.owrs``). A file is
version ``YYYY-MM-DD`` of the ruleset ``owrs/<utility>``: the folder name without its trailing
`` - <number>``, in lower case, each run of other characters than letters and digits made one
``-`` (``Covina  City Of - 713`` → ``owrs/covina-city-of``). Files kept in sub-folders
(``Older/``) belong to the nearest enclosing utility folder.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import PurePath

__all__ = ["file_date", "metadata_date", "ruleset_id", "utility_folder"]

_NUMBERED = re.compile(r"^(.*?)\s*-\s*\d+\s*$")
_DATE = re.compile(r"(?<!\d)(\d{1,4})-(\d{1,2})-(\d{1,4})(?!\d)")
_SLASHED = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def utility_folder(path: str) -> tuple[str, str]:
    """The utility's name and the name of the folder above it (the state), for ``path``: the
    nearest enclosing folder named ``<name> - <number>``, else the file's own folder."""
    parts = PurePath(path).parts[:-1]
    for index in range(len(parts) - 1, -1, -1):
        match = _NUMBERED.match(parts[index])
        if match and match.group(1).strip():
            return match.group(1).strip(), parts[index - 1] if index else ""
    folder = parts[-1] if parts else ""
    return folder.strip(), parts[-2] if len(parts) > 1 else ""


def ruleset_id(utility: str) -> str:
    """``owrs/<utility>``: lower case, every run of non-alphanumerics one ``-``."""
    slug = re.sub(r"[^a-z0-9]+", "-", utility.lower()).strip("-")
    return f"owrs/{slug or 'unnamed'}"


def file_date(name: str) -> date | None:
    """The effective date in a file name: ``MM-DD-YYYY`` or ``YYYY-MM-DD`` (the last such date
    in the name); ``None`` when the name holds none that is a real date."""
    found = None
    for match in _DATE.finditer(PurePath(name).name):
        first, second, third = match.groups()
        if len(first) == 4:
            year, month, day = int(first), int(second), int(third)
        elif len(third) == 4:
            month, day, year = int(first), int(second), int(third)
        else:
            continue
        try:
            found = date(year, month, day)
        except ValueError:
            continue
    return found


def metadata_date(value: object) -> date | None:
    """``metadata.effective_date`` as a date: a YAML date, ``M/D/YYYY``, ``MM-DD-YYYY`` or
    ``YYYY-MM-DD``; ``None`` when it is none of them."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    match = _SLASHED.match(value)
    if match:
        month, day, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return None
    return file_date(value.strip()) if value.strip() else None
