"""Source text and spans: where every node, trace entry and finding points.

>>> src = Source("rule a: escalate requests\\n", "p.policy")
>>> span = src.span(8, 16)
>>> (span.line, span.column, span.end_line, span.end_column)
(1, 9, 1, 17)
>>> src.text_of(span)
'escalate'
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A region of one source file. Lines and columns count from 1; the end is exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int = 0  # character offsets into the source text
    end: int = 0

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NO_SPAN = Span("<generated>", 0, 0, 0, 0)


class Source:
    """A source text with a line index, turning offsets into spans."""

    def __init__(self, text: str, name: str = "<string>"):
        self.text = text
        self.name = name
        self._line_starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self._line_starts.append(i + 1)

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of an offset, both from 1."""
        offset = max(0, min(offset, len(self.text)))
        i = bisect.bisect_right(self._line_starts, offset) - 1
        return i + 1, offset - self._line_starts[i] + 1

    def offset(self, line: int, column: int) -> int:
        line = max(1, min(line, len(self._line_starts)))
        return min(self._line_starts[line - 1] + column - 1, len(self.text))

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Span(self.name, line, col, end_line, end_col, start, end)

    def text_of(self, span: Span) -> str:
        return self.text[span.start:span.end]

    def line_text(self, line: int) -> str:
        if not 1 <= line <= len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start:] if end < 0 else self.text[start:end]


def highlight(source: Source, span: Span, width: int = 0, max_line: int = 100) -> str:
    """The source line of a span with the span underlined by carets.

    Long lines are cut to a window around the span, marked with `…`.

    >>> src = Source("when amount < 30O\\n")
    >>> print(highlight(src, src.span(14, 17)))
      1 | when amount < 30O
        |               ^^^
    """
    text = source.line_text(span.line).replace("\t", " ")
    start = span.column - 1
    if span.end_line == span.line:
        length = max(1, span.end_column - span.column)
    else:
        length = max(1, len(text) - start)
    if len(text) > max_line:
        length = min(length, max_line // 2)
        left = max(0, start - max_line // 3)
        right = min(len(text), left + max_line)
        text = ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")
        start = start - left + (1 if left else 0)
    gutter = str(span.line).rjust(max(3, width))
    pad = " " * len(gutter)
    return f"{gutter} | {text}\n{pad} | {' ' * start}{'^' * length}"
