"""Errors that the CLI turns into a one-line message and an exit status."""

from __future__ import annotations

from pathlib import Path


class KgError(Exception):
    """Base class of kg's own errors."""

    exit_code = 1


class InputError(KgError):
    """Bad input: a missing path, an unreadable file, a malformed record (exit 2)."""

    exit_code = 2


def read_text_file(path: str | Path, what: str, encoding: str = "utf-8") -> str:
    """The text of a file the user named (``what``: gold, patterns ...); a missing,
    unreadable or undecodable file raises :class:`InputError` with a one-line message."""
    try:
        return Path(path).read_text(encoding=encoding)
    except FileNotFoundError:
        raise InputError(f"{what} file not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{what} file is a folder: {path}") from None
    except UnicodeDecodeError:
        raise InputError(f"{what} file is not UTF-8 text: {path}") from None
    except OSError as error:
        raise InputError(f"cannot read {what} file {path}: {error.strerror or error}") from None


def reason(exc: BaseException) -> str:
    """What went wrong, on one line: an OSError's ``strerror``, else the message."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())
