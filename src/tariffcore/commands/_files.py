"""Output files that are whole or not there: written aside, put in place when the run ends.

Every file a command writes is first written to a file of its own in the target's folder
and renamed over the target only when the whole run has succeeded, so:

- a run that fails (exit status 2) or is interrupted leaves an existing output as it was;
- no reader ever sees a half-written file under the target's name: on Linux the file being
  written has no name at all until it is complete (``O_TMPFILE``), so even a process killed
  outright leaves nothing behind; elsewhere it is a hidden ``.NAME.partial-…`` file, removed
  on failure;
- an output that is one of the run's inputs (the same file, also through a symbolic or a
  hard link) is refused before anything is read.

The several outputs of one run (``compare -o … --summary … --report …``) are put in place
together at its end. An output that exists and is not a regular file (``/dev/null``,
``/dev/stdout``, a named pipe, a socket) cannot be replaced, nor is it a file anyone reads as
complete: it is written to as it is, as the run goes.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import TariffcoreError

__all__ = ["OutputFolder", "Outputs", "refuse_input", "same_file"]


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether ``a`` and ``b`` are one file (the same path, a symbolic or a hard link)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def refuse_input(target: str | Path, inputs: Iterable[str | Path | None], option: str) -> None:
    """Refuse to write ``target`` when it is one of ``inputs`` (``-`` and ``None`` are none)."""
    for given in inputs:
        if given is None or str(given) == "-":
            continue
        if same_file(target, given):
            raise TariffcoreError(
                f"{option} {target} is the input file {given}: write the output to another file"
            )


def written_through(path: str | Path) -> bool:
    """Whether ``path`` is an existing output that is not a regular file or a folder (a
    device, a named pipe, a socket; links followed): one that is written to as it is."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


class _Through:
    """An output written to as it is (see :func:`written_through`): nothing to put in place."""

    def __init__(self, target: Path, opened: bool) -> None:
        self.target = target
        self.name: str | None = None
        self.binary: IO[bytes] = open(target, "wb") if opened else io.BytesIO()  # noqa: SIM115

    @property
    def path(self) -> str:
        return str(self.target)

    def commit(self) -> None:
        self.binary.close()

    def discard(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.binary.close()


def _mode() -> int:
    """The mode ``open()`` gives a new file (0666 less the umask)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


#: How many bytes of an output are written before the system is asked to write them to disk.
WRITE_BACK = 1 << 24
_ADVISE = getattr(os, "posix_fadvise", None)


class _WrittenBack(io.FileIO):
    """A file (the descriptor ``fd``, closed with it) whose bytes the system is asked to write
    to disk, and then to drop from its cache, every :data:`WRITE_BACK` bytes as they come.

    An output is made durable before it is put in place (``fsync``). Left to the end, that
    wait was about half a second for a million JSON lines (900 MB) here; written back as they
    come, the bytes are mostly on disk by then, and the cache does not fill with them. Where
    the system has no such advice (``posix_fadvise``), or refuses it, nothing is asked.
    """

    def __init__(self, fd: int) -> None:
        super().__init__(fd, "wb", closefd=True)
        self.given = 0
        self.asked = WRITE_BACK if _ADVISE is not None else -1  # -1: never ask

    def write(self, data: Any) -> int:
        count = super().write(data)
        self.given += count
        if 0 < self.asked <= self.given and _ADVISE is not None:
            # What was asked before is on disk by now: dropped from the cache with it.
            start = max(0, self.asked - 3 * WRITE_BACK)
            try:
                _ADVISE(self.fileno(), start, self.given - start, os.POSIX_FADV_DONTNEED)
            except OSError:
                self.asked = -1
            else:
                self.asked = self.given + WRITE_BACK
        return count


class _Pending:
    """One output being written aside: an unnamed file (Linux) or a hidden partial file."""

    def __init__(self, target: Path) -> None:
        self.target = target
        folder = target.parent
        self.name: str | None = None
        existing = target.stat().st_mode & 0o7777 if target.exists() else _mode()
        fd = self._unnamed(folder, existing)
        if fd is None:
            fd, self.name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".partial")
        self.fd = fd
        os.fchmod(fd, existing)
        self.binary: IO[bytes] = io.BufferedWriter(_WrittenBack(self.fd))

    @staticmethod
    def _unnamed(folder: Path, mode: int) -> int | None:
        flag = getattr(os, "O_TMPFILE", None)
        if flag is None or not Path("/proc/self/fd").is_dir():
            return None
        try:
            return os.open(folder, flag | os.O_WRONLY, mode)
        except OSError:  # a file system without unnamed files
            return None

    @property
    def path(self) -> str:
        """A path the file being written can be opened by (for writers that take a path)."""
        return self.name if self.name is not None else f"/proc/self/fd/{self.fd}"

    def commit(self) -> None:
        self.binary.flush()
        os.fsync(self.binary.fileno())
        if self.name is None:
            # Give the unnamed file a hidden name next to the target, then rename it over.
            self.name = str(self.target.parent / f".{self.target.name}.{os.getpid()}.partial")
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.name)
            folder = os.open(self.target.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            try:  # a directory descriptor makes os.link call linkat(), which follows /proc's link
                os.link(
                    f"/proc/self/fd/{self.fd}", Path(self.name).name, dst_dir_fd=folder, follow_symlinks=True
                )
            finally:
                os.close(folder)
        self.binary.close()
        os.replace(self.name, self.target)
        self.name = None

    def discard(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.binary.close()
        if self.name is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.name)


class Outputs:
    """The output files of one run: each written aside, all put in place by :meth:`commit`.

    Use it as a context manager: leaving the block without :meth:`commit` (an error, an
    interruption) discards every file written so far and leaves the targets as they were.
    ``inputs`` are the run's input files, which no output may be.
    """

    def __init__(self, inputs: Iterable[str | Path | None] = ()) -> None:
        self.inputs = [str(given) for given in inputs if given is not None and str(given) != "-"]
        self._pending: list[_Pending | _Through] = []
        self._streams: list[IO[str]] = []
        self._claimed: dict[str, str] = {}

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def target(self, path: str | Path, option: str = "--output") -> Path:
        """Check ``path`` as an output of this run and return it with its links resolved (the
        file a link names is the one replaced, as writing through the link would)."""
        given = Path(path)
        refuse_input(given, self.inputs, option)
        if written_through(given):  # /dev/null, /dev/stdout, a named pipe: as it is
            return given
        real = Path(os.path.realpath(given))
        if real.is_dir():
            raise TariffcoreError(f"{option} {path} is a folder, not a file")
        if not real.parent.is_dir():
            raise TariffcoreError(f"{option} {path}: no such folder {real.parent}")
        earlier = self._claimed.get(str(real))
        if earlier is not None:
            raise TariffcoreError(
                f"{option} {path} is also given as {earlier}: give each output its own file"
            )
        self._claimed[str(real)] = option
        return real

    def database(self, path: str | Path, option: str = "--output") -> Path:
        """:meth:`target` for a writer that writes its file aside itself (SQLite), which must
        be a regular file."""
        if written_through(path):
            raise TariffcoreError(
                f"{option} {path} is not a regular file: a SQLite database is written to a file"
            )
        return self.target(path, option)

    def binary(self, path: str | Path, option: str = "--output") -> IO[bytes]:
        """A binary stream writing ``path`` aside."""
        target = self.target(path, option)
        pending = _Through(target, True) if written_through(target) else _Pending(target)
        self._pending.append(pending)
        return pending.binary

    def path(self, path: str | Path, option: str = "--output") -> str:
        """A path for a writer that opens the file itself (Parquet), written aside; the
        writer seeks, so a pipe or a socket is refused."""
        target = self.target(path, option)
        mode = os.stat(target).st_mode if written_through(target) else 0
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            raise TariffcoreError(f"{option} {path} is a pipe: this format is written to a file")
        pending = _Through(target, False) if written_through(target) else _Pending(target)
        self._pending.append(pending)
        return pending.path

    def text(self, path: str | Path, option: str = "--output") -> IO[str]:
        """A UTF-8 text stream writing ``path`` aside (line endings as written)."""
        stream = io.TextIOWrapper(self.binary(path, option), encoding="utf-8", newline="")
        self._streams.append(stream)
        return stream

    @contextlib.contextmanager
    def stream(self, path: str | None, option: str = "--output") -> Iterator[IO[str]]:
        """Standard output for ``None`` and ``-``, else :meth:`text` of ``path``."""
        if path is None or path == "-":
            yield sys.stdout
        else:
            yield self.text(path, option)

    def commit(self) -> None:
        """Put every output in place (the run has succeeded)."""
        for stream in self._streams:
            stream.flush()
        for pending in self._pending:
            pending.commit()
        self._pending.clear()
        self._streams.clear()

    def discard(self) -> None:
        """Drop every output not yet put in place; the targets stay as they were."""
        for stream in self._streams:
            with contextlib.suppress(OSError, ValueError):
                stream.close()
        for pending in self._pending:
            pending.discard()
        self._pending.clear()
        self._streams.clear()


class OutputFolder:
    """A folder of outputs (one notice per bill): files are written into a hidden folder
    beside them and moved in when the run has succeeded, each replacing its namesake.

    A run that fails leaves the folder as it was; the hidden folder is removed.
    """

    def __init__(self, folder: Path, inputs: Iterable[str | Path | None] = ()) -> None:
        self.folder = folder
        self.inputs = [str(given) for given in inputs if given is not None and str(given) != "-"]
        folder.mkdir(parents=True, exist_ok=True)
        self.aside = Path(tempfile.mkdtemp(dir=folder, prefix=".tariffcore-partial-"))
        self.names: list[str] = []

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.aside, ignore_errors=True)

    def write_text(self, name: str, text: str) -> None:
        """Write the file ``name`` of the folder (aside until :meth:`commit`)."""
        refuse_input(self.folder / name, self.inputs, "--output")
        (self.aside / name).write_text(text, encoding="utf-8")
        self.names.append(name)

    def commit(self) -> None:
        """Move every file written into the folder."""
        for name in self.names:
            os.replace(self.aside / name, self.folder / name)
        self.names.clear()
