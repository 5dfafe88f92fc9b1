"""``python -m tariffcore``: the command line."""

from .commands import main

raise SystemExit(main())
