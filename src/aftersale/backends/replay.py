"""Traces from trace logs: the compiled traced path records flat entries, this turns them into trees.

While deciding, compiled traced code appends one tuple per evaluated leaf
condition to a list: `(leaf id, result, operand values..., field values...)`,
raw typed values, nothing formatted, no objects built. Only when someone reads
`Decision.trace` (or renders the record) does `Replay` walk the rule tree
again, in the interpreter's order, consuming entries: an And or Or that
stopped early gets its remaining operands as skipped nodes, exactly as
`interpreter.traced` would have recorded them.

The plan (`build_plan`) fixes, per leaf, which operand values and which
possibly-missing fields the code generator logs, and in what order; the
generator and the replay read the same plan, so they cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any, assert_never

from .. import rules as ir
from .. import semantics as sem
from ..rules import Quant
from ..values import MISSING
from .interpreter import fields_in as _fields_in, operands as _operands
from ..events.lazy import event_spec
from ..decision.trace import RuleTrace, TraceNode, junction, negation, not_applicable, quantified

#: Item fields every item has (the item schema requires them).
ITEM_REQUIRED = frozenset(("sku",))


@dataclass
class Operand:
    """An operand whose value a leaf's trace shows: a constant, or the n-th logged value."""

    expr: ir.Expr
    const: bool
    value: Any = None


@dataclass
class PlanNode:
    kind: str                      # and, or, not, quant (any/all over items), leaf
    expr: ir.Expr
    children: list[PlanNode] = field(default_factory=list)
    id: int = -1                   # the log id (leaves and quantifiers)
    item: bool = False             # evaluated for one item (inside any/all)
    operands: list[Operand] = field(default_factory=list)
    # (dotted path, how to tell whether it is missing): "never", "always", ("op", i), ("extra", field)
    missing: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def extras(self) -> list[ir.Field]:
        return [how[1] for _, how in self.missing if isinstance(how, tuple) and how[0] == "extra"]


_CHILDREN: dict[type, tuple[str, ...]] = {}


def children(node: ir.Node) -> list[ir.Node]:
    """`Node.children()`, with each class's child fields looked up once (code generation walks a lot)."""
    names = _CHILDREN.get(node.__class__)
    if names is None:
        names = _CHILDREN[node.__class__] = tuple(f.name for f in dataclass_fields(node)
                                                  if f.name not in ("span", "id_span"))
    kids: list[ir.Node] = []
    for name in names:
        value = getattr(node, name)
        if isinstance(value, ir.Node):
            kids.append(value)
        elif value.__class__ is tuple:
            kids.extend(v for v in value if isinstance(v, ir.Node))
    return kids


def walk(node: ir.Node):
    """`rules.walk`: every node, depth first, in tree order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def _is_item(f: ir.Field) -> bool:
    return f.path[0] == "item"


def field_presence(f: ir.Field, item: bool) -> str:
    """"never" missing, "always" missing, or "maybe", for a field read in event or item scope."""
    if _is_item(f):
        if not item:
            return "always"  # an item path outside any/all reads the event, which has no `item`
        return "never" if len(f.path) == 2 and f.path[1] in ITEM_REQUIRED else "maybe"
    return "never" if event_spec(f.path).always_present else "maybe"


class Planner:
    def __init__(self):
        self.next_id = 0

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def build(self, e: ir.Expr, item: bool = False) -> PlanNode:
        match e:
            case ir.And():
                return PlanNode("and", e, [self.build(x, item) for x in e.operands], item=item)
            case ir.Or():
                return PlanNode("or", e, [self.build(x, item) for x in e.operands], item=item)
            case ir.Not():
                return PlanNode("not", e, [self.build(e.operand, item)], item=item)
            case ir.Quantifier(kind=Quant.ANY | Quant.ALL) if e.condition is not None:
                node = PlanNode("quant", e, id=self._id(), item=item)
                node.children = [self.build(e.condition, True)]
                return node
            case ir.Compare() | ir.Between() | ir.InList() | ir.Presence() | ir.Field() | ir.Literal() | ir.Arith() \
                    | ir.Call() | ir.Quantifier():
                return self.leaf(e, item)
            case _:
                assert_never(e)

    def leaf(self, e: ir.Expr, item: bool) -> PlanNode:
        node = PlanNode("leaf", e, id=self._id(), item=item)
        for x in _operands(e):
            if isinstance(x, ir.Literal):
                node.operands.append(Operand(x, True, x.value))
            elif isinstance(x, ir.Field) and field_presence(x, item) == "always":
                node.operands.append(Operand(x, True, MISSING))
            else:
                node.operands.append(Operand(x, False))
        seen: set[str] = set()
        for f in _fields_in(e):  # a count's condition reads items, not this scope
            if f.dotted in seen:
                continue
            seen.add(f.dotted)
            presence = field_presence(f, item)
            if presence != "maybe":
                node.missing.append((f.dotted, presence))
                continue
            dyn = [op for op in node.operands if not op.const]
            same = next((i for i, op in enumerate(dyn) if isinstance(op.expr, ir.Field) and op.expr.path == f.path),
                        None)
            node.missing.append((f.dotted, ("op", same) if same is not None else ("extra", f)))
        return node


def build_plan(policy: ir.Policy) -> list[tuple[ir.Rule, PlanNode]]:
    """Every rule with its plan, in evaluation order: guards first, then the deciding rules."""
    planner = Planner()
    return [(rule, planner.build(rule.when)) for rule in policy.guards + policy.deciding_rules]


class Replay:
    """Rebuilds `list[RuleTrace]` from one decision's log (see the module docstring).

    The log starts with the request's (kind, status); the order in which rules
    are looked at is `semantics.decide`'s own, run again here over the logged
    conditions, so the trace follows the decision order by construction.
    """

    def __init__(self, policy: ir.Policy):
        self.policy = policy
        self.plan = build_plan(policy)

    def __call__(self, log: list[tuple]) -> list[RuleTrace]:
        kind, status = log[0]
        cursor = _Cursor(log)
        cursor.pos = 1
        traces: list[RuleTrace] = []
        plans = iter(self.plan)

        def holds(rule: ir.Rule):
            for planned, node in plans:  # rules whose action does not apply have no entries: pass them
                if planned is rule:
                    traces.append(RuleTrace(rule, _node(node, cursor)))
                    return traces[-1].condition.result
            raise AssertionError(f"rule {rule.id} is not in the plan")  # pragma: no cover

        p = self.policy
        sem.decide(p.guards, p.deciding_rules, p.otherwise, kind, status, holds,
                   lambda rule: traces.append(not_applicable(rule)))
        if cursor.pos != len(log):  # pragma: no cover - generator and plan out of step
            raise AssertionError(f"trace log has {len(log) - cursor.pos} entries left over")
        return traces


class _Cursor:
    __slots__ = ("log", "pos")

    def __init__(self, log: list[tuple]):
        self.log, self.pos = log, 0

    def entry(self, plan: PlanNode) -> tuple:
        entry = self.log[self.pos]
        self.pos += 1
        if entry[0] != plan.id:  # pragma: no cover - generator and plan out of step
            raise AssertionError(f"trace log entry {entry[0]} where {plan.id} was expected")
        return entry


def _node(plan: PlanNode, cursor: _Cursor) -> TraceNode:
    e = plan.expr
    if plan.kind in ("and", "or"):
        return junction(e, plan.kind == "or", plan.children, lambda child: _node(child, cursor),
                        lambda child: child.expr)
    if plan.kind == "not":
        return negation(e, _node(plan.children[0], cursor))
    entry = cursor.entry(plan)
    if plan.kind == "quant":
        return quantified(e, entry[1], lambda _item: _node(plan.children[0], cursor))
    node = TraceNode(e)
    node.result = entry[1]
    dyn = entry[2:]
    values, k = [], 0
    for op in plan.operands:
        if op.const:
            values.append((op.expr, op.value))
        else:
            values.append((op.expr, dyn[k]))
            k += 1
    node.values = values
    extra = k
    for dotted, how in plan.missing:
        if how == "always":
            missing = True
        elif how == "never":
            missing = False
        elif how[0] == "op":
            missing = dyn[how[1]] is MISSING
        else:
            missing = dyn[extra] is MISSING
            extra += 1
        if missing:
            node.missing.append(dotted)
    return node


__all__ = ["build_plan", "Replay", "PlanNode", "Operand", "field_presence", "walk", "children"]
