"""Files the tools write (`fmt -w`, `test --junit`, `simulate --out/--rejects`, `generate --out`): one writer.

Output goes to a temporary file that `tempfile.mkstemp` creates in the target's
folder (a fresh random name opened with O_CREAT|O_EXCL, so a symlink planted
there is never followed), is flushed to disk, then renamed over the target with
`os.replace`. On an error, an interrupt (SIGINT) or SIGTERM the temporary file
is removed and the old file stays whole. A target that is a symlink is written
through: its target file is replaced and the link stays a link. A failed write
is an `AftersaleError` naming the file (exit code 2).

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write(folder / "a.txt", "hello\\n")
>>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
('hello\\n', ['a.txt'])
"""
from __future__ import annotations

import gzip
import os
import signal
import tempfile
from pathlib import Path

from .diagnostics import AftersaleError, Diagnostic, ERROR
from .locale import msg
from .limits import MAX_SOURCE_CHARS
from .source import Span


def _io_error(path, message) -> AftersaleError:
    return AftersaleError(Diagnostic("io-error", ERROR, message, Span(str(path), 1, 1, 1, 1)))


def write_error(path, exc: OSError) -> AftersaleError:
    """The error for an output that could not be written."""
    return _io_error(path, msg("error.cannot_write", path=str(path), reason=str(exc.strerror or exc)))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class AtomicFile:
    """Bytes written to a fresh temporary file beside `path`; `finish()` renames it over `path`,
    `abort()` removes it. `.gz` targets are gzip-compressed when `compress` is true."""

    def __init__(self, path: str | Path, *, compress: bool = False):
        self.path = Path(path)
        self.target = Path(os.path.realpath(self.path))  # through a symlink: the link stays a link
        try:
            fd, tmp = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".tmp")
        except OSError as exc:
            raise write_error(self.path, exc) from None
        self.tmp = Path(tmp)
        self.raw = os.fdopen(fd, "wb")
        self.file = gzip.GzipFile(filename="", fileobj=self.raw, mode="wb", compresslevel=6, mtime=0) \
            if compress and self.path.name.endswith(".gz") else self.raw

    def write(self, data: bytes | str) -> None:
        try:
            self.file.write(data.encode("utf-8") if isinstance(data, str) else data)
        except OSError as exc:
            self.abort()
            raise write_error(self.path, exc) from None

    def finish(self) -> None:
        try:
            if self.file is not self.raw:
                self.file.close()
            self.raw.flush()
            os.fsync(self.raw.fileno())  # on disk before the rename, so a crash never leaves an empty file
            self.raw.close()
            try:  # an existing file keeps its permissions; a new one gets the usual 0666 & ~umask
                mode = self.target.stat().st_mode & 0o7777
            except FileNotFoundError:
                mode = 0o666 & ~_umask()
            os.chmod(self.tmp, mode)
            os.replace(self.tmp, self.target)
        except OSError as exc:
            self.abort()
            raise write_error(self.path, exc) from None
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        try:
            if self.file is not self.raw:
                try:
                    self.file.close()
                except OSError:
                    pass
            try:
                self.raw.close()
            except OSError:
                pass
        finally:
            self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, kind, value, tb) -> None:
        if kind is None:
            self.finish()
        else:
            self.abort()


def atomic_write(path: str | Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8) atomically: the old file stays whole on any failure."""
    out = AtomicFile(path)
    try:
        out.write(text)
    except BaseException:
        out.abort()
        raise
    out.finish()


def _identity(path: str):
    """What makes two paths the same file: (device, inode) when it exists, else the resolved path."""
    try:
        st = os.stat(path)
        return ("inode", st.st_dev, st.st_ino)
    except OSError:
        return ("path", os.path.realpath(os.path.abspath(path)))


def check_outputs(inputs: dict[str, str | None], outputs: dict[str, str | None]) -> None:
    """Refuse an output that is the same file as an input or as another output (by device and inode,
    so another path or a symlink to the same file counts). Keys name the options, e.g. `--out`."""
    seen: dict = {}
    for option, path in inputs.items():
        if path and path != "-":
            seen.setdefault(_identity(path), (option, path))
    for option, path in outputs.items():
        if not path or path == "-":
            continue
        key = _identity(path)
        if key in seen:
            other, other_path = seen[key]
            kind = "input" if other in inputs else "output"
            raise AftersaleError(Diagnostic(
                "usage", ERROR, msg(f"error.same_file_{kind}", option=option, path=str(path), other=other,
                                    other_path=str(other_path)), Span("<args>", 1, 1, 1, 1),
                help=msg("error.same_file_help")))
        seen[key] = (option, path)


class Terminated(SystemExit):
    """SIGTERM or SIGHUP, raised as an exception so temporary files are removed on the way out."""


def handle_termination() -> None:
    """Turn SIGTERM/SIGHUP into `Terminated` in this process (worker processes forked later keep the
    default: they die at once)."""
    me = os.getpid()

    def handler(signum, frame):
        if os.getpid() != me:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise Terminated(128 + signum)

    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                signal.signal(sig, handler)
            except (ValueError, OSError):  # not the main thread
                pass


__all__ = ["AtomicFile", "atomic_write", "check_outputs", "write_error", "handle_termination", "Terminated"]


def read_text(path: str | Path, max_bytes: int | None = None) -> str:
    """A policy or event file's text; unreadable, non-UTF-8 or (with `max_bytes`) too large files
    become diagnostics."""
    p = Path(path)
    where = Span(str(path), 1, 1, 1, 1)
    if max_bytes is not None:
        try:
            size = p.stat().st_size
        except OSError:
            size = 0  # reading says why
        if size > max_bytes:  # refused before reading it (a policy can hold at most MAX_SOURCE_CHARS)
            raise AftersaleError(Diagnostic("syntax-error", ERROR, msg("error.file_too_large", limit=MAX_SOURCE_CHARS,
                                                                       size=size), where))
    try:
        data = p.read_bytes()
    except IsADirectoryError:
        raise AftersaleError(Diagnostic("io-error", ERROR, msg("error.folder", path=str(path)), where)) from None
    except OSError as exc:
        raise AftersaleError(Diagnostic("io-error", ERROR, msg("error.cannot_read", path=str(path),
                                                               reason=str(exc.strerror)), where)) from None
    if b"\x00" in data:
        raise AftersaleError(Diagnostic("syntax-error", ERROR, msg("error.binary"), where))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise AftersaleError(Diagnostic("syntax-error", ERROR, msg("error.not_utf8"),
                                        Span(str(path), line, col, line, col + 1))) from None
