"""Rule-tree expressions → sqlglot expressions, with the meaning `semantics` gives them.

A missing value and an unknown condition are both SQL NULL, and SQL's AND, OR,
NOT, comparisons, IN and BETWEEN are three-valued exactly as semantics.and3,
or3, not3, compare, member and between are. Values inside the query:

- money DECIMAL(18, 2), numbers DECIMAL(38, 18) (exact, never DOUBLE);
- timestamps and durations BIGINT microseconds (timestamps since the epoch);
- times of day BIGINT microseconds since midnight, dates BIGINT days since 1970-01-01;
- enums and text, text; yes/no, BOOLEAN.

What has no exact translation raises `Refused`, naming the rule and the construct.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import assert_never
from datetime import date, datetime, time, timedelta, timezone

from sqlglot import exp

from ... import rules as ir
from ...diagnostics import AftersaleError, Diagnostic, ERROR
from ...functions import FUNCTIONS
from ...limits import MAX_YEAR, MIN_YEAR
from ...rules import Op, Quant
from ...schema import number_bounds
from ...values import BOOL, DATE, DURATION, ENUM, LIST, MONEY, NUMBER, TEXT, TIME, TIMESTAMP, Type
from .calendar import CalendarSql
from .dialects import Dialect
from .schema import ITEMS, MONEY_SQL, NUMBER_SQL

DAY_US = 86_400_000_000
SECOND_US = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: The instants a computed timestamp may hold (limits.MIN_YEAR..MAX_YEAR, read in UTC), in microseconds.
LOWEST_US = (datetime(MIN_YEAR, 1, 1, tzinfo=timezone.utc) - EPOCH) // timedelta(microseconds=1)
#: Money divided by P/Q (`/ 3`) floors a DECIMAL by 2P: Spark's DECIMAL quotient keeps 6 places, which
#: is exact for the floor only while 2P < 2,000,000 (dialects.Dialect.floor_div).
MAX_DIVISOR = 1_000_000
HIGHEST_US = (datetime(MAX_YEAR + 1, 1, 1, tzinfo=timezone.utc) - EPOCH) // timedelta(microseconds=1) - 1

#: Types whose values may be compared with each other (the same representation and Python comparison).
_FAMILY = {MONEY: "decimal", NUMBER: "decimal", DURATION: "duration", TIMESTAMP: "timestamp", TIME: "time",
           DATE: "date", ENUM: "text", TEXT: "text", BOOL: "bool"}
_CMP = {Op.EQ: exp.EQ, Op.NE: exp.NEQ, Op.LT: exp.LT, Op.LE: exp.LTE, Op.GT: exp.GT, Op.GE: exp.GTE}


class Refused(AftersaleError):
    """A construct the SQL backend cannot translate with the reference meaning."""

    def __init__(self, rule: ir.Rule | None, construct: str, node: ir.Node | None = None):
        where = f"rule `{rule.id}`" if rule is not None else "the policy"
        span = node.span if node is not None and node.span is not None else (rule.span if rule else None)
        super().__init__(Diagnostic("sql-unsupported", ERROR,
                                    f"{where} cannot be translated to SQL: {construct}", span))
        self.rule, self.construct = rule, construct


def lit(n: int) -> exp.Expression:
    return exp.Literal.number(n)


def us(value: timedelta | datetime) -> int:
    if isinstance(value, datetime):
        value = value - EPOCH
    return value // timedelta(microseconds=1)


def pmod(x: exp.Expression, n: int) -> exp.Expression:
    """x mod n in 0..n-1 also for negative x (SQL's % keeps the sign of x)."""
    return exp.Mod(this=exp.paren(exp.Add(this=exp.Mod(this=x, expression=lit(n)), expression=lit(n))),
                   expression=lit(n))


def floor_div(x: exp.Expression, n: int) -> exp.Expression:
    """⌊x / n⌋ exactly, in integers (DuckDB's `//` floors, Spark's DIV truncates: neither is used bare)."""
    return exp.IntDiv(this=exp.paren(exp.Sub(this=x, expression=pmod(x, n))), expression=lit(n))


def null_unless(args: list[exp.Expression], then: exp.Expression) -> exp.Expression:
    """NULL when an argument is NULL (semantics.call: a function of a missing value is missing)."""
    if not args:
        return then
    return exp.Case(ifs=[exp.If(this=exp.or_(*(a.is_(exp.null()) for a in args)), true=exp.null())],
                    default=then)


def case(pairs: list[tuple[exp.Expression, exp.Expression]], default: exp.Expression) -> exp.Expression:
    if not pairs:
        return default
    return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in pairs], default=default)


@dataclass(frozen=True)
class Scope:
    """Where a field is read: the row (`table`), the evaluation moment `at` (BIGINT µs), one item."""

    table: str
    at: exp.Expression
    item: exp.Expression | None = None
    depth: int = 0  # nesting of lambdas, for fresh parameter names


class Translator:
    def __init__(self, policy: ir.Policy, dialect: Dialect, calendar: CalendarSql):
        self.policy, self.dialect, self.calendar = policy, dialect, calendar
        self.rule: ir.Rule | None = None

    def refuse(self, construct: str, node: ir.Node | None = None):
        raise Refused(self.rule, construct, node)

    # -- types ---------------------------------------------------------------------

    def kind(self, e: ir.Expr) -> Type:
        """The static type of an expression (Arith's is worked out from its operands)."""
        match e:
            case ir.Field(path=("at",)):
                return TIMESTAMP
            case ir.Arith():
                return _arith_type(e.op, self.kind(e.left), self.kind(e.right)) or Type.ANY
            case ir.Call():
                fn = FUNCTIONS.get(e.function)
                if fn is None:
                    self.refuse(f"unknown function `{e.function}`", e)
                return fn.returns
        return e.type

    # -- values ----------------------------------------------------------------------

    def scale(self, e: ir.Arith, s: Scope) -> exp.Expression:
        """Money `*` or `/` a constant number, rounded to the cent as semantics.scale rounds: the exact
        DECIMAL product, then ROUND(…, 2) (halves away from zero in DuckDB and Spark alike). Dividing is
        multiplying by the exact reciprocal where it is a finite decimal (`/ 2`), else `divide`."""
        money, number = (e.right, e.left) if self.kind(e.left) is NUMBER else (e.left, e.right)
        digits = _whole_digits(number) if e.op is Op.MUL else None
        if digits is not None:  # `item.price * item.quantity`: whole and bounded, the product is exact
            amount = exp.cast(self.value(money, s), exp.DataType.build("DECIMAL(20, 2)"))
            count = exp.cast(self.value(number, s), exp.DataType.build(f"DECIMAL({digits}, 0)"))
            return exp.Round(this=exp.paren(exp.Mul(this=amount, expression=count)), decimals=lit(2))
        if not isinstance(number, ir.Literal) or not isinstance(number.value, Decimal):
            what = f"`{number.dotted}`" if isinstance(number, ir.Field) else "a computed number"
            self.refuse(f"`{e.op}` by {what}, which is not a constant: SQL's DECIMAL arithmetic "
                        "would not round it as Python does", e)
        factor = number.value
        if e.op is Op.DIV:
            if not factor:
                return exp.null()  # dividing by zero is missing (semantics.scale)
            reciprocal = Fraction(1) / Fraction(factor)
            if not _finite(reciprocal):
                return self.divide(money, reciprocal, number, s)
            factor = Decimal(reciprocal.numerator) / Decimal(reciprocal.denominator)
        sign, digits, exponent = factor.normalize().as_tuple()
        scale_, width = max(-exponent, 0), max(len(digits), -exponent) + max(exponent, 0)
        if scale_ > 16 or width > 17:
            self.refuse(f"`{e.op} {number.text or factor}` has more digits than an exact DECIMAL product keeps", e)
        constant = exp.cast(exp.Literal.string(format(factor.normalize(), "f")),
                            exp.DataType.build(f"DECIMAL({max(width, 1)}, {scale_})"))
        amount = exp.cast(self.value(money, s), exp.DataType.build("DECIMAL(20, 2)"))
        return exp.Round(this=exp.paren(exp.Mul(this=amount, expression=constant)), decimals=lit(2))

    def divide(self, money: ir.Expr, reciprocal: Fraction, number: ir.Literal, s: Scope) -> exp.Expression:
        """Money divided by a constant whose reciprocal Q/P has no finite decimal (`/ 3`), in whole cents:
        n = cents × Q exactly, then sign(n) × ⌊(2|n| + P) / 2P⌋ (a half rounds away from zero)."""
        p, q = abs(reciprocal.denominator), reciprocal.numerator  # money / number = money × q / p
        if p >= MAX_DIVISOR:
            self.refuse(f"`/ {number.text}`: dividing exactly needs a divisor whose fraction's numerator is "
                        f"under {MAX_DIVISOR:,}", number)
        amount = exp.cast(self.value(money, s), exp.DataType.build("DECIMAL(20, 2)"))
        n = exp.cast(exp.Mul(this=amount, expression=exp.cast(lit(100 * abs(q)), exp.DataType.build("DECIMAL(20, 0)"))),
                     exp.DataType.build("DECIMAL(38, 0)"))
        halves = exp.Add(this=exp.Mul(this=lit(2), expression=exp.Abs(this=n)), expression=lit(p))
        cents = exp.Mul(this=exp.Sign(this=n), expression=self.dialect.floor_div(halves, 2 * p))
        if q < 0:
            cents = exp.Neg(this=exp.paren(cents))
        return exp.Mul(this=exp.cast(cents, exp.DataType.build("DECIMAL(38, 0)")),
                       expression=exp.cast(exp.Literal.string("0.01"), exp.DataType.build("DECIMAL(3, 2)")))

    def path(self, f: ir.Field, s: Scope) -> exp.Expression:
        """A field as stored in the row (or the item), NULL where it is absent."""
        if f.path == ("at",):
            return s.at
        if f.path[0] == "item":
            if s.item is None:
                return exp.null()  # the interpreter reads an absent root: missing
            node: exp.Expression = s.item
        else:
            node = exp.column(f.path[0], table=s.table, quoted=True)
        for name in f.path[1:]:
            node = exp.Dot(this=node, expression=exp.to_identifier(name, quoted=True))
        return node

    def field(self, f: ir.Field, s: Scope) -> exp.Expression:
        node = self.path(f, s)
        if f.path == ("at",):
            return node
        if f.type is TIMESTAMP:
            return self.dialect.epoch_us(node)
        if f.type is LIST and f.dotted != ITEMS and f.path[0] != "item":
            self.refuse(f"the list `{f.dotted}` can only be tested with `is present` / `is missing`", f)
        return node

    def literal(self, e: ir.Literal) -> exp.Expression:
        v, t = e.value, e.type
        if isinstance(v, bool):
            return exp.true() if v else exp.false()
        if t in (MONEY, NUMBER):
            exponent = v.as_tuple().exponent
            scale = max(-exponent, 0) if isinstance(exponent, int) else 0
            digits = len(v.as_tuple().digits)
            if scale > 18 or digits - scale > 20:
                self.refuse(f"the number `{e.text or v}` has more digits than DECIMAL(38, 18) holds", e)
            sql_type = MONEY_SQL if t is MONEY and scale <= 2 and digits - scale <= 16 else NUMBER_SQL
            return exp.cast(exp.Literal.string(format(v, "f")), exp.DataType.build(sql_type))
        if t is DURATION:
            return lit(us(v))
        if t is TIMESTAMP:
            return lit(us(v))
        if t is TIME:
            return lit(us(datetime.combine(date(1970, 1, 1), v, timezone.utc)))
        if t is DATE:
            return lit((v - date(1970, 1, 1)).days)
        if t in (ENUM, TEXT) and isinstance(v, str):
            return exp.Literal.string(v)
        self.refuse(f"a constant of type {t} (`{e.text or v!r}`)", e)

    def value(self, e: ir.Expr, s: Scope) -> exp.Expression:
        """The SQL value of an expression: NULL where the interpreter's is MISSING."""
        match e:
            case ir.Field():
                return self.field(e, s)
            case ir.Literal():
                return self.literal(e)
            case ir.Arith():
                return self.arith(e, s)
            case ir.Call():
                return self.call(e, s)
            case ir.Quantifier(kind=Quant.COUNT):
                return self.count(e, s)
            case ir.Compare() | ir.Between() | ir.InList() | ir.Presence() | ir.And() | ir.Or() | ir.Not() \
                    | ir.Quantifier():
                return self.holds(e, s)
            case _:
                assert_never(e)

    def arith(self, e: ir.Arith, s: Scope) -> exp.Expression:
        lt, rt = self.kind(e.left), self.kind(e.right)
        out = _arith_type(e.op, lt, rt)
        if out is None:  # Python raises TypeError: the interpreter gives MISSING
            self.refuse(f"`{e.op}` between a {lt} and a {rt}", e)
        if e.op in ir.SCALINGS:
            return self.scale(e, s)
        a, b = self.value(e.left, s), self.value(e.right, s)
        node = (exp.Add if e.op is Op.ADD else exp.Sub)(this=a, expression=b)
        if out is TIMESTAMP:  # a timestamp outside the years events may hold is missing (semantics.arith)
            node = exp.paren(node)
            return exp.Case(ifs=[exp.If(this=exp.Between(this=node, low=lit(LOWEST_US), high=lit(HIGHEST_US)),
                                        true=node)], default=exp.null())
        return exp.paren(node)

    def call(self, e: ir.Call, s: Scope) -> exp.Expression:
        args = [self.value(a, s) for a in e.args]
        f = e.function
        if f == "age":
            return null_unless(args, exp.paren(exp.Sub(this=s.at, expression=args[0])))
        if f == "contains" and isinstance(e.args[0], ir.Field) and e.args[0].type is LIST:  # `"x" in item.tags`: the list holds the value
            return null_unless(args, exp.ArrayContains(this=args[0], expression=args[1]))
        if f in ("contains", "starts_with", "ends_with"):
            text, part = args
            if f == "contains":
                body = exp.StrPosition(this=text, substr=part) > lit(0)
            elif f == "starts_with":
                body = exp.Substring(this=text, start=lit(1), length=exp.Length(this=part)).eq(part)
            else:
                body = exp.Right(this=text, expression=exp.Length(this=part)).eq(part)
            return null_unless(args, body)
        if f == "lower":
            return exp.Lower(this=args[0])
        if f == "length":
            return exp.cast(exp.Length(this=args[0]), exp.DataType.build(NUMBER_SQL))
        if f in self.calendar.FUNCTIONS:
            return null_unless(args, self.calendar.call(f, args[0], self))
        self.refuse(f"the function `{f}`", e)

    # -- quantifiers --------------------------------------------------------------------

    def _items(self, q: ir.Quantifier, s: Scope):
        if q.collection.dotted != ITEMS:
            self.refuse(f"a quantifier over `{q.collection.dotted}`", q)
        if s.item is not None:
            self.refuse("a quantifier inside a quantifier", q)
        return self.field(q.collection, s)

    def _each(self, q: ir.Quantifier, s: Scope, test) -> exp.Expression:
        """How many items pass `test(condition)`: SIZE(FILTER(items, i -> test(cond)))."""
        name = f"_i{s.depth}"
        param = exp.to_identifier(name)
        inner = replace(s, item=exp.column(name), depth=s.depth + 1)
        body = test(exp.paren(self.holds(q.condition, inner)))  # `NOT a IS TRUE` reads NOT (a IS TRUE)
        return exp.ArraySize(this=exp.ArrayFilter(this=self._items(q, s),
                                                  expression=exp.Lambda(this=body, expressions=[param])))

    def quantify(self, q: ir.Quantifier, s: Scope) -> exp.Expression:
        """any/all, three-valued like semantics.quantify_any / quantify_all; NULL when items are missing."""
        if q.condition is None:
            self.refuse(f"`{q.kind}` without a condition", q)
        items = self._items(q, s)
        true = self._each(q, s, lambda c: exp.paren(c).is_(exp.true()))
        false = self._each(q, s, lambda c: exp.paren(c).is_(exp.false()))
        unknown = self._each(q, s, lambda c: exp.paren(c).is_(exp.null()))
        if q.kind is Quant.ANY:
            pairs = [(true > lit(0), exp.true()), (unknown > lit(0), exp.null())]
            default = exp.false()
        else:
            pairs = [(false > lit(0), exp.false()), (unknown > lit(0), exp.null())]
            default = exp.true()
        return case([(items.is_(exp.null()), exp.null()), *pairs], default)

    def count(self, q: ir.Quantifier, s: Scope) -> exp.Expression:
        items = self._items(q, s)
        if q.condition is None:
            return exp.cast(exp.ArraySize(this=items), exp.DataType.build(NUMBER_SQL))
        unknown = self._each(q, s, lambda c: exp.paren(c).is_(exp.null()))
        true = self._each(q, s, lambda c: exp.paren(c).is_(exp.true()))
        return case([(unknown > lit(0), exp.null())], exp.cast(true, exp.DataType.build(NUMBER_SQL)))

    # -- conditions -----------------------------------------------------------------------

    def operand(self, e: ir.Expr, s: Scope) -> exp.Expression:
        """A compared value. A condition's value is the interpreter's truth (None for unknown), which
        compares unlike SQL NULL, so conditions are refused as operands."""
        if isinstance(e, ir.Condition) or (isinstance(e, ir.Quantifier) and e.kind is not Quant.COUNT):
            self.refuse("a condition used as a value", e)
        return self.value(e, s)

    def comparable(self, node: ir.Expr, *exprs: ir.Expr) -> None:
        families = {_FAMILY.get(self.kind(x)) for x in exprs}
        if len(families) != 1 or None in families:
            kinds = " and ".join(sorted({str(self.kind(x)) for x in exprs}))
            self.refuse(f"comparing {kinds}", node)

    def holds(self, e: ir.Expr, s: Scope) -> exp.Expression:
        """A condition: TRUE, FALSE or NULL (unknown)."""
        match e:
            case ir.And():
                return exp.paren(exp.and_(*(self.holds(x, s) for x in e.operands))) if e.operands else exp.true()
            case ir.Or():
                return exp.paren(exp.or_(*(self.holds(x, s) for x in e.operands))) if e.operands else exp.false()
            case ir.Not():
                return exp.Not(this=exp.paren(self.holds(e.operand, s)))
            case ir.Compare():
                self.comparable(e, e.left, e.right)
                if e.op not in _CMP:
                    self.refuse(f"`{e.op}` as a comparison", e)
                return exp.paren(_CMP[e.op](this=self.operand(e.left, s), expression=self.operand(e.right, s)))
            case ir.Between():
                self.comparable(e, e.subject, e.low, e.high)
                return exp.paren(exp.Between(this=self.operand(e.subject, s), low=self.operand(e.low, s),
                                             high=self.operand(e.high, s)))
            case ir.InList():
                if not e.options:  # found nothing: false (`not in`: true), unknown for a missing subject
                    return case([(self.operand(e.subject, s).is_(exp.null()), exp.null())],
                                exp.true() if e.negated else exp.false())
                self.comparable(e, e.subject, *e.options)
                if e.constants is not None and len(e.options) > SQL_LIST:  # a SKU list: one list literal
                    subject = self.operand(e.subject, s)
                    array = exp.Array(expressions=[self.operand(o, s) for o in e.options])
                    node = null_unless([subject], exp.ArrayContains(this=array, expression=subject))
                    return exp.paren(exp.Not(this=exp.paren(node)) if e.negated else node)
                node = exp.In(this=self.operand(e.subject, s), expressions=[self.operand(o, s) for o in e.options])
                return exp.paren(exp.Not(this=node) if e.negated else node)
            case ir.Presence():
                if isinstance(e.subject, ir.Condition) or (isinstance(e.subject, ir.Quantifier)
                                                           and e.subject.kind is not Quant.COUNT):
                    self.refuse("`is present` / `is missing` of a condition", e)
                subject = self.path(e.subject, s) if isinstance(e.subject, ir.Field) else self.value(e.subject, s)
                test = subject.is_(exp.null())
                return exp.Not(this=test) if e.present else test
            case ir.Quantifier(kind=Quant.ANY | Quant.ALL):
                return self.quantify(e, s)
            case ir.Field() | ir.Literal() | ir.Call() | ir.Arith() | ir.Quantifier():
                if self.kind(e) is not BOOL:
                    self.refuse(f"a {self.kind(e)} used as a condition", e)
                return self.value(e, s)
            case _:  # a node kind this module does not know is a bug, not a construct to refuse
                assert_never(e)


def _whole_digits(e: ir.Expr) -> int | None:
    """Digits of a number field the event schema keeps whole and non-negative under a maximum
    (`item.quantity`), so that money times it is an exact DECIMAL product; None for any other number."""
    if not isinstance(e, ir.Field):
        return None
    low, high, whole = number_bounds(e.path)
    if not whole or low is None or low < 0 or high is None or high >= 10 ** 12:
        return None
    return len(str(int(high)))


def _finite(q: Fraction) -> bool:
    """Whether `q` has a finite decimal form (its denominator has no prime factor but 2 and 5)."""
    d = q.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


#: Lists of literals longer than this are one list literal and `list_contains` (DuckDB binds a 30,000-item
#: `IN (...)` inside a lambda four times slower).
SQL_LIST = 64


def _arith_type(op: Op, a: Type, b: Type) -> Type | None:
    """The type of `a op b`, or None where Python's operators raise TypeError (the value is missing)."""
    if op in ir.SCALINGS:  # syntax.lower.SCALE_TYPES: money scaled by a number
        return MONEY if (a, b) == (MONEY, NUMBER) or (op is Op.MUL and (a, b) == (NUMBER, MONEY)) else None
    if a in (MONEY, NUMBER) and b in (MONEY, NUMBER):
        return MONEY if MONEY in (a, b) else NUMBER
    if a is DURATION and b is DURATION:
        return DURATION
    if a is TIMESTAMP and b is DURATION:
        return TIMESTAMP
    if a is DURATION and b is TIMESTAMP and op is Op.ADD:
        return TIMESTAMP
    if a is TIMESTAMP and b is TIMESTAMP and op is Op.SUB:
        return DURATION
    return None


__all__ = ["Translator", "Scope", "Refused", "DAY_US", "SECOND_US", "LOWEST_US", "HIGHEST_US", "lit", "pmod",
           "floor_div", "case", "us"]
