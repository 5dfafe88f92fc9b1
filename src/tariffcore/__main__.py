"""``python -m tariffcore``: the command line."""

from tariffcore.commands import main

raise SystemExit(main())
