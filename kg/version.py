"""kg's version, in one place (the package, the CLI and the store's fingerprint read it)."""

__version__ = "0.1.0"
