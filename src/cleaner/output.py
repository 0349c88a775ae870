"""Safe output: every file `cleaner` writes goes through here (docs/cli.md, "How files are written").

    write_file(Path("out/post.md"), data)       # whole file: old or new, never half of either
    with GrowingFile(Path("corpus.jsonl")) as f:  # grows under a locked partial name, renamed when done
        f.write(b"...")
        f.finish()

What a path is decides how it is written:

- a regular file (or a new one): a temporary file in the same folder, renamed over it when
  complete; a rewritten file keeps its mode and, where we are allowed to set it, its owner; a
  new one gets the mode the umask gives (0644 under umask 022), not the temporary file's 0600;
- a symbolic link: the file it points to is written as above; the link stays a link;
- anything else (`/dev/null`, `/dev/stdout`, a FIFO, a terminal): written through, in place,
  since renaming over it would replace the device or pipe with a regular file.

A file that grows (JSON Lines output, the report) takes an exclusive lock on its partial file,
so a second run writing the same output fails at once with one line instead of interleaving.
Any failure to write becomes a `CleanerError` naming the path, and leaves no partial file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO

from .errors import CleanerError

PARTIAL_SUFFIX = ".cleaner-partial"

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, runs are not guarded
    fcntl = None  # type: ignore[assignment]


# Temporary files being written by this process, so that a worker stopped by a signal (which
# exits at once, without unwinding) can remove them first: `remove_temporaries()`.
_WRITING: set[str] = set()


def remove_temporaries() -> None:
    for temp in list(_WRITING):
        with contextlib.suppress(OSError):
            os.unlink(temp)
    _WRITING.clear()


class OutputBusy(CleanerError):
    """Another run holds the lock on this output."""


def shown(name: str | os.PathLike[str]) -> str:
    """A file name fit for a message: bytes that are not UTF-8 shown as `\\xff`, never an error."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def write_error(path: Path | str, error: OSError) -> CleanerError:
    return CleanerError(f"cannot write: {error.strerror or error}", path=shown(path))


def new_file_mode() -> int:
    """The mode `open()` gives a new file under the current umask (0644 under umask 022)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc: read it the only other way there is, and put it back
    os.umask(mask)
    return 0o666 & ~mask


def resolve(path: Path) -> tuple[Path, bool]:
    """(where to write, whether to write through): a symlink's final target, or the path itself.

    Writing through is for anything that exists and is not a regular file; a link to one (such as
    `/proc/self/fd/1`) is written through the link, which is what opening it does.
    """
    try:
        info = os.stat(path)  # follows links
    except FileNotFoundError:
        if os.path.islink(path):  # a dangling link: create the file it names
            return Path(os.path.realpath(path)), False
        return path, False
    except OSError as error:
        raise write_error(path, error) from None
    if not stat.S_ISREG(info.st_mode):
        return path, True
    if os.path.islink(path):
        target = Path(os.path.realpath(path))
        if target.is_file() and os.path.samefile(target, path):
            return target, False
        return path, True  # a link `realpath` cannot spell (a deleted file under /proc): through it
    return path, False


def _keep_owner_and_mode(fd: int, old: os.stat_result | None) -> None:
    if old is None:
        os.fchmod(fd, new_file_mode())
        return
    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        # Only root may give a file away; anyone else keeps what they can (the group, if theirs).
        with contextlib.suppress(PermissionError):
            os.fchown(fd, old.st_uid, old.st_gid)
    os.fchmod(fd, stat.S_IMODE(old.st_mode))  # after chown, which clears set-id bits


def write_file(path: Path, data: bytes) -> None:
    """Write `data` as the whole content of `path` (see the module docstring for what kind)."""
    target, through = resolve(path)
    if through:
        try:
            with open(target, "wb") as handle:
                handle.write(data)
        except OSError as error:
            raise write_error(path, error) from None
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            old: os.stat_result | None = os.stat(target)
        except FileNotFoundError:
            old = None
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise write_error(path, error) from None
    _WRITING.add(temp)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            _keep_owner_and_mode(handle.fileno(), old)
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        if isinstance(error, OSError):
            raise write_error(path, error) from None
        raise
    finally:
        _WRITING.discard(temp)


def partial_name(target: Path) -> Path:
    """Where output for `target` grows until it is complete: `.NAME.cleaner-partial` beside it."""
    return target.parent / f".{target.name}{PARTIAL_SUFFIX}"


def lock(handle: IO[bytes] | IO[str], path: Path, what: Path | None = None) -> None:
    """An exclusive lock on an open file, or `OutputBusy` at once if another run holds it."""
    if fcntl is None:  # pragma: no cover
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            handle.close()
            raise OutputBusy(
                f"another cleaner run is writing this output (it holds the lock on {shown(path)}); "
                "wait for it to finish or stop it",
                path=shown(what or path),
            ) from None
        raise


class GrowingFile:
    """Output written in pieces: under a locked `.NAME.cleaner-partial`, renamed when complete.

    `resume_bytes` continues an earlier partial file, cut back to that size. A target that is not
    a regular file is written through (no partial file, nothing to resume). `abandon()` keeps the
    partial file for `--resume`; `discard()` removes it (a write failed: nothing half-written stays).
    """

    def __init__(self, target: Path, *, resume_bytes: int | None = None) -> None:
        self.path = target
        self.target, self.through = resolve(target)
        self.temp: Path | None = None if self.through else partial_name(self.target)
        self._closed = False
        try:
            self.resumed = False
            if self.temp is None:
                self.handle: IO[bytes] = open(self.target, "wb")  # noqa: SIM115 - closed in finish()
                return
            self.target.parent.mkdir(parents=True, exist_ok=True)
            # Opened without truncating: the lock must be ours before the content is touched.
            fd = os.open(self.temp, os.O_RDWR | os.O_CREAT, 0o666)
            self.handle = os.fdopen(fd, "r+b")
        except OSError as error:
            raise write_error(target, error) from None
        lock(self.handle, self.temp, target)
        try:
            size = os.fstat(self.handle.fileno()).st_size
            keep = resume_bytes if resume_bytes is not None and size >= resume_bytes else 0
            self.handle.truncate(keep)
            self.handle.seek(keep)
            self.resumed = resume_bytes is not None and size >= resume_bytes
        except OSError as error:
            self.handle.close()
            raise write_error(target, error) from None

    def write(self, data: bytes) -> None:
        try:
            self.handle.write(data)
        except OSError as error:
            self.discard()
            raise write_error(self.path, error) from None

    def sync(self) -> int:
        """Make everything written so far durable; returns the size written."""
        try:
            self.handle.flush()
            if self.temp is not None:
                os.fsync(self.handle.fileno())
            return self.handle.tell() if self.temp is not None else 0
        except OSError as error:
            self.discard()
            raise write_error(self.path, error) from None

    def finish(self) -> None:
        self.sync()
        if self.temp is None:
            self._close()
            return
        try:
            try:
                old: os.stat_result | None = os.stat(self.target)
            except FileNotFoundError:
                old = None
            _keep_owner_and_mode(self.handle.fileno(), old)
            os.replace(self.temp, self.target)  # still locked: the lock goes with the file
        except OSError as error:
            self.discard()
            raise write_error(self.path, error) from None
        self._close()

    def _close(self) -> None:
        if not self._closed:
            self._closed = True
            with contextlib.suppress(OSError):
                self.handle.close()

    def abandon(self) -> None:
        self._close()

    def discard(self) -> None:
        if self.temp is not None and not self._closed:  # unlinked while the lock is still ours
            with contextlib.suppress(OSError):
                os.unlink(self.temp)
        self._close()

    def __enter__(self) -> GrowingFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is not None:
            self.abandon()
