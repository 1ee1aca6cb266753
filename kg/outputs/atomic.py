"""Files written all at once: to a temporary file next to the target, then renamed.

A reader never sees a half-written file, and a failure leaves the old file as it was.
The one writer every output of kg goes through (the viewer's page and the exports).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomically(path: str | os.PathLike, data: bytes | Callable[[BinaryIO], None]) -> Path:
    """Write ``data`` (bytes, or a function that writes them to the binary file it is
    given) to ``path`` through a temporary file in the same folder, synced and renamed
    into place. OSError goes to the caller; the temporary file never stays behind."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    # A shortened name: a long target name stays writable (a name has at most 255 bytes).
    tmp = directory / f".{path.name[:64]}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # no file, or a name too long: nothing to remove
            tmp.unlink()
        raise
    return path
