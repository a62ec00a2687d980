"""The Lark parser, built once, and its errors turned into diagnostics."""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from lark import Lark, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..diagnostics import Diagnostic, ERROR, did_you_mean, did_you_mean_msg
from ..locale import Msg, msg
# The limits live in one place (aftersale/limits.py); these names are kept importable from here.
from ..limits import MAX_NESTING, MAX_RULES, MAX_SOURCE_CHARS, MAX_STRING_CHARS, MAX_TERMS  # noqa: F401
from ..source import Source

#: Terminals that match the rest of a line: in the wrong place they stand for its first word.
CATCH_ALL = ("SENTENCE", "HOURS_SPEC")
KEYWORDS = ("policy", "platform", "timezone", "currency", "service", "holidays", "language", "rule", "otherwise",
            "策略", "平台", "时区", "币种", "客服时间", "节假日", "语言", "规则", "否则", "list", "名单")

#: How expected terminals are named in messages (message ids `terminal.*`).
TERMINAL_NAMES = {
    "COMP_OP": "comp_op", "NAME": "name", "RULE_ID": "rule_id", "SENTENCE": "sentence", "STRING": "string",
    "ZONE": "zone", "HOURS_SPEC": "hours", "MONEY": "money", "NUMBER": "number", "DURATION": "duration",
    "ADD_OP": "add_op", "MUL_OP": "mul_op", "$END": "end",
}


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR parser for policies (start: `start`) and expressions (start: `expr`)."""
    grammar = resources.files("aftersale.grammar").joinpath("policy.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, start=["start", "expr"],
                maybe_placeholders=True, cache=False)


def _terminal_name(name: str) -> tuple[str, Msg | str]:
    """(sort key, name in messages): sorted by the English name, so every language lists them alike."""
    if name in TERMINAL_NAMES:
        text = msg(f"terminal.{TERMINAL_NAMES[name]}")
        return str(text), text
    try:
        pattern = parser().get_terminal(name).pattern
        if pattern.type == "str":
            return f"`{pattern.value}`", f"`{pattern.value}`"
    except KeyError:
        pass
    return name.lower(), name.lower()


def _expected(names) -> Msg:
    shown = [text for _, text in sorted(dict(_terminal_name(n) for n in names).items())]
    if len(shown) > 8:
        shown = shown[:8] + ["…"]
    return msg("error.expected", what=tuple(shown))


def syntax_diagnostic(exc: UnexpectedInput, source: Source, base: int = 0, where: bool = False) -> Diagnostic:
    """A `syntax-error` diagnostic for a Lark error, positioned in `source` (offset `base`)."""
    pos = base + (exc.pos_in_stream or 0)
    help_ = None
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        pos = len(source.text.rstrip()) if base == 0 else pos  # just after the last thing written
        message = msg("error.unexpected_end")
        help_ = _expected(exc.expected)
        end = pos
    elif isinstance(exc, UnexpectedToken):
        tok = exc.token
        pos = base + tok.start_pos
        end = base + (tok.end_pos or tok.start_pos + 1)
        message = msg("error.unexpected", text=str(tok))
        help_ = _expected(exc.expected)
        word = str(tok)
        if tok.type in CATCH_ALL and tok.type not in exc.expected:
            # a sentence or hours terminal swallowed the rest of the line: show its first word only
            word = word.split()[0]
            end = pos + len(word)
            message = msg("error.unexpected", text=word)
            if word.startswith('"'):
                end = pos + len(str(tok).rstrip())
                message, help_ = msg("error.open_string"), msg("error.open_string_help")
        if exc.expected & {"POLICY", "RULE", "TIMEZONE"}:
            hint = did_you_mean(word, KEYWORDS)
            message = msg("error.unexpected_statement", text=word)
            help_ = did_you_mean_msg(hint) if hint else msg("error.statements",
                                                             keywords=", ".join(f"`{k}`" for k in KEYWORDS))
        elif "THEN" in exc.expected and len(exc.expected) > 1 and where:
            help_ = msg("error.where_help")
        elif "THEN" in exc.expected and len(exc.expected) > 1:
            # (LALR's lookahead set here also holds `)`, `,` and `]`, which only confuse)
            help_ = msg("error.block_help")
    elif isinstance(exc, UnexpectedCharacters):
        ch = source.text[pos] if pos < len(source.text) else "?"
        message = msg("error.unexpected_char", char=f"`{ch}`" if ch.isprintable() else f"U+{ord(ch):04X}")
        end = pos + 1
        if exc.allowed:
            help_ = _expected(exc.allowed)
    elif isinstance(exc, UnexpectedEOF):
        pos = len(source.text)
        end = pos
        message = msg("error.unexpected_end")
        help_ = _expected(exc.expected)
    else:  # pragma: no cover - Lark has no other kinds
        end = pos + 1
        message = str(exc).splitlines()[0]
    return Diagnostic("syntax-error", ERROR, message, source.span(pos, max(end, pos)), help=help_,
                      source=source)


#: What the scan before parsing looks at. Strings and comments are matched first so that
#: brackets and words inside them do not count; a string stops at the end of its line, as
#: the grammar's STRING does.
_SCAN = re.compile(r"""
    (?P<string>"[^"\\\n]*(?:\\.[^"\\\n]*)*"?)
  | (?P<comment>\#[^\n]*)
  | (?P<open>[(\[])
  | (?P<close>[)\]])
  | (?<![\w.\-])(?:rule\s+(?P<rid>[A-Za-z0-9_][A-Za-z0-9_\-]*)|(?P<join>and|or|not)(?![\w\-]))
  | (?P<op>[+\-,*/×÷＊／])
""", re.VERBOSE)
_TERMS = frozenset({"join", "op"})

#: Parse-tree nodes that add a level of nesting to an expression (the grammar's operators).
NESTING_NODES = frozenset({"or_test", "and_test", "negation", "compare", "between", "in_list", "not_in_list",
                           "in_value", "not_in_value",
                           "is_missing", "is_present", "arith", "call"})

_SPLIT = msg("error.split_help")
TERMS_HELP = msg("error.terms_help", limit=MAX_TERMS)


def _limit(message: Msg, source: Source, start: int, end: int, help_: Msg) -> Diagnostic:
    return Diagnostic("syntax-error", ERROR, message, source.span(start, max(end, start + 1)), help=help_,
                      source=source)


def nesting_problem(text: str, source: Source, base: int = 0, start: str = "expr") -> Diagnostic | None:
    """Refuse, before parsing, text over the limits one regex pass can see.

    Parentheses and brackets nested deeper than MAX_NESTING, strings longer
    than MAX_STRING_CHARS, more than MAX_RULES rules (start="start") and more
    than MAX_TERMS terms in one rule or expression: the LALR parser never sees
    them (a 20,000-term condition would cost it seconds). Terms are counted by
    what joins or changes them: `and`, `or`, `not`, `+`, `-`, `*`, `/` and the commas
    between list items and arguments (a dash in a sentence word or a date
    counts too: the count is a bound, far above real rules). The scan may
    over-count in odd text; it never under-counts.
    """
    depth, rules, terms = 0, 0, 1
    rule_id: str | None = None
    whole = start == "start"
    opened: list[str] = []  # the brackets open here: a comma between list items is data, not a term
    for m in _SCAN.finditer(text):
        kind = m.lastgroup
        if kind in ("open", "close"):
            _track(opened, m)
        if kind in _TERMS and not _list_comma(opened, m):
            terms += 1
            if terms > MAX_TERMS:
                what = msg("lint.who.rule", rule=rule_id) if rule_id else msg("error.the_condition")
                return _limit(msg("error.too_many_terms", what=what, limit=MAX_TERMS), source, base + m.start(),
                              base + m.end(), TERMS_HELP)
        elif kind == "open":
            depth += 1
            if depth > MAX_NESTING:
                return _limit(msg("error.too_deep", limit=MAX_NESTING), source,
                              base + m.start(), base + m.end(), _SPLIT)
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "string":
            if m.end() - m.start() - 2 > MAX_STRING_CHARS:
                return _limit(msg("error.long_string", limit=MAX_STRING_CHARS), source,
                              base + m.start(), base + m.start() + 1, msg("error.long_string_help", limit=MAX_STRING_CHARS))
        elif kind == "rid" and whole:
            rules += 1
            if rules > MAX_RULES:
                return _limit(msg("error.too_many_rules", limit=MAX_RULES), source,
                              base + m.start(), base + m.end(), msg("error.too_many_rules_help", limit=MAX_RULES))
            rule_id, terms, depth = m.group("rid"), 1, 0
            opened.clear()
    return None


def _track(opened: list[str], m: re.Match) -> None:
    """Keep the stack of open brackets up to date with a bracket the scan met."""
    if m.lastgroup == "open":
        opened.append(m.group())
    elif opened:
        opened.pop()


def _list_comma(opened: list[str], m: re.Match) -> bool:
    """A comma directly inside `[...]` separates list items: a list of literals is data (a merchant's
    3,000 SKUs), so its commas do not count against MAX_TERMS; what the items compute still does."""
    return m.group() == "," and bool(opened) and opened[-1] == "["


def count_terms(text: str) -> int:
    """The terms of an expression's text as the limit counts them (strings and comments aside).

    >>> count_terms('a and (b or not c) and d - 1 in [2, 3] and e == "x and y"')
    7
    """
    terms, opened = 1, []
    for m in _SCAN.finditer(text):
        if m.lastgroup in ("open", "close"):
            _track(opened, m)
        elif m.lastgroup in _TERMS and not _list_comma(opened, m):
            terms += 1
    return terms


def depth_problem(tree: Tree, source: Source, base: int = 0) -> Diagnostic | None:
    """Refuse an expression nested deeper than MAX_NESTING without parentheses (`not not ...`,
    `a - b - c ...`), at its first too-deep node. Walked without recursion, so that lowering,
    checking, evaluating and formatting (which recurse) never run out of stack."""
    stack: list[tuple[Tree, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data in NESTING_NODES:
            depth += 1
            if depth > MAX_NESTING:
                start = base + (0 if node.meta.empty else node.meta.start_pos)
                end = start  # underline the node's first word
                while end < len(source.text) and not source.text[end].isspace() and source.text[end] not in "()":
                    end += 1
                return _limit(msg("error.too_deep", limit=MAX_NESTING), source, start, end, _SPLIT)
        stack.extend((c, depth) for c in reversed(node.children) if isinstance(c, Tree))
    return None


#: Full-width punctuation Chinese input methods type, read as its ASCII twin.
FULL_WIDTH = str.maketrans({"：": ":", "，": ",", "（": "(", "）": ")", "￥": "¥", "；": ";",
                            "＊": "*", "／": "/", "×": "*", "÷": "/", "％": "%"})
_QUOTED = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*')


def ascii_punctuation(text: str) -> str:
    """`text` with full-width punctuation made ASCII outside strings and comments, one character for
    one, so that every offset (and every column of a message) stays that of the text as written.

    >>> ascii_punctuation('规则 a：escalate requests where x == "，"  # （')
    '规则 a:escalate requests where x == "，"  # （'
    """
    out, last = [], 0
    for m in _QUOTED.finditer(text):
        out.append(text[last:m.start()].translate(FULL_WIDTH))
        out.append(m.group())
        last = m.end()
    out.append(text[last:].translate(FULL_WIDTH))
    return "".join(out)


#: One item of a list the parser need not see: a string, a plain number or a word.
_LIST_ITEM = r'"(?:[^"\\\n]|\\.)*"|\d+(?:\.\d+)?(?![\w%:.¥\-])|[^\W\d]\w*'
LITERAL_LIST = re.compile(rf'\[\s*(?:{_LIST_ITEM})(?:\s*,\s*(?:{_LIST_ITEM}))*\s*,?\s*\]')
_ITEM = re.compile(_LIST_ITEM)
#: Lists with at least this many items are read by a regex instead of the LALR parser (a merchant's
#: 30,000 SKUs: 0.1 s instead of 3 s); what they give the lowering is the same parse tree.
BIG_LIST = 16


def shorten_lists(text: str, keep: int = 3) -> str:
    """Source text for display, each literal list longer than `keep` + 2 items cut after `keep` (an
    explanation need not quote 30,000 SKUs; what is cut is counted).

    >>> shorten_lists('item.sku in ["a", "b", "c", "d", "e", "f"]')
    'item.sku in ["a", "b", "c", … (6)]'
    """
    def cut(m: re.Match) -> str:
        items = _ITEM.findall(text, m.start() + 1, m.end() - 1)
        return m.group() if len(items) <= keep + 2 else f"[{', '.join(items[:keep])}, … ({len(items):,})]"
    return LITERAL_LIST.sub(cut, text) if text.count(",") > keep + 1 else text


def _set_aside_lists(text: str) -> tuple[str, dict[int, list[Tree]]]:
    """`text` with the items of each big literal list blanked (every offset kept), and the item trees
    by the offset of the list's `[`, to be put back into the parsed `list` nodes."""
    lists: dict[int, list[Tree]] = {}
    if text.count(",") < BIG_LIST:
        return text, lists
    out, last = [], 0
    for m in LITERAL_LIST.finditer(text):
        items = [i for i in _ITEM.finditer(text, m.start() + 1, m.end() - 1)]
        if len(items) < BIG_LIST or any(i.group() in ("true", "false") for i in items):
            continue
        lists[m.start()] = [_item_tree(i) for i in items]
        out.append(text[last:m.start() + 1])
        out.append(re.sub(r"[^\n]", " ", text[m.start() + 1:m.end() - 1]))
        last = m.end() - 1
    out.append(text[last:])
    return "".join(out), lists


def _item_tree(m: re.Match) -> Tree:
    """The tree the grammar gives one list item (`string`, `number`, or a one-word `path`)."""
    from lark import Token
    from lark.tree import Meta

    word = m.group()
    kind, terminal = ("string", "STRING") if word[0] == '"' else ("number", "NUMBER") if word[0].isdigit() \
        else ("path", "NAME")
    meta = Meta()
    meta.empty, meta.start_pos, meta.end_pos = False, m.start(), m.end()
    return Tree(kind, [Token(terminal, word, start_pos=m.start(), end_pos=m.end())], meta)


def parse(text: str, source: Source, start: str = "start", base: int = 0,
          where: bool = False) -> Tree | Diagnostic:
    """The parse tree of `text`, or the diagnostic for its first syntax error."""
    problem = nesting_problem(text, source, base, start)
    if problem:
        return problem
    text, lists = _set_aside_lists(ascii_punctuation(text))
    try:
        tree = parser().parse(text, start=start)
    except UnexpectedInput as exc:
        return syntax_diagnostic(exc, source, base, where)
    if lists:
        for node in tree.iter_subtrees():
            if node.data == "list" and not node.meta.empty and node.meta.start_pos in lists:
                node.children = lists[node.meta.start_pos]
    return depth_problem(tree, source, base) or tree
