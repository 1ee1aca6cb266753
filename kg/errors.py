"""Errors that the CLI turns into a one-line message and an exit status."""

from __future__ import annotations


class KgError(Exception):
    """Base class of kg's own errors."""

    exit_code = 1


class InputError(KgError):
    """Bad input: a missing path, an unreadable file, a malformed record (exit 2)."""

    exit_code = 2
