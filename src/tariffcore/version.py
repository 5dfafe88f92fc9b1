"""The version of tariffcore: its one source (the build reads it from here too)."""

__version__ = "0.1.0"
