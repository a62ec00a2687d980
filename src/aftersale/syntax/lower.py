"""Lowering: Lark's parse tree → the rule tree, in one place.

The grammar is a little permissive (it accepts `=`, any action name, any
header value) so that this step can say something useful about mistakes.
Every node gets its span here. Problems are collected as diagnostics.
"""
from __future__ import annotations

import dataclasses

import json
import re
from typing import assert_never
from datetime import date
from decimal import Decimal

from lark import Token, Tree

from .. import rules as ir
from ..diagnostics import Diagnostic, ERROR, did_you_mean, did_you_mean_msg
from ..locale import Msg, msg, plural_id
from ..events.fields import FIELDS, ITEM_FIELDS, ITEM_ROOT, ROOTS
from ..functions import FUNCTIONS, QUANTIFIERS
from ..limits import MAX_ID_CHARS, MAX_NAME_CHARS, MAX_SENTENCE_CHARS, MAX_TITLE_CHARS
from ..source import Source, Span
from .safety import ascii_digits
from ..values import (BOOL, DATE, DURATION, ENUM, LIST, MONEY, NUMBER, TEXT, TIME, TIMESTAMP, Type,
                      parse_decimal, parse_duration, parse_money, parse_time)
from .parser import LITERAL_LIST, parse
from .vocabulary import (ZH_ACTIONS, ZH_CURRENCIES, ZH_HOLIDAYS, ZH_HOURS, ZH_LANGUAGES, ZH_PLATFORMS,
                         ZH_VALUES)

PLATFORMS = ("douyin", "kuaishou", "other")
LANGUAGES = ("zh", "en")
CURRENCIES = ("CNY",)

#: The type of `a op b` for + and -, by operand types.
ARITH_TYPES = {
    (MONEY, MONEY): MONEY, (MONEY, NUMBER): MONEY, (NUMBER, MONEY): MONEY,
    (NUMBER, NUMBER): NUMBER, (DURATION, DURATION): DURATION,
    (TIMESTAMP, DURATION): TIMESTAMP, ("-", TIMESTAMP, TIMESTAMP): DURATION,
}
#: The type of `a op b` for * and /: money scaled by a number (a percentage is a number); nothing else.
SCALE_TYPES = {("*", MONEY, NUMBER): MONEY, ("*", NUMBER, MONEY): MONEY, ("/", MONEY, NUMBER): MONEY}


class Lowering:
    """Lowers parse trees of one source; collects diagnostics in `self.diagnostics`."""

    def __init__(self, source: Source):
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.lists: dict[str, ir.NamedList] = {}   # the header's named lists (read before any rule)
        self._options: dict[str, tuple[ir.Literal, ...]] = {}

    # -- helpers ---------------------------------------------------------------
    def error(self, name: str, message: str | Msg, span: Span, help: str | Msg | None = None,
              rule: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(name, ERROR, message, span, rule=rule, help=help,
                                           source=self.source))

    def span_of(self, item, base: int, fixed: Span | None = None) -> Span:
        if fixed is not None:
            return fixed
        if isinstance(item, Token):
            return self.source.span(base + item.start_pos, base + item.end_pos)
        meta = item.meta
        if getattr(meta, "empty", True):
            return self.source.span(base, base)
        return self.source.span(base + meta.start_pos, base + meta.end_pos)

    # -- expressions -----------------------------------------------------------
    def expression_text(self, text: str, base: int, *, fixed: Span | None = None,
                        item: bool = False, where: bool = False) -> ir.Expr | None:
        """Parse and lower an expression written at offset `base` of the source (`where`: a
        sentence's `where` condition, whose errors say how it ends the sentence)."""
        tree = parse(text, self.source, start="expr", base=base, where=where)
        if isinstance(tree, Diagnostic):
            if fixed is not None:  # an error inside a vocabulary template points at the phrase
                tree = Diagnostic(tree.name, tree.severity, tree.message, fixed, help=tree.help,
                                  source=self.source)
            self.diagnostics.append(tree)
            return None
        return self.expr(tree, base, fixed, item)

    def expr(self, t, base: int, fixed: Span | None = None, item: bool = False) -> ir.Expr:
        span = self.span_of(t, base, fixed)
        low = lambda x, it=item: self.expr(x, base, fixed, it)  # noqa: E731
        if isinstance(t, Token):  # pragma: no cover - the grammar wraps every token
            raise AssertionError(t)
        kind = t.data
        c = t.children
        if kind == "or_test":
            return ir.Or(tuple(low(x) for x in c), span=span)
        if kind == "and_test":
            return ir.And(tuple(low(x) for x in c), span=span)
        if kind == "negation":
            return ir.Not(low(c[0]), span=span)
        if kind == "compare":
            op = str(c[1])
            if op == "=":
                self.error("syntax-error", msg("error.single_equals"), self.span_of(c[1], base, fixed),
                           help=msg("error.single_equals_help"))
                op = "=="
            return ir.Compare(op, low(c[0]), low(c[2]), span=span)
        if kind == "between":
            return ir.Between(low(c[0]), low(c[1]), low(c[2]), span=span)
        if kind in ("in_list", "not_in_list"):
            options = tuple(low(x) for x in c[1].children if x is not None)
            return ir.InList(low(c[0]), options, kind == "not_in_list", span=span)
        if kind in ("in_value", "not_in_value"):
            return self.membership(low(c[0]), c[1], kind == "not_in_value", base, fixed, item, span)
        if kind in ("is_missing", "is_present"):
            return ir.Presence(low(c[0]), kind == "is_present", span=span)
        if kind == "arith":
            left, right = low(c[0]), low(c[2])
            op = str(c[1])
            lt, rt = _type(left), _type(right)
            scale = op in ir.SCALINGS
            result = (SCALE_TYPES.get((op, lt, rt)) if scale else
                      ARITH_TYPES.get((op, lt, rt)) or ARITH_TYPES.get((lt, rt)))
            if result is None and Type.ANY in (lt, rt):
                result = Type.ANY  # already reported where the operand was lowered
            elif result is None:
                self.error("type-mismatch", msg("error.arith", left=str(lt), op=op, right=str(rt)), span,
                           help=msg("error.scale_help" if scale else "error.arith_help"))
                result = Type.ANY
            return ir.Arith(op, left, right, result, span=span)
        if kind == "call":
            return self.call(t, base, fixed, item, span)
        if kind == "path":
            return self.path([str(x) for x in c], span, item)
        return self.literal(kind, c[0] if c else None, span)

    def membership(self, subject: ir.Expr, right: Tree, negated: bool, base, fixed, item, span) -> ir.Expr:
        """`x in NAME` (a list the header names), `"x" in item.tags` (a list field: `contains(item.tags, "x")`,
        one meaning, one node), and `not in` of either."""
        name = _dashed_name(right)
        if name is not None and name in self.lists:
            return ir.InList(subject, self.list_options(name), negated, name, span=span)
        rspan = self.span_of(right, base, fixed)
        if name is not None and name not in FIELDS:
            hint = did_you_mean(name, self.lists)
            self.error("named-list", msg("error.unknown_list", name=name), rspan,
                       help=did_you_mean_msg(hint) if hint else msg("error.unknown_list_help", name=name))
            return ir.InList(subject, (), negated, span=span)
        collection = self.expr(right, base, fixed, item)
        if not (isinstance(collection, ir.Field) and collection.type is LIST and collection.dotted != "order.items"):
            if _type(collection) is not Type.ANY:
                self.error("type-mismatch", msg("error.in_needs_list"), rspan, help=msg("error.in_needs_list_help"))
            return ir.InList(subject, (), negated, span=span)
        has = ir.Call("contains", (collection, subject), span=span)
        return ir.Not(has, span=span) if negated else has

    def list_options(self, name: str) -> tuple[ir.Literal, ...]:
        """The literals of a named list, made once per policy (every use shares them)."""
        options = self._options.get(name)
        if options is None:
            declared = self.lists[name]
            # Each value points at the declaration but has no source text of its own (a record shows `"SKU-1"`,
            # not the file's name): a zero-width span there.
            at = dataclasses.replace(declared.span, end_line=declared.span.line, end_column=declared.span.column,
                                     end=declared.span.start)
            options = tuple(ir.Literal(v, TEXT, json.dumps(v, ensure_ascii=False), span=at) for v in declared.values)
            self._options[name] = options
        return options

    def call(self, t: Tree, base, fixed, item, span) -> ir.Expr:
        name_tok, *args = t.children
        args = [a for a in args if a is not None]
        name = str(name_tok)
        if name in QUANTIFIERS:
            if item:
                self.error("syntax-error", msg("error.nested_quantifier", name=name), span)
            if not args or len(args) > 2 or (name != "count" and len(args) != 2):
                self.error("type-mismatch", msg("error.quantifier_args", name=name), span,
                           help=msg("error.quantifier_count" if name == "count" else "error.quantifier_usage",
                                    name=name))
                return ir.Quantifier(name, ir.Field(("order", "items"), LIST), None, span=span)
            collection = self.expr(args[0], base, fixed, False)
            if not (isinstance(collection, ir.Field) and collection.type is LIST):
                self.error("type-mismatch", msg("error.quantifier_list", name=name), collection.span)
                collection = ir.Field(("order", "items"), LIST, span=collection.span)
            condition = self.expr(args[1], base, fixed, True) if len(args) == 2 else None
            return ir.Quantifier(name, collection, condition, span=span)
        function = FUNCTIONS.get(name)
        lowered = tuple(self.expr(a, base, fixed, item) for a in args)
        if function is None:
            hint = did_you_mean(name, list(FUNCTIONS) + list(QUANTIFIERS))
            self.error("unknown-function", msg("error.unknown_function", name=name),
                       self.span_of(name_tok, base, fixed),
                       help=did_you_mean_msg(hint) if hint else
                       msg("error.functions", names=", ".join(sorted(list(FUNCTIONS) + list(QUANTIFIERS)))))
        elif len(lowered) != len(function.params):
            wanted = len(function.params)
            self.error("type-mismatch", msg(plural_id("error.arguments", wanted), name=name, n=wanted,
                                            given=len(lowered)),
                       span, help=msg(f"function.{name}"))
        return ir.Call(name, lowered, span=span)

    def path(self, parts: list[str], span: Span, item: bool) -> ir.Expr:
        dotted = ".".join(parts)
        if item and parts[0] == ITEM_ROOT:
            rest = ".".join(parts[1:])
            info = ITEM_FIELDS.get(rest)
            if info is None:
                hint = did_you_mean(rest, ITEM_FIELDS)
                self.error("unknown-field", msg("error.unknown_item_field", field=dotted), span,
                           help=did_you_mean_msg(f"item.{hint}") if hint else
                           msg("error.item_fields", fields=", ".join(f"item.{k}" for k in ITEM_FIELDS)))
                return ir.Field(tuple(parts), Type.ANY, span=span)
            return ir.Field(tuple(parts), info.type, span=span)
        if parts[0] in ROOTS or len(parts) > 1:
            info = FIELDS.get(dotted)
            if info is None:
                hint = did_you_mean(dotted, FIELDS)
                self.error("unknown-field", msg("error.unknown_field_item" if parts[0] == ITEM_ROOT
                                                else "error.unknown_field", field=dotted), span,
                           help=did_you_mean_msg(hint) if hint else None)
                return ir.Field(tuple(parts), Type.ANY, span=span)
            return ir.Field(tuple(parts), info.type, span=span)
        # A bare word: an enum value (or a word compared with text); checked against its use.
        # A Chinese word names its value (`生鲜` = fresh, `七天无理由` = no_reason_7d).
        return ir.Literal(ZH_VALUES.get(parts[0], parts[0]), ENUM, parts[0], span=span)

    def literal(self, kind: str, tok, span: Span) -> ir.Literal:
        text = str(tok) if tok is not None else kind
        try:
            if kind != "string":
                text = ascii_digits(text)
            if kind == "money":
                return ir.Literal(parse_money(text), MONEY, text, span=span)
            if kind == "percent":
                return ir.Literal(parse_decimal(text[:-1]) / 100, NUMBER, text, span=span)
            if kind == "duration":
                return ir.Literal(parse_duration(text), DURATION, text, span=span)
            if kind == "time_of_day":
                return ir.Literal(parse_time(text), TIME, text, span=span)
            if kind == "date":
                try:
                    return ir.Literal(date.fromisoformat(text), DATE, text, span=span)
                except ValueError:
                    raise ValueError(msg("error.not_a_date", text=text)) from None
            if kind == "number":
                return ir.Literal(parse_decimal(text), NUMBER, text, span=span)
            if kind == "string":
                return ir.Literal(json.loads(text), TEXT, text, span=span)
            if kind in ("true", "false"):
                return ir.Literal(kind == "true", BOOL, kind, span=span)
        except ValueError as exc:
            problem = exc.args[0] if exc.args and isinstance(exc.args[0], Msg) else str(exc).split("\n")[0]
            self.error("syntax-error", problem, span)
            return ir.Literal(None, Type.ANY, text, span=span)
        raise AssertionError(kind)  # pragma: no cover

    # -- statements --------------------------------------------------------------
    def policy(self, tree: Tree, default_name: str) -> ir.Policy:
        header: dict = {}
        spans: dict[str, Span] = {}
        rules: list[ir.Rule] = []
        for st in tree.children:  # the named lists first: a rule may use one declared below it
            if st.data == "named_list":
                self.named_list(str(st.children[0]), st.children[1], self.span_of(st.children[0], 0),
                                self.span_of(st.children[1], 0))
        for st in tree.children:
            span = self.span_of(st, 0)
            key = st.data
            if key == "named_list":
                continue
            if key == "rule":
                rule = self.rule(st)
                if rule is not None:
                    rules.append(rule)
                continue
            if key in spans:
                self.error("syntax-error", msg("error.header_twice", key=key.replace('_', ' ')), span,
                           help=msg("error.first_at", line=str(spans[key].line)))
                continue
            spans[key] = span
            tok = st.children[0]
            value = str(tok)
            vspan = self.span_of(tok, 0)
            if key == "policy_name":
                header["name"] = self.text_value(value, vspan, "name", MAX_NAME_CHARS)
                if not header["name"]:
                    self.error("syntax-error", msg("error.empty_name"), vspan, help=msg("error.empty_name_help"))
            elif key == "platform":
                header["platform"] = self.check_choice(ZH_PLATFORMS.get(value, value), PLATFORMS, "platform", vspan)
            elif key == "language":
                header["language"] = self.check_choice(ZH_LANGUAGES.get(value, value), LANGUAGES, "language", vspan)
            elif key == "timezone":
                header["timezone"] = self.check_timezone(value, vspan)
            elif key == "currency":
                header["currency"] = self.check_choice(ZH_CURRENCIES.get(value, value), CURRENCIES, "currency",
                                                       vspan)
            elif key == "service_hours":
                header["service_hours"] = self.check_hours(value, tok.start_pos)
            elif key == "holidays":
                header["holidays"] = self.check_holidays(ZH_HOLIDAYS.get(value, value), vspan)
            elif key == "otherwise":
                header["otherwise"] = self.check_action(value, vspan)
        self.check_rule_ids(rules)
        if self.lists:
            header["lists"] = tuple(self.lists.values())
        return ir.Policy(header.pop("name", default_name), tuple(rules),
                         **{k: v for k, v in header.items() if v is not None},
                         source=self.source, spans=spans, span=self.source.span(0, len(self.source.text)))

    def rule(self, st: Tree) -> ir.Rule | None:
        id_tok, title_tok, body = st.children
        rule_id = str(id_tok)
        span = self.span_of(st, 0)
        id_span = self.span_of(id_tok, 0)
        title = (self.text_value(str(title_tok), self.span_of(title_tok, 0), "title", MAX_TITLE_CHARS)
                 if title_tok is not None else None) or None  # an empty title is no title (as fmt writes it)
        if len(rule_id) > MAX_ID_CHARS:
            self.error("syntax-error", msg("error.long_id", limit=MAX_ID_CHARS), id_span, rule=rule_id,
                       help=msg("error.long_id_help", limit=MAX_ID_CHARS))
        if isinstance(body, Token):  # a sentence
            from .sentences import lower_sentence

            # as written (full-width punctuation and all): fmt keeps it unless asked for a language
            text = self.source.text[body.start_pos:body.end_pos].rstrip()
            if sentence_length(text) > MAX_SENTENCE_CHARS:
                self.error("syntax-error", msg("error.long_sentence", limit=MAX_SENTENCE_CHARS),
                           self.span_of(body, 0), rule=rule_id, help=msg("error.long_sentence_help"))
                return None
            lowered = lower_sentence(self, text, body.start_pos, rule_id)
            if lowered is None:
                return None
            action, forbids, when = lowered
            return ir.Rule(rule_id, when, action, forbids, title, sentence_text(text),
                           span=span, id_span=id_span)
        condition, outcome = body.children
        when = self.expr(condition, 0)
        action, forbids = self.outcome(outcome)
        return ir.Rule(rule_id, when, action, forbids, title, None, span=span, id_span=id_span)

    def outcome(self, outcome: Tree) -> tuple[str | None, tuple[str, ...]]:
        names = [(str(t), self.span_of(t, 0)) for t in outcome.children]
        if outcome.data == "then_action":
            name, span = names[0]
            return self.check_action(name, span), ()
        return None, tuple(self.check_action(n, s) for n, s in names)

    def named_list(self, name: str, quoted: str, name_span: Span, file_span: Span) -> None:
        """Read a header's `list NAME from "FILE"` (DSL; YAML passes the file name unquoted)."""
        from .lists import read_list

        if name in self.lists:
            first = self.lists[name]
            self.error("named-list", msg("error.duplicate_list", name=name), name_span,
                       help=msg("error.first_at", line=str(first.span.line)))
            return
        file = self.text_value(quoted, file_span, "file", MAX_NAME_CHARS) if quoted.startswith('"') else quoted
        values, problems = read_list(file, self.source, file_span)
        self.diagnostics.extend(problems)
        self.lists[name] = ir.NamedList(name, file, values, span=file_span)

    # -- checks shared with the YAML front end ---------------------------------------
    def text_value(self, quoted: str, span: Span, what: str, limit: int) -> str:
        """The value of a quoted DSL string (`what`: name, title), checked against its length limit."""
        try:
            value = json.loads(quoted)
        except ValueError:
            self.error("syntax-error", msg("error.bad_escape", what=msg(f"error.what.{what}")), span,
                       help=msg("error.bad_escape_help"))
            return quoted.strip('"')
        if len(value) > limit:
            self.error("syntax-error", msg("error.too_long", what=msg(f"error.what.{what}"), limit=limit), span,
                       help=msg("error.too_long_help", what=msg(f"error.what.{what}"), limit=limit))
        return value

    def check_action(self, name: str, span: Span) -> str:
        name = ZH_ACTIONS.get(name, name)
        if name not in ir.ACTIONS:
            hint = did_you_mean(name, ir.ACTIONS)
            self.error("unknown-action", msg("error.unknown_action", action=name), span,
                       help=did_you_mean_msg(hint) if hint else msg("error.actions", actions=", ".join(ir.ACTIONS)))
        return name

    def check_choice(self, value: str, choices, what: str, span: Span) -> str:
        if value not in choices:
            hint = did_you_mean(value, choices)
            self.error("unknown-value", msg("error.unknown_choice", what=msg(f"error.what.{what}"), value=value), span,
                       help=did_you_mean_msg(hint) if hint else
                       msg("error.one_of", what=msg(f"error.what.{what}"), choices=", ".join(choices)))
        return value

    def check_timezone(self, value: str, span: Span) -> str:
        """Only canonical IANA names: `localtime`, `posixrules`, `Factory` would make decisions depend on the host."""
        from .safety import canonical_zones

        zones = canonical_zones()
        if value not in zones:
            folded = {z.lower(): z for z in zones}
            hint = folded.get(str(value).lower()) or did_you_mean(str(value), zones)
            self.error("invalid-timezone", msg("error.unknown_zone", zone=value), span,
                       help=msg("error.zone_hint", hint=hint) if hint else msg("error.zone_help"))
            return "Asia/Shanghai"
        return value

    def check_hours(self, spec: str, offset: int | None, span: Span | None = None, mapping=None):
        from ..hours import HoursError, ServiceHours

        spec, at = hours_in_english(spec) if spec else (spec, [])
        try:
            return ServiceHours.from_mapping(mapping) if mapping is not None else ServiceHours.parse(spec)
        except HoursError as exc:
            if offset is not None:
                start = at[min(exc.start, len(at) - 1)] if at else exc.start
                end = at[exc.end - 1] + 1 if at and 0 < exc.end <= len(at) else start + 1
                where = self.source.span(offset + start, offset + max(end, start + 1))
            else:
                where = span
            self.error("invalid-hours", exc.problem, where, help=msg("error.hours_help"))
            return None

    def check_holidays(self, value: str, span: Span) -> str | None:
        from ..hours import Calendar, HoursError

        try:
            Calendar(value)
        except HoursError as exc:
            self.error("unknown-value", exc.problem, span)
            return None
        return value

    def check_rule_ids(self, rules: list[ir.Rule]) -> None:
        seen: dict[str, ir.Rule] = {}
        for rule in rules:
            if rule.id in seen:
                first = seen[rule.id]
                self.error("duplicate-rule-id", msg("error.duplicate_id", rule=rule.id), rule.id_span,
                           help=msg("error.duplicate_id_help", rule=rule.id, line=str(first.span.line)),
                           rule=rule.id)
            else:
                seen[rule.id] = rule


_ZH_HOURS = re.compile("|".join(sorted(map(re.escape, ZH_HOURS), key=len, reverse=True)))


def hours_in_english(spec: str) -> tuple[str, list[int]]:
    """Service hours written in Chinese (`周一至周五 09:00-18:00，周六 10:00-16:00`) in the English
    the hours parser reads, with the offset in `spec` of each character of the result.

    >>> hours_in_english("周一至周五 9:00-18:00")[0]
    'mon-fri 9:00-18:00'
    """
    out: list[str] = []
    at: list[int] = []
    i = 0
    while i < len(spec):
        m = _ZH_HOURS.match(spec, i)
        word, size = (ZH_HOURS[m.group()], len(m.group())) if m else (spec[i], 1)
        out.append(word)
        at.extend([i] * len(word))
        i += size
    return "".join(out), at


def _dashed_name(t) -> str | None:
    """The name a list is used by, when the right side of `in` is one (`promo-skus` parses as
    `promo - skus`, `sku2024` as a word); None for anything else (a field such as `item.tags`)."""
    if not isinstance(t, Tree):
        return None
    if t.data == "path" and len(t.children) == 1:
        return str(t.children[0])
    if t.data == "number":
        return str(t.children[0])
    if t.data == "arith" and str(t.children[1]) == "-":
        left, right = _dashed_name(t.children[0]), _dashed_name(t.children[2])
        return f"{left}-{right}" if left is not None and right is not None else None
    return None


def nesting_depth(expr: ir.Expr) -> int:
    """Levels of operators in a condition (fields and literals are not levels), counted as the
    parser's depth check counts them; iterative.

    >>> nesting_depth(ir.Not(ir.And((ir.Field(("buyer", "risk_passed"), BOOL), ir.Literal(True, BOOL)))))
    2
    """
    deepest, stack = 0, [(expr, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (ir.Field, ir.Literal)):
            continue
        depth += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in node.children())
    return deepest


def sentence_length(text: str) -> int:
    """A sentence's length as MAX_SENTENCE_CHARS counts it: a list of literals counts as `[]`, so that
    a merchant's 3,000 SKUs fit in `where any(order.items, item.sku in [...])`.

    >>> sentence_length('escalate requests where request.reason in ["a", "b", c]')
    44
    """
    return len(LITERAL_LIST.sub("[]", text))


_QUOTED_OR_SPACE = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"|\s+')


def sentence_text(text: str) -> str:
    """A sentence as a rule keeps it: runs of whitespace made one space, except inside quotes
    (a `where` expression's string must keep its value, or fmt would change the rule).

    >>> sentence_text('escalate  requests\\n where request.tracking.number == "a  b"  ')
    'escalate requests where request.tracking.number == "a  b"'
    """
    return _QUOTED_OR_SPACE.sub(lambda m: m.group() if m.group().startswith('"') else " ", text).strip()


def _type(expr: ir.Expr) -> Type:
    """The static type of an expression (fields and literals carry theirs)."""
    match expr:
        case ir.Field() | ir.Literal() | ir.Arith():
            return expr.type
        case ir.Call():
            fn = FUNCTIONS.get(expr.function)
            return fn.returns if fn else Type.ANY
        case ir.Quantifier():
            return NUMBER if expr.kind == "count" else BOOL
        case ir.Compare() | ir.Between() | ir.InList() | ir.Presence() | ir.And() | ir.Or() | ir.Not():
            return BOOL
        case _:
            assert_never(expr)


static_type = _type

__all__ = ["Lowering", "static_type", "Decimal"]
