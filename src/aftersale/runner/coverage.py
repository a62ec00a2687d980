"""Rule coverage: which rules the cases reach, and for the others, why not.

A rule is *covered* when it decides a passing case (a guard: when it matches
one). Otherwise it is, in this order:

- `failing-only`: it decides (matches) only cases that fail;
- `shadowed`: its condition holds on some case, but an earlier rule decides
  every such case first;
- `never-matched`: no case satisfies its condition (the report names the
  case that came closest, the condition that failed there and what would
  have passed).
"""
from __future__ import annotations

import functools

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..locale import Msg, msg
from .run import FAIL, PASS, CaseResult

COVERED, FAILING_ONLY, SHADOWED, NEVER = "covered", "failing-only", "shadowed", "never-matched"


@dataclass
class RuleCoverage:
    rule: str
    kind: str                 # rule or guard
    status: str
    why: str = ""             # for the rules not covered, in English (JSON); a Msg given here goes to `reason`
    cases: list[str] = field(default_factory=list)   # names of the cases that show it
    reason: Msg | None = field(default=None, compare=False)  # `why` as a message, rendered per language

    def __post_init__(self) -> None:
        if isinstance(self.why, Msg):
            self.reason, self.why = self.why, str(self.why)

    def why_in(self, lang: str) -> str:
        return self.reason.render(lang) if self.reason is not None else self.why


@dataclass
class PolicyCoverage:
    path: Path
    name: str
    rules: list[RuleCoverage]
    otherwise_cases: int = 0

    @property
    def covered(self) -> int:
        return sum(1 for r in self.rules if r.status == COVERED)

    @property
    def percent(self) -> float:
        return 100.0 if not self.rules else 100.0 * self.covered / len(self.rules)

    def to_json(self) -> dict:
        return {
            "policy": str(self.path), "name": self.name, "rules": len(self.rules), "covered": self.covered,
            "percent": round(self.percent, 1), "otherwise_cases": self.otherwise_cases,
            "missed": [{"rule": r.rule, "kind": r.kind, "status": r.status, "why": r.why}
                       for r in self.rules if r.status != COVERED],
        }


def _quote(names: list[str], limit: int = 2):
    shown = tuple(f"`{n}`" for n in names[:limit])
    return msg("lint.conflicting.more", names=shown, more=len(names) - limit) if len(names) > limit else shown


def _decides(rule, r: CaseResult) -> bool:
    rec = r.record
    if rule.is_guard:
        return rule.id in rec["guards"]
    return rec["rule"] == rule.id


def _held_leaves(node: dict) -> int:
    kids = node.get("children") or []
    if not kids:
        return 1 if node.get("result") is True else 0
    return sum(_held_leaves(k) for k in kids)


def _closest(policy, rule, results: list[CaseResult]) -> str:
    """Why no case matched: the case whose condition got furthest, and what failed there."""
    from ..backends.interpreter import Scope, traced
    from ..decision.trace import RuleTrace
    from ..explain.phrases import failing, need

    interp = policy._interpreter
    best = None
    for r in results:
        node = traced(rule.when, Scope(r.event, interp.context(r.event)))
        cond = policy._writer.rule(RuleTrace(rule, node))["condition"]
        fails = failing(cond)
        if fails and (best is None or _held_leaves(cond) > best[0]):
            best = (_held_leaves(cond), r.case.name, fails[0])
    if best is None:
        return msg("test.why.none_satisfies")
    _, name, node = best
    text = " ".join((node.get("text") or "").split())
    return msg("test.why.closest", case=name, text=text, need=functools.partial(need, node))


def policy_coverage(policy, path: Path, results: list[CaseResult]) -> PolicyCoverage:
    """Coverage of one policy by the decided cases that ran on it (from every test file)."""
    decided = [r for r in results if r.record is not None]
    rules: list[RuleCoverage] = []
    for rule in policy.tree.rules:
        kind = "guard" if rule.is_guard else "rule"
        passing = [r.case.name for r in decided if r.status == PASS and _decides(rule, r)]
        if passing:
            rules.append(RuleCoverage(rule.id, kind, COVERED, cases=passing))
            continue
        failing_cases = [r.case.name for r in decided if r.status == FAIL and _decides(rule, r)]
        if failing_cases:
            why = msg("test.why.failing_only", cases=_quote(failing_cases))
            rules.append(RuleCoverage(rule.id, kind, FAILING_ONLY, why, failing_cases))
            continue
        held = [r for r in decided if rule.id in r.held]
        if held and not rule.is_guard:
            by = Counter(r.record["rule"] or "(otherwise)" for r in held)
            firsts = tuple(f"`{k}`" for k, _ in by.most_common())
            names = [r.case.name for r in held]
            why = msg("test.why.shadowed_one" if len(by) == 1 else "test.why.shadowed_many", cases=_quote(names),
                      rules=firsts)
            rules.append(RuleCoverage(rule.id, kind, SHADOWED, why, names))
            continue
        why = msg("test.why.never", why=_closest(policy, rule, decided) if decided else msg("test.why.no_case"))
        rules.append(RuleCoverage(rule.id, kind, NEVER, why))
    otherwise = sum(1 for r in decided if r.record["decided_by"] == "otherwise")
    return PolicyCoverage(path, policy.name, rules, otherwise)
