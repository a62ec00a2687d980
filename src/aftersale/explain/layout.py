"""Styled lines, wrapped once, written as plain text or as ANSI colour.

The renderers build `Line`s of (text, style) pieces. Wrapping happens here,
the same way for both outputs, so the coloured text is the plain text plus
escape codes (rich only paints; it never re-wraps).

>>> print(to_text([Line([("✓", "pass"), (" a bb cc dd ee", None)], indent=2, hang=2)], width=12))
  ✓ a bb cc
    dd ee
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

#: Styles by role, so the palette lives in one place.
STYLES = {
    "headline": "bold",
    "pass": "green",
    "fail": "red",
    "skip": "dim",
    "where": "dim",
    "heading": "bold",
}

_WORD = re.compile(r"\S+\s*")


@dataclass
class Line:
    """One logical line: pieces of (text, role or None), indented; continuation lines get `hang` more."""

    pieces: list[tuple[str, str | None]] = field(default_factory=list)
    indent: int = 0
    hang: int = 0

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.pieces)


def cells(text: str) -> int:
    """Terminal cells `text` takes: East Asian wide characters (policy names in Chinese) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _breaks(text: str, first: int, rest: int) -> list[tuple[int, int]]:
    """Greedy word wrap: (start, end) ranges of `text`, trailing spaces dropped; long words stay whole."""
    if not text:
        return [(0, 0)]
    ranges: list[tuple[int, int]] = []
    start = end = None
    used = 0
    for m in _WORD.finditer(text):
        word = m.group().rstrip()
        room = first if not ranges else rest
        if start is None:
            start, end, used = m.start(), m.start() + len(word), cells(m.group())
            continue
        if used + cells(word) > room:
            ranges.append((start, end))
            start, end, used = m.start(), m.start() + len(word), cells(m.group())
        else:
            end, used = m.start() + len(word), used + cells(m.group())
    ranges.append((start if start is not None else 0, end if end is not None else 0))
    return ranges


def _wrapped(line: Line, width: int | None) -> list[tuple[int, list[tuple[str, str | None]]]]:
    """The physical lines of `line`: (indent, pieces) each."""
    text = line.plain
    if width is None or width <= 0:
        ranges = [(0, len(text.rstrip()))]
    else:
        first = max(width - line.indent, 10)
        rest = max(width - line.indent - line.hang, 10)
        ranges = _breaks(text, first, rest)
    out = []
    for i, (lo, hi) in enumerate(ranges):
        pieces, pos = [], 0
        for piece, role in line.pieces:
            a, b = max(lo, pos), min(hi, pos + len(piece))
            if a < b:
                pieces.append((piece[a - pos:b - pos], role))
            pos += len(piece)
        out.append((line.indent + (line.hang if i else 0), pieces))
    return out


def to_text(lines: list[Line], width: int | None = 100) -> str:
    """Plain text, one physical line per wrapped piece, no trailing newline."""
    return "\n".join(
        " " * indent + "".join(text for text, _ in pieces)
        for line in lines
        for indent, pieces in _wrapped(line, width)
    )


def to_ansi(lines: list[Line], width: int | None = 100) -> str:
    """The same text as `to_text`, coloured with ANSI escapes by rich."""
    import io

    from rich.console import Console
    from rich.text import Text

    console = Console(
        file=io.StringIO(), record=True, force_terminal=True, color_system="standard",
        width=100_000, highlight=False, emoji=False, markup=False, soft_wrap=True,
        no_color=False,  # the caller asked for colour; NO_COLOR is the CLI's to honour
    )
    for line in lines:
        for indent, pieces in _wrapped(line, width):
            text = Text(" " * indent)
            for piece, role in pieces:
                text.append(piece, style=STYLES.get(role or "", "") or None)
            console.print(text)
    return console.export_text(styles=True).rstrip("\n")
