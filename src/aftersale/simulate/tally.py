"""Counting decisions: per action, per rule, per guard, and old → new against a baseline.

A `Tally` is what one chunk of history adds up to; chunks decided in other
processes come back as tallies and are merged in file order, so the result
(examples included) does not depend on how the work was split.

>>> t = Tally(); t.lines = t.blank = 1; t.check(); t.decided
0
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..locale import Msg

#: Example event ids kept per transition.
EXAMPLES = 5
#: Bad lines kept with their message (all are counted; --rejects writes them all).
BAD_KEPT = 1000

ZERO = Decimal(0)


@dataclass
class Bad:
    line: int
    name: str          # invalid-json, invalid-event, invalid-utf8, too-large
    message: str       # in English; a Msg given here is kept in `text`, rendered per language
    column: int = 1
    text: Msg | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.message, Msg):
            self.text, self.message = self.message, str(self.message)

    def to_json(self) -> dict:
        data = {"line": self.line, "column": self.column, "name": self.name, "message": self.message}
        if self.text is not None:
            data.update(self.text.to_json())
        return data


@dataclass
class Tally:
    lines: int = 0
    blank: int = 0
    bad: int = 0
    decided: int = 0
    money: Decimal = ZERO
    # key -> [count, money]
    actions: dict = field(default_factory=dict)            # action
    rules: dict = field(default_factory=dict)              # (rule id or None, decided_by)
    guards: dict = field(default_factory=dict)             # guard id -> [matched, forbade]
    base_actions: dict = field(default_factory=dict)
    base_rules: dict = field(default_factory=dict)
    transitions: dict = field(default_factory=dict)        # (old action, new action) -> [count, money, examples]
    #: (old rule, old decided_by, old action, new rule, new decided_by, new action) -> [count, money, examples],
    #: for events whose action or rule changed. The action is part of the key: one rule can end in several
    #: actions (a guard forbids it, or the old policy's rule had another action).
    rule_changes: dict = field(default_factory=dict)
    bad_lines: list[Bad] = field(default_factory=list)

    # -- adding -----------------------------------------------------------------

    def add(self, amount: Decimal, action: str, rule, decided_by: str, guards, forbade: str | None,
            base=None, event_id=None, line: int = 0) -> None:
        """One decided event; `base` is the baseline's (action, rule, decided_by) or None."""
        self.add_many(1, amount, action, rule, decided_by, guards, forbade)
        if base is not None:
            moved, changed = self.add_base(1, amount, base, action, rule, decided_by)
            if base[0] != action and len(moved[2]) < EXAMPLES:
                moved[2].append((event_id, line))
            if changed is not None and len(changed[2]) < EXAMPLES:
                changed[2].append((event_id, line))

    def add_base(self, count: int, amount: Decimal, base, action: str, rule, decided_by: str):
        """`count` events the baseline decided as `base` = (action, rule, decided_by) and this policy as
        (action, rule, decided_by): the old → new tables. Returns the transition's entry and the rule
        change's (None when neither the action nor the rule changed), for the caller's examples."""
        old_action, old_rule, old_by = base
        _bump(self.base_actions, old_action, amount, count)
        _bump(self.base_rules, (old_rule, old_by), amount, count)
        moved = _counted(self.transitions, (old_action, action), amount, count)
        changed = None
        if old_action != action or old_rule != rule:
            changed = _counted(self.rule_changes, (old_rule, old_by, old_action, rule, decided_by, action),
                               amount, count)
        return moved, changed

    def add_many(self, count: int, amount: Decimal, action: str, rule, decided_by: str, guards,
                 forbade: str | None) -> None:
        """`count` events decided alike (no baseline), `amount` their money: as `count` calls of `add`.

        Adding the kinds of decision of a run in the order each was first met gives every table its
        keys in the same order as adding event by event."""
        self.decided += count
        self.money += amount
        _bump(self.actions, action, amount, count)
        _bump(self.rules, (rule, decided_by), amount, count)
        for g in guards:
            entry = self.guards.get(g)
            if entry is None:
                entry = self.guards[g] = [0, 0]
            entry[0] += count
        if forbade is not None:
            self.guards.setdefault(forbade, [0, 0])[1] += count

    def add_bad(self, bad: Bad) -> None:
        self.bad += 1
        if len(self.bad_lines) < BAD_KEPT:
            self.bad_lines.append(bad)

    # -- merging ----------------------------------------------------------------

    def merge(self, other: Tally) -> None:
        """Add a later chunk's tally to this one (examples and bad lines keep file order)."""
        self.lines += other.lines
        self.blank += other.blank
        self.bad += other.bad
        self.decided += other.decided
        self.money += other.money
        for mine, theirs in ((self.actions, other.actions), (self.rules, other.rules),
                             (self.base_actions, other.base_actions), (self.base_rules, other.base_rules)):
            for k, (n, m) in theirs.items():
                entry = mine.setdefault(k, [0, ZERO])
                entry[0] += n
                entry[1] += m
        for k, (matched, forbade) in other.guards.items():
            entry = self.guards.setdefault(k, [0, 0])
            entry[0] += matched
            entry[1] += forbade
        for mine, theirs in ((self.transitions, other.transitions), (self.rule_changes, other.rule_changes)):
            for k, e in theirs.items():
                entry = mine.get(k)
                if entry is None:
                    mine[k] = [e[0], e[1], list(e[2])]
                    continue
                entry[0] += e[0]
                entry[1] += e[1]
                entry[2].extend(e[2][:EXAMPLES - len(entry[2])])
        self.bad_lines.extend(other.bad_lines[:BAD_KEPT - len(self.bad_lines)])

    def check(self) -> None:
        """Every line read is decided, bad or blank: nothing is dropped."""
        if self.decided + self.bad + self.blank != self.lines:  # pragma: no cover - a bug, never user error
            raise AssertionError(f"{self.lines} lines read but {self.decided} decided, {self.bad} bad, "
                                 f"{self.blank} blank")


def _counted(table: dict, key, amount: Decimal, count: int) -> list:
    """The [count, money, examples] entry of `key`, with `count` events of `amount` added."""
    entry = table.get(key)
    if entry is None:
        entry = table[key] = [0, ZERO, []]
    entry[0] += count
    entry[1] += amount
    return entry


def _bump(table: dict, key, amount: Decimal, count: int = 1) -> None:
    entry = table.get(key)
    if entry is None:
        table[key] = [count, amount]
    else:
        entry[0] += count
        entry[1] += amount
