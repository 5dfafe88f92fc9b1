"""The ``tariffcore`` commands, one module each (see :mod:`tariffcore.cli`)."""
