"""The test run for people: a line per case, failures explained, coverage, a summary.

Text from test files, events and policies is escaped with `printable` where it is put in, so the
styles added around our own words are the only escape sequences that reach the terminal.
"""
from __future__ import annotations

import textwrap
from typing import Callable

from ..terminal import printable, printable_data
from .coverage import COVERED, PolicyCoverage
from .run import ERROR_STATUS, FAIL, PASS, CaseResult, FileResult, RunResult

Style = Callable[[str, str], str]   # (text, role) -> text


def plain(text: str, role: str) -> str:
    return text


MARKS = {PASS: ("✓", "pass"), FAIL: ("✗", "fail"), ERROR_STATUS: ("E", "error")}


def decision_text(action: str, rule=None, guards=(), decided_by=None, show=("rule", "guards")) -> str:
    """`approve_return by rule off-hours, guards: none`, saying only the parts in `show`.

    >>> decision_text("manual_review", None, ["no-risky"], show=("rule", "guards"))
    'manual_review by otherwise, guards: no-risky'
    """
    text = action
    if "rule" in show:
        text += f" by rule {rule}" if rule is not None else " by otherwise"
    if "guards" in show:
        text += ", guards: " + (", ".join(sorted(guards)) if guards else "none")
    if "decided_by" in show:
        text += f", decided by {decided_by}"
    return text


def case_line(r: CaseResult, several: bool, style: Style) -> str:
    mark, role = MARKS[r.status]
    on = f" [{r.policy_path.name}]" if several else ""
    return f"  {style(mark, role)} {printable(r.case.name)}{printable(on)}"


def failure_details(r: CaseResult, file: str, explain: bool = True) -> list[str]:
    """Expected vs actual, what differs, and the explanation of the actual decision."""
    from ..explain.render import render

    rec = printable_data(r.record)
    e = printable_data(r.case.expect)
    show = ("rule", "guards") + (("decided_by",) if "decided_by" in e else ())
    out = [f"      at {printable(file)}:{r.case.line}",
           f"      expected: {decision_text(e['action'], e.get('rule'), e.get('guards') or (), e.get('decided_by'), tuple(k for k in show if k in e))}",
           f"      actual:   {decision_text(rec['action'], rec['rule'], rec['guards'], rec['decided_by'], show)}"]
    for what, want, got in r.mismatches:
        out.append(f"      - {what}: expected {printable(_show(want))}, got {printable(_show(got))}")
    if explain:
        out.append("      explanation:")
        out += textwrap.indent(render(rec, width=92), " " * 8).splitlines()
    return out


def _show(value) -> str:
    if value is None:
        return "null (otherwise)"
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return str(value)


def error_details(err, style: Style) -> list[str]:
    return textwrap.indent(printable(err.render(), lines=True), " " * 6).splitlines()


def file_block(f: FileResult, style: Style) -> list[str]:
    if f.case_file is None or f.error is not None and not f.results:
        head = printable(str(f.path))
        return [head] + error_details(f.error, style) if f.error else [head]
    cf = f.case_file
    policies = ", ".join(printable(p.name) for p in cf.policy_paths)
    lines = [f"{printable(str(f.path))} → {policies} ({len(cf.cases)} case{'s' if len(cf.cases) != 1 else ''})"]
    for r in f.results:
        lines.append(case_line(r, f.several, style))
        if r.status == FAIL:
            lines += failure_details(r, str(f.path))
        elif r.status == ERROR_STATUS:
            lines += error_details(r.error, style)
    return lines


def coverage_block(cov: list[PolicyCoverage], style: Style) -> list[str]:
    if not cov:
        return []
    lines = ["Rule coverage:"]
    for c in cov:
        n = len(c.rules)
        role = "pass" if c.covered == n else "fail"
        lines.append(f"  {printable(str(c.path))} \"{printable(c.name)}\": " + style(f"{c.covered} of {n} rules ({c.percent:.0f}%)", role)
                     + f"; otherwise decided {c.otherwise_cases} case{'s' if c.otherwise_cases != 1 else ''}")
        for r in c.rules:
            if r.status != COVERED:
                lines.append(printable(f"    - {r.kind} {r.rule}: {r.why}"))
    return lines


def summary(run: RunResult, cov: list[PolicyCoverage], style: Style) -> str:
    results = run.all_results()
    n = {s: sum(1 for r in results if r.status == s) for s in (PASS, FAIL, ERROR_STATUS)}
    bad_files = sum(1 for f in run.files if f.error is not None) + len(run.errors)
    parts = [f"{n[PASS]} passed"]
    if n[FAIL]:
        parts.append(style(f"{n[FAIL]} failed", "fail"))
    if n[ERROR_STATUS]:
        parts.append(style(f"{n[ERROR_STATUS]} error{'s' if n[ERROR_STATUS] != 1 else ''}", "error"))
    if bad_files:
        parts.append(style(f"{bad_files} file{'s' if bad_files != 1 else ''} not run", "error"))
    cases = sum(len(f.case_file.cases) for f in run.files if f.case_file is not None)
    text = f"{cases} case{'s' if cases != 1 else ''}"
    if len(results) != cases:
        text += f" ({len(results)} runs: some files test several policies)"
    text += ": " + ", ".join(parts)
    total = sum(len(c.rules) for c in cov)
    if total:
        covered = sum(c.covered for c in cov)
        text += (f"; rule coverage {100.0 * covered / total:.0f}% ({covered} of {total} rules"
                 f" in {len(cov)} polic{'ies' if len(cov) != 1 else 'y'})")
    return text
