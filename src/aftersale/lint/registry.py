"""Every finding `aftersale lint` can report, registered by name in one table.

The names and default severities are the contract's (`product.md`, "Lint").
Checks with `run=None` are reported while the policy is read and lowered (the
front end); the others run on the rule tree, in the order of this table. Each
name has a documentation page, `docs/lint/<name>.md` (published at DOCS_URL).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from ..diagnostics import DOCS_URL, ERROR, INFO, WARNING
from . import domain, semantic, service_hours

SEVERITIES = (ERROR, WARNING, INFO)


@dataclass(frozen=True)
class Check:
    name: str
    severity: str
    family: str
    summary: str
    run: Callable | None = None  # Context -> Iterable[Finding]; None: from the front end

    @property
    def docs(self) -> str:
        return DOCS_URL.format(name=self.name)


TABLE: tuple[Check, ...] = (
    # -- the front end: reading, parsing, lowering, types --------------------------------
    Check("syntax-error", ERROR, "syntax", "the file cannot be read or parsed as a policy"),
    Check("unknown-field", ERROR, "types", "a field the event schema does not have"),
    Check("type-mismatch", ERROR, "types", "a value of the wrong type (money, duration, time, number, enum, ...)"),
    Check("unknown-value", ERROR, "types", "an enum value the field never takes"),
    Check("unknown-action", ERROR, "types", "an action that does not exist"),
    Check("unknown-function", ERROR, "types", "a function that does not exist"),
    Check("duplicate-rule-id", ERROR, "header", "two rules with the same id"),
    Check("invalid-timezone", ERROR, "header", "a time zone that is not an IANA zone"),
    Check("invalid-hours", ERROR, "header", "service hours that cannot be read"),
    Check("ambiguous-sentence", ERROR, "syntax", "a sentence rule that does not say what to do"),
    # -- the rule tree -------------------------------------------------------------------------
    Check("missing-service-hours", WARNING, "hours", "an off-hours rule in a policy with no service hours",
          service_hours.missing_service_hours),
    Check("unsatisfiable-rule", WARNING, "semantic", "no request can match the rule",
          semantic.unsatisfiable_rules),
    Check("shadowed-rule", WARNING, "semantic", "earlier rules match every request this one would: it never decides",
          semantic.shadowed_rules),
    Check("redundant-condition", WARNING, "semantic", "a condition that never changes what the rule matches",
          semantic.redundant_conditions),
    Check("conflicting-rules", INFO, "semantic", "two rules with different actions overlap; the earlier wins",
          semantic.conflicting_rules),
    Check("platform-cap-exceeded", WARNING, "domain", "an action the platform never performs for such requests",
          domain.platform_cap_exceeded),
    Check("after-platform-deadline", WARNING, "domain", "a rule that waits longer than the platform's own timer",
          domain.after_platform_deadline),
    Check("risky-auto-reject", WARNING, "domain", "auto-rejecting 7-day no-reason requests",
          domain.risky_auto_reject),
    Check("uncapped-auto-refund", WARNING, "domain", "refunds approved with no amount limit",
          domain.uncapped_auto_refund),
)

CHECKS: dict[str, Check] = {c.name: c for c in TABLE}


def tree_checks(enabled: Iterable[str]) -> list[Check]:
    wanted = set(enabled)
    return [c for c in TABLE if c.run is not None and c.name in wanted]
