"""The Lark parser, built once, and its errors turned into diagnostics."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

from lark import Lark, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..diagnostics import Diagnostic, ERROR, did_you_mean
from ..source import Source

#: Deeper nesting than this is refused before parsing (no recursion limits hit).
MAX_NESTING = 64
#: Source larger than this is refused.
MAX_SOURCE_CHARS = 2_000_000

KEYWORDS = ("policy", "platform", "timezone", "currency", "service", "holidays", "rule", "otherwise")

#: How expected terminals are named in messages.
TERMINAL_NAMES = {
    "COMP_OP": "a comparison (`==`, `<`, …)", "NAME": "a name", "RULE_ID": "a rule id",
    "SENTENCE": "a sentence", "STRING": "a quoted string", "ZONE": "a time zone (e.g. Asia/Shanghai)",
    "HOURS_SPEC": "service hours (e.g. mon-fri 09:00-18:00)", "MONEY": "an amount (¥300)",
    "NUMBER": "a number", "DURATION": "a duration (48h)", "ADD_OP": "`+` or `-`",
    "$END": "the end of the file",
}


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR parser for policies (start: `start`) and expressions (start: `expr`)."""
    grammar = resources.files("aftersale.grammar").joinpath("policy.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, start=["start", "expr"],
                maybe_placeholders=True, cache=False)


def _terminal_name(name: str) -> str:
    if name in TERMINAL_NAMES:
        return TERMINAL_NAMES[name]
    try:
        pattern = parser().get_terminal(name).pattern
        if pattern.type == "str":
            return f"`{pattern.value}`"
    except KeyError:
        pass
    return name.lower()


def _expected(names) -> str:
    shown = sorted({_terminal_name(n) for n in names})
    if len(shown) > 8:
        shown = shown[:8] + ["…"]
    return ", ".join(shown)


def syntax_diagnostic(exc: UnexpectedInput, source: Source, base: int = 0) -> Diagnostic:
    """A `syntax-error` diagnostic for a Lark error, positioned in `source` (offset `base`)."""
    pos = base + (exc.pos_in_stream or 0)
    help_ = None
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        pos = len(source.text) if base == 0 else pos
        message = "unexpected end of input"
        help_ = f"expected {_expected(exc.expected)}"
        end = pos
    elif isinstance(exc, UnexpectedToken):
        tok = exc.token
        pos = base + tok.start_pos
        end = base + (tok.end_pos or tok.start_pos + 1)
        message = f"unexpected `{tok}`"
        help_ = f"expected {_expected(exc.expected)}"
        word = str(tok)
        if exc.expected & {"POLICY", "RULE", "TIMEZONE"}:
            hint = did_you_mean(word, KEYWORDS)
            message = f"unexpected `{word}` at the start of a statement"
            help_ = (f"did you mean `{hint}`?" if hint else
                     "a statement starts with one of: " + ", ".join(f"`{k}`" for k in KEYWORDS))
        elif "THEN" in exc.expected and len(exc.expected) > 1:
            help_ = "a block rule reads `when CONDITION then ACTION`; " + help_
    elif isinstance(exc, UnexpectedCharacters):
        ch = source.text[pos] if pos < len(source.text) else "?"
        message = f"unexpected character `{ch}`" if ch.isprintable() else f"unexpected character U+{ord(ch):04X}"
        end = pos + 1
        if exc.allowed:
            help_ = f"expected {_expected(exc.allowed)}"
    elif isinstance(exc, UnexpectedEOF):
        pos = len(source.text)
        end = pos
        message = "unexpected end of input"
        help_ = f"expected {_expected(exc.expected)}"
    else:  # pragma: no cover - Lark has no other kinds
        end = pos + 1
        message = str(exc).splitlines()[0]
    return Diagnostic("syntax-error", ERROR, message, source.span(pos, max(end, pos)), help=help_,
                      source=source)


def nesting_problem(text: str, source: Source, base: int = 0) -> Diagnostic | None:
    """Refuse over-deep parentheses or brackets up front, with the position of the first too deep."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
            if depth > MAX_NESTING:
                return Diagnostic("syntax-error", ERROR,
                                  f"expression nested deeper than {MAX_NESTING} levels",
                                  source.span(base + i, base + i + 1),
                                  help="split the condition into several rules or simplify it",
                                  source=source)
        elif ch in ")]":
            depth = max(0, depth - 1)
    return None


def parse(text: str, source: Source, start: str = "start", base: int = 0) -> Tree | Diagnostic:
    """The parse tree of `text`, or the diagnostic for its first syntax error."""
    problem = nesting_problem(text, source, base)
    if problem:
        return problem
    try:
        return parser().parse(text, start=start)
    except UnexpectedInput as exc:
        return syntax_diagnostic(exc, source, base)
