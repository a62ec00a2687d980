"""The rule tree (IR): immutable nodes, each with its source span.

Both front ends (DSL and YAML) produce these nodes; the evaluator, the
formatter, the explainer and the linter read them. Spans never take part in
equality, so the same policy written in DSL and in YAML gives equal trees.

>>> a = Compare("<", Field(("request", "amount"), MONEY), Literal(Decimal("300"), MONEY, "¥300"))
>>> b = Compare("<", Field(("request", "amount"), MONEY), Literal(Decimal("300.00"), MONEY, "300元"))
>>> a == b
True
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cached_property
from decimal import Decimal  # noqa: F401 - used by the doctest
from enum import Enum
from typing import Any, ClassVar, Iterator

from .functions import FUNCTIONS
from .source import NO_SPAN, Source, Span
from .values import ANY, BOOL, MONEY, NUMBER, Type  # noqa: F401

#: Actions a rule may take. `no_action` is not among them: only closed requests get it (semantics.py).
ACTIONS = ("approve_return", "approve_refund", "express_refund", "extend_receipt", "reject", "manual_review")
NO_ACTION = "no_action"


class Op(str, Enum):
    """Comparison and arithmetic operators (a `str` enum: `Op.LT == "<"`)."""

    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"

    def __str__(self) -> str:
        return self.value

    @property
    def flipped(self) -> "Op":
        """`a op b` is `b op.flipped a`."""
        return _FLIP[self]


_FLIP = {Op.EQ: Op.EQ, Op.NE: Op.NE, Op.LT: Op.GT, Op.LE: Op.GE, Op.GT: Op.LT, Op.GE: Op.LE}
COMPARISONS = (Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE)
#: `*` and `/`: they bind tighter than `+` and `-`, and scale money by a number.
SCALINGS = (Op.MUL, Op.DIV)


class Quant(str, Enum):
    """What a quantifier over items computes."""

    ANY = "any"
    ALL = "all"
    COUNT = "count"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Node:
    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)

    def children(self) -> Iterator["Node"]:
        """Direct child nodes, in field order (generic: walks dataclass fields)."""
        for name in _field_names(type(self)):
            value = getattr(self, name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, tuple):
                yield from (v for v in value if isinstance(v, Node))


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """A node class's dataclass field names, looked up once per class (`children` runs for every node
    of every tree walk: `dataclasses.fields` each time was a third of walking a 1,000-rule policy)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


# -- expressions -------------------------------------------------------------

@dataclass(frozen=True)
class Expr(Node):
    """An expression. Every kind has `type`, its static type, fixed when the tree is built."""


@dataclass(frozen=True)
class Condition(Expr):
    """An expression whose value is a truth (true, false or unknown)."""

    type: ClassVar[Type] = BOOL


@dataclass(frozen=True)
class Field(Expr):
    """A path into the event (`request.amount`), or into one item (`item.category`)."""

    path: tuple[str, ...]
    type: Type

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Literal(Expr):
    """A constant. `text` is how it was written (¥300, 300元), kept for display only."""

    value: Any
    type: Type
    text: str = field(default="", compare=False)


@dataclass(frozen=True)
class Compare(Condition):
    op: Op
    left: Expr
    right: Expr

    def __post_init__(self):
        object.__setattr__(self, "op", Op(self.op))


@dataclass(frozen=True)
class Between(Condition):
    """`subject between low and high`, inclusive at both ends."""

    subject: Expr
    low: Expr
    high: Expr


#: Options of an `in` that a trace records and an explanation lists one by one; a longer list of literals
#: is shown by its name or its size (a merchant's 30,000 SKUs).
SHOWN_OPTIONS = 10


@dataclass(frozen=True)
class InList(Condition):
    """`subject in [...]`, or `subject in NAME` of a list the header names (`name`: shown, never compared:
    what the rule means is its values, wherever they were written)."""

    subject: Expr
    options: tuple[Expr, ...]
    negated: bool = False
    name: str | None = field(default=None, compare=False)

    def __hash__(self) -> int:  # kept: analyses hash conditions often, and a list may hold 30,000 options
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash((self.subject, self.options, self.negated))

    @cached_property
    def texts(self) -> bool:
        """Whether every option is a literal text (`rules.walk` does not visit them)."""
        return self.constants is not None and all(isinstance(v, str) for v in self.constants)

    @cached_property
    def constants(self) -> frozenset | None:
        """The options' values when every option is a literal (a set lookup: semantics.member_set)."""
        if all(isinstance(o, Literal) and o.value is not None for o in self.options):
            try:
                return frozenset(o.value for o in self.options)
            except TypeError:  # pragma: no cover - every literal value is hashable
                return None
        return None


@dataclass(frozen=True)
class Presence(Condition):
    """`subject is present` (present=True) or `subject is missing`."""

    subject: Expr
    present: bool


@dataclass(frozen=True)
class And(Condition):
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or(Condition):
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Not(Condition):
    operand: Expr


@dataclass(frozen=True)
class Arith(Expr):
    """`left + right` or `left - right` on money, numbers, durations and timestamps; `left * right`
    and `left / right` scale money by a number (semantics.arith)."""

    op: Op
    left: Expr
    right: Expr
    type: Type = field(default=Type.ANY, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "op", Op(self.op))


@dataclass(frozen=True)
class Call(Expr):
    """A built-in function (functions.py); `type` is what it returns."""

    function: str
    args: tuple[Expr, ...]
    type: Type = field(default=Type.ANY, compare=False)

    def __post_init__(self):
        if self.type is Type.ANY:
            fn = FUNCTIONS.get(self.function)
            if fn is not None:
                object.__setattr__(self, "type", fn.returns)


@dataclass(frozen=True)
class Quantifier(Expr):
    """`any(order.items, cond)`, `all(...)`, `count(order.items[, cond])` over items."""

    kind: Quant
    collection: Field
    condition: Expr | None

    def __post_init__(self):
        object.__setattr__(self, "kind", Quant(self.kind))

    @property
    def type(self) -> Type:  # type: ignore[override]
        return NUMBER if self.kind is Quant.COUNT else BOOL


TRUE = And(())  # the empty conjunction: always holds (`escalate requests`)

#: Every kind of expression node. Code that dispatches over them is a `match` ending in `assert_never`
#: (listing every kind it handles, so that a new kind fails loudly wherever it is not handled), or a
#: table checked against this tuple when its module is imported (`every_kind`); tests/test_exhaustive.py
#: runs a made-up kind through every stage.
EXPR_KINDS: tuple[type[Expr], ...] = (Field, Literal, Compare, Between, InList, Presence, And, Or, Not, Arith, Call,
                                      Quantifier)


def every_kind(table: dict, name: str) -> dict:
    """`table`, checked to have a row for every kind of expression node (a table over node kinds that
    missed one would silently fall into a default).

    >>> every_kind({Field: "field"}, "KINDS")
    Traceback (most recent call last):
    AssertionError: KINDS has no row for Literal, Compare, Between, InList, Presence, And, Or, Not, Arith, Call, Quantifier
    """
    missing = [kind.__name__ for kind in EXPR_KINDS if kind not in table]
    if missing:
        raise AssertionError(f"{name} has no row for {', '.join(missing)}")
    return table


# -- rules and policies --------------------------------------------------------

@dataclass(frozen=True)
class Rule(Node):
    """One rule. A guard (`never ...`) has `forbids` and no action."""

    id: str
    when: Expr
    action: str | None = None
    forbids: tuple[str, ...] = ()
    title: str | None = None
    sentence: str | None = None   # the sentence as written, for sentence rules
    id_span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def is_guard(self) -> bool:
        return bool(self.forbids)


@dataclass(frozen=True)
class ServiceHoursSpec(Node):
    """The header's service hours (parsed), kept as a node so it has a span."""

    hours: Any  # aftersale.hours.ServiceHours


@dataclass(frozen=True)
class NamedList(Node):
    """A header's `list NAME from "FILE"`: the values of FILE (one a line), read relative to the policy."""

    name: str
    file: str
    values: tuple[str, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Policy(Node):
    name: str
    rules: tuple[Rule, ...]
    platform: str | None = None
    timezone: str = "Asia/Shanghai"
    currency: str = "CNY"
    service_hours: Any = None      # aftersale.hours.ServiceHours or None
    holidays: str | None = None
    otherwise: str = "manual_review"
    language: str | None = None    # the output language the policy asks for (zh/en); decides nothing
    lists: tuple[NamedList, ...] = field(default=(), compare=False, repr=False)  # the rules hold their values
    source: Source | None = field(default=None, compare=False, repr=False)
    spans: dict = field(default_factory=dict, compare=False, repr=False)  # header spans by key

    @property
    def guards(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.is_guard)

    @property
    def deciding_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if not r.is_guard)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


#: Fields that hold a tuple of child nodes.
_NODE_TUPLES = frozenset({"operands", "options", "args", "rules"})


def walk(node: Node) -> Iterator[Node]:
    """Every node under `node`, depth first, `node` included (iterative: no recursion limit), except the
    literal texts of a list (`InList.texts`): no analysis looks for them one by one, and there may be
    30,000 of them, walked once per analysis."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, InList) and current.texts:  # its literals: read `options` (30,000 SKUs)
            stack.append(current.subject)
            continue
        stack.extend(reversed(list(current.children())))


def _shown(value: Any) -> str:
    """A field value in a dump: types by name, service hours as written in the DSL."""
    if isinstance(value, Type):
        return str(value)
    if isinstance(value, (Op, Quant)):
        return repr(value.value)
    if hasattr(value, "to_dsl"):  # aftersale.hours.ServiceHours
        return repr(value.to_dsl())
    return repr(value)


def dump(node: Node, indent: int = 0) -> str:
    """An indented, span-free dump of a tree, for golden tests and debugging.

    >>> print(dump(Compare("<", Field(("request", "amount"), MONEY), Literal(Decimal("300"), MONEY, "¥300"))))
    Compare(op='<')
      Field(path=('request', 'amount'), type=money)
      Literal(value=Decimal('300'), type=money)
    """
    pad = "  " * indent
    parts = []
    for f in fields(node):
        if f.name in ("span", "id_span", "source", "spans") or not f.compare:
            continue
        value = getattr(node, f.name)
        # child nodes are dumped below, also where a tuple of them is empty (rules=(), operands=())
        if isinstance(value, Node) or (isinstance(value, tuple) and all(isinstance(v, Node) for v in value)
                                       and f.name in _NODE_TUPLES):
            continue
        parts.append(f"{f.name}={_shown(value)}")
    lines = [f"{pad}{type(node).__name__}({', '.join(parts)})"]
    lines.extend(dump(child, indent + 1) for child in node.children())
    return "\n".join(lines)
