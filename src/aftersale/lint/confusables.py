"""`confusable-text`: source that displays as something other than what it says (Trojan Source).

Three patterns, anywhere in the file (strings, comments, names, titles):
- bidirectional controls, which reorder how a line is displayed;
- zero-width characters, which hide inside a word (`re<ZWSP>fund` is not `refund`);
- a word that mixes Latin letters with Cyrillic or Greek look-alikes (`rеfund` with a Cyrillic `е`),
  or with full-width Latin letters (`ｒefund`); ids refuse non-ASCII Latin already.
Chinese mixed with ASCII is ordinary policy text and is never flagged, nor is full-width punctuation
(`：，（）￥`). Digits that are not 0-9 are refused in numbers by the front end (`syntax/safety.py`).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from ..diagnostics import Diagnostic, WARNING
from ..locale import Msg, and_list, msg
from .context import Context, Finding

BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = frozenset("\u00ad\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff")
INVISIBLE = re.compile("[" + "".join(sorted(BIDI | ZERO_WIDTH)) + "]+")
WORD = re.compile(r"[^\W_]+")
#: Scripts whose letters are taken for Latin ones inside a Latin word.
LOOKALIKE_SCRIPTS = ("CYRILLIC", "GREEK", "FULLWIDTH LATIN")


def _code(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def _lookalike(ch: str):
    return msg("lint.confusable.lookalike", char=ch, code=_code(ch),
               script=msg("lint.confusable.script." + _script(ch).lower().replace(" ", "_")))


def _script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    if name.startswith("LATIN") and ch.isascii():
        return "LATIN"
    for script in LOOKALIKE_SCRIPTS:
        if name.startswith(script):
            return script
    return None


def confusable_text(ctx: Context) -> Iterator[Finding]:
    src = ctx.source
    if src is None:
        return
    text = src.text
    for m in INVISIBLE.finditer(text):
        if m.start() == 0 and m.group() == "\ufeff":
            continue  # a byte order mark opening the file
        kinds = sorted({"bidi" if ch in BIDI else "zero_width" for ch in m.group()})
        what = and_list(msg(f"lint.confusable.{k}") for k in kinds)
        chars = tuple(_code(ch) for ch in dict.fromkeys(m.group()))
        yield _finding(ctx, m.start(), m.end(), msg("lint.confusable.invisible", what=what, chars=chars),
                       msg("lint.confusable.invisible_help"))
    for m in WORD.finditer(text):
        word = m.group()
        if word.isascii():
            continue
        scripts = {s for s in map(_script, word) if s}
        odd = [ch for ch in word if _script(ch) in LOOKALIKE_SCRIPTS]
        if not odd or "LATIN" not in scripts:
            continue  # Russian, Greek or full-width words read as what they are (rule ids refuse them)
        chars = tuple(_lookalike(ch) for ch in dict.fromkeys(odd))
        yield _finding(ctx, m.start(), m.end(), msg("lint.confusable.mixed", word=word, chars=chars),
                       msg("lint.confusable.mixed_help"))


def _finding(ctx: Context, start: int, end: int, message: Msg, help: Msg) -> Finding:
    return Finding(Diagnostic("confusable-text", WARNING, message, ctx.source.span(start, end), help=help,
                              source=ctx.source))
