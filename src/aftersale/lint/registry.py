"""Every finding `aftersale lint` can report, registered by name in one table.

The names and default severities are the contract's (`product.md`, "Lint").
Checks of the families in `FAMILIES` run on the rule tree, in the order of
this table; the others (`run=None`) are reported while the policy is read and
lowered (the front end). Each name has a documentation page,
`docs/lint/<name>.md` (published at DOCS_URL).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from ..diagnostics import DOCS_URL, ERROR, INFO, WARNING
from . import confusables, domain, semantic, service_hours

SEVERITIES = (ERROR, WARNING, INFO)

#: The module whose checks each family of the rule tree runs: a check is that module's function named
#: like the finding (`shadowed-rule`: `semantic.shadowed_rule`). The other families are the front end's.
FAMILIES = {"text": confusables, "hours": service_hours, "semantic": semantic, "domain": domain}


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


def _check(name: str, severity: str, family: str, summary: str) -> Check:
    module = FAMILIES.get(family)
    return Check(name, severity, family, summary, None if module is None else getattr(module, name.replace("-", "_")))


TABLE: tuple[Check, ...] = tuple(_check(*row) for row in (
    # -- the front end: reading, parsing, lowering, types --------------------------------
    ("syntax-error", ERROR, "syntax", "the file cannot be read or parsed as a policy"),
    ("unknown-field", ERROR, "types", "a field the event schema does not have"),
    ("type-mismatch", ERROR, "types", "a value of the wrong type (money, duration, time, number, enum, ...)"),
    ("unknown-value", ERROR, "types", "an enum value the field never takes"),
    ("unknown-action", ERROR, "types", "an action that does not exist"),
    ("unknown-function", ERROR, "types", "a function that does not exist"),
    ("duplicate-rule-id", ERROR, "header", "two rules with the same id"),
    ("invalid-timezone", ERROR, "header", "a time zone that is not an IANA zone"),
    ("invalid-hours", ERROR, "header", "service hours that cannot be read"),
    ("ambiguous-sentence", ERROR, "syntax", "a sentence rule that does not say what to do"),
    ("named-list", ERROR, "header", "a named list that cannot be used: unknown or repeated name, unreadable file"),
    # -- the source text and the rule tree ------------------------------------------------------------------------
    ("confusable-text", WARNING, "text", "characters that make the source display as something it does not say"),
    ("missing-service-hours", WARNING, "hours", "an off-hours rule in a policy with no service hours"),
    ("unsatisfiable-rule", WARNING, "semantic", "no request can match the rule"),
    ("action-never-applies", WARNING, "semantic", "a rule whose conditions exclude every state its action applies to"),
    ("shadowed-rule", WARNING, "semantic", "earlier rules match every request this one would: it never decides"),
    ("redundant-condition", WARNING, "semantic", "a condition that never changes what the rule matches"),
    ("conflicting-rules", INFO, "semantic", "two rules with different actions overlap; the earlier wins"),
    ("undecided-rule", INFO, "semantic", "a rule lint could not fully analyse within its solver budget"),
    ("platform-cap-exceeded", WARNING, "domain", "an action the platform never performs for such requests"),
    ("after-platform-deadline", WARNING, "domain", "a rule that waits longer than the platform's own timer"),
    ("risky-auto-reject", WARNING, "domain", "auto-rejecting 7-day no-reason requests"),
    ("uncapped-auto-refund", WARNING, "domain", "refunds approved with no amount limit"),
))

CHECKS: dict[str, Check] = {c.name: c for c in TABLE}


def tree_checks(enabled: Iterable[str]) -> list[Check]:
    wanted = set(enabled)
    return [c for c in TABLE if c.run is not None and c.name in wanted]
