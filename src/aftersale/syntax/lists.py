"""Named lists: a header's `list NAME from "FILE"` (`名单 NAME 来自 "FILE"`), YAML's `lists: {NAME: FILE}`.

A merchant's SKU list is data, not rules: it lives in its own file, one value a
line (blank lines and lines starting with `#` are skipped, spaces around a value
are not part of it), and changes without touching the rules. Rules use it by
name (`item.sku in promo-skus`); the rule tree holds its values, so every backend
and analysis sees an ordinary `in [...]` (a set lookup, not a chain of comparisons).

Security: a list file is read only from the policy's own folder or below it. An
absolute path, a `..` step, or a symlink leading out of that folder is refused, so
that a policy (uploaded to the service, say) cannot read other files of the host.
A policy given as text (no file) cannot name list files.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..diagnostics import AftersaleError, Diagnostic, ERROR
from ..files import read_text
from ..limits import MAX_LIST_CHARS, MAX_STRING_CHARS
from ..locale import msg
from ..source import Source, Span


def _refused(file: str) -> bool:
    """An absolute path or a step up (`..`), in POSIX or Windows spelling."""
    for pure in (PurePosixPath(file), PureWindowsPath(file)):
        if pure.is_absolute() or pure.anchor or ".." in pure.parts:
            return True
    return False


def list_path(file: str, policy: Source) -> Path | str:
    """The file a list names, or the id of the message saying why it may not be read."""
    if policy.name.startswith("<"):
        return "error.list_no_folder"
    if not file.strip() or _refused(file):
        return "error.list_path"
    folder = Path(policy.name).parent
    path = folder / file
    real, root = os.path.realpath(path), os.path.realpath(folder)
    if os.path.commonpath([real, root]) != root:  # a symlink out of the policy's folder
        return "error.list_path"
    return path


def read_list(file: str, policy: Source, at: Span) -> tuple[tuple[str, ...], list[Diagnostic]]:
    """(values in file order without repeats, problems): problems with the file itself point at `at`
    (the header's file name), problems with a line point at that line of the list file."""
    def problem(message, help_=None) -> tuple[tuple[str, ...], list[Diagnostic]]:
        return (), [Diagnostic("named-list", ERROR, message, at, help=help_, source=policy)]

    path = list_path(file, policy)
    if isinstance(path, str):
        return problem(msg(path, file=file), msg(f"{path}_help"))
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # reading says why
    if size > MAX_LIST_CHARS:  # refused before reading it
        return problem(msg("error.list_too_large", file=file, limit=MAX_LIST_CHARS, size=size))
    try:
        text = read_text(path)
    except AftersaleError as exc:
        first = exc.diagnostics[0]
        if first.name == "io-error":
            return problem(first.message, msg("error.list_file_help"))
        return (), list(exc.diagnostics)  # not UTF-8, binary: where in the list file
    source = Source(text, str(path))
    values: dict[str, None] = {}
    problems: list[Diagnostic] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        value = line.strip()
        if value and not value.startswith("#"):
            if len(value) > MAX_STRING_CHARS:
                start = offset + line.index(value[0])
                problems.append(Diagnostic("named-list", ERROR, msg("error.long_string", limit=MAX_STRING_CHARS),
                                           source.span(start, start + 1), source=source))
            else:
                values.setdefault(value, None)
        offset += len(line)
    if not values and not problems:
        return problem(msg("error.list_empty", file=file), msg("error.list_file_help"))
    return tuple(values), problems


__all__ = ["read_list", "list_path"]
