"""Output files replaced all or nothing.

One file is written atomically (:func:`write_file`: a temporary file in the target
folder, then ``os.replace``); several files go into a temporary folder inside the
output folder and are moved into place together once every one is written
(:func:`write_files`), some of them by a forked process on a large graph. A failure
leaves the previous files as they were.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

from kg.errors import InputError, reason
from kg.outputs.atomic import write_atomically
from kg.runtime import paused_gc, usable_cores

#: The files :func:`kg.outputs.export.write` puts into its output folder.
OUTPUT_NAMES = (
    "entities.csv",
    "graph.graphml",
    "graph.html",
    "graph.json",
    "mentions.csv",
    "relations.csv",
)


def write_file(path: str | Path, data: bytes | Callable[[Any], None]) -> Path:
    """:func:`kg.outputs.atomic.write_atomically` with one-line errors that name the target.

    ``data``: the bytes, or a function that writes them to the binary file it is given.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create directory {path.parent}: {reason(exc)}") from None
    try:
        if path.is_dir():
            raise InputError(f"cannot write {path}: it is a directory")
    except OSError as exc:  # a name too long
        raise InputError(f"cannot write {path}: {reason(exc)}") from None
    try:
        return write_atomically(path, data)
    except OSError as exc:
        # The message names the target: the temporary file is no concern of the user's.
        raise InputError(f"cannot write {path}: {reason(exc)}") from None


def write_files(
    outdir: str | Path,
    writers: dict[str, Callable[[Path], Any]],
    *,
    aside: Iterable[str] = (),
) -> list[Path]:
    """Write several files into ``outdir``, all or nothing.

    Each ``writers[name](path)`` writes one file into a temporary folder inside
    ``outdir``. Only when every file is written are they moved into place (see
    :func:`_replace_all`); a failure before or during the move leaves every earlier
    file of ``outdir`` as it was. The writers named in ``aside`` run at the same time
    in a forked process, where the system can fork and has a second core.
    """
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write to {outdir}: {reason(exc)}") from None
    names = sorted(writers)
    check_targets(outdir, names)  # before the work, not after it
    try:
        tmp = Path(tempfile.mkdtemp(prefix=".kg-write-", dir=outdir))
    except OSError as exc:
        raise InputError(f"cannot write to {outdir}: {reason(exc)}") from None
    aside = [name for name in names if name in set(aside)] if _can_fork() else []
    helper = None
    # No collector passes: writing makes no cycles, and a forked writer then shares the
    # graph's memory pages instead of copying every page a pass would touch.
    with paused_gc():
        try:
            if aside:
                # each lambda binds its name as a default argument, called with none
                jobs: list[Callable[..., Any]] = [
                    lambda name=name: writers[name](tmp / name) for name in aside
                ]
                helper = _ForkedWriters(jobs)
            try:
                for name in names:
                    if name not in aside:
                        writers[name](tmp / name)
                if helper is not None:
                    helper.join()
            except OSError as exc:
                raise InputError(f"cannot write to {outdir}: {reason(exc)}") from None
            return _replace_all(tmp, outdir, names)
        finally:
            if helper is not None:
                helper.stop()
            shutil.rmtree(tmp, ignore_errors=True)


def _can_fork() -> bool:
    """Fork a writer only on Linux (macOS system libraries are not fork-safe) with 2 cores."""
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return False
    return usable_cores() > 1


class _ForkedWriters:
    """Writers run in a forked child; :meth:`join` re-raises the child's exception here.

    The child shares the parent's memory (copy on write), so the graph is not copied or
    pickled. It leaves with ``os._exit``: none of the parent's clean-up runs twice.
    """

    def __init__(self, jobs: list[Callable[[], Any]]) -> None:
        self._read, write = os.pipe()
        self.pid: int | None = os.fork()
        if self.pid == 0:  # the child
            os.close(self._read)
            code = 0
            try:
                for job in jobs:
                    job()
            except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent
                code = 1
                with contextlib.suppress(BaseException):
                    os.write(write, _pickled(exc))
            finally:
                os._exit(code)
        os.close(write)

    def join(self) -> None:
        """Wait for the child; raise what it raised."""
        with os.fdopen(self._read, "rb") as pipe:
            message = pipe.read()
        # join runs once, before stop: the child's pid is still set
        _, status = os.waitpid(cast(int, self.pid), 0)
        self.pid = None
        if status != 0:
            try:
                error = pickle.loads(message)
            except Exception:  # noqa: BLE001 - killed, or an exception that does not pickle
                error = RuntimeError(f"a writer process failed (status {status})")
            raise error

    def stop(self) -> None:
        """Kill the child if it still runs (the parent failed or was interrupted)."""
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            with contextlib.suppress(OSError):
                os.close(self._read)
            self.pid = None


def _pickled(exc: BaseException) -> bytes:
    try:
        return pickle.dumps(exc)
    except Exception:  # noqa: BLE001
        return pickle.dumps(RuntimeError(f"{type(exc).__name__}: {reason(exc)}"))


def check_targets(outdir: str | Path, names: Iterable[str] = OUTPUT_NAMES) -> None:
    """Raise InputError if a file of ``names`` could not replace what is in ``outdir``.

    A folder in the way (a folder named ``graph.json``) is the case that can be seen
    before writing; :func:`write_files` checks again just before it moves its files.
    """
    outdir = Path(outdir)
    for name in names:
        target = outdir / name
        if target.is_dir() and not target.is_symlink():
            raise InputError(f"cannot write {target}: it is a directory")


def _replace_all(tmp: Path, outdir: Path, names: list[str]) -> list[Path]:
    """Move ``tmp/NAME`` to ``outdir/NAME`` for every name, all or nothing.

    Every target is checked first. Each existing target is kept in ``tmp`` (as a hard
    link: the target never goes missing) until every rename succeeded; if one fails (or
    the build is interrupted), the files already moved are put back as they were.
    """
    pairs = [(tmp / name, outdir / name) for name in names]
    for entry, target in pairs:
        if not entry.is_dir():
            check_targets(outdir, [target.name])
        elif os.path.lexists(target) and not target.is_dir():
            raise InputError(f"cannot write {target}: it is not a directory")
    kept = tmp / ".kept"
    try:
        kept.mkdir()
    except OSError as exc:  # named by the folder, not by the temporary one inside it
        raise InputError(f"cannot write to {outdir}: {reason(exc)}") from None
    # One record per target: [target, its old self kept in tmp or None, kept as a hard
    # link (the target itself stays in place), replaced yet].
    moved: list[list[Any]] = []
    target = outdir
    try:
        for entry, target in pairs:
            record: list[Any] = [target, None, False, False]
            moved.append(record)
            if os.path.lexists(target):
                record[1] = kept / target.name
                record[2] = _keep(target, record[1])
            os.replace(entry, target)
            record[3] = True
    except BaseException as exc:
        for record in reversed(moved):
            _restore(*record)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write {target}: {reason(exc)}") from None
        raise
    return [target for _, target in pairs]


def _keep(target: Path, kept: Path) -> bool:
    """Keep the current ``target`` at ``kept``: a hard link if it can (True), else the
    target itself, renamed (False)."""
    if not (target.is_dir() and not target.is_symlink()):
        try:
            os.link(target, kept, follow_symlinks=False)
            return True
        except OSError:  # a file system without hard links
            pass
    os.rename(target, kept)
    return False


def _restore(target: Path, kept: Path | None, linked: bool, replaced: bool) -> None:
    """Undo one move of :func:`_replace_all`, as far as the file system lets us."""
    try:
        if kept is not None:
            if not replaced and linked:
                return  # the target was never touched
            if replaced and target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(kept, target)
        elif replaced:
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink()
    except OSError:
        pass
