"""The test run for people: a line per case, failures explained, coverage, a summary.

Text from test files, events and policies is escaped with `printable` where it is put in, so the
styles added around our own words are the only escape sequences that reach the terminal.
"""
from __future__ import annotations

import textwrap
from typing import Callable

from ..locale import message as m, plural
from ..locale.formats import decimal
from ..terminal import printable, printable_data
from .coverage import COVERED, PolicyCoverage
from .run import ERROR_STATUS, FAIL, PASS, CaseResult, FileResult, RunResult

Style = Callable[[str, str], str]   # (text, role) -> text


def plain(text: str, role: str) -> str:
    return text


MARKS = {PASS: ("✓", "pass"), FAIL: ("✗", "fail"), ERROR_STATUS: ("E", "error")}


def decision_text(action: str, rule=None, guards=(), decided_by=None, show=("rule", "guards"),
                  lang: str = "en") -> str:
    """`approve_return by rule off-hours, guards: none`, saying only the parts in `show`.

    >>> decision_text("manual_review", None, ["no-risky"], show=("rule", "guards"))
    'manual_review by otherwise, guards: no-risky'
    >>> decision_text("manual_review", None, ["no-risky"], show=("rule", "guards"), lang="zh")
    'manual_review，由“否则”决定，守卫：no-risky'
    """
    text = action
    if "rule" in show:
        text = m(lang, "test.decision.by_rule", text=text, rule=rule) if rule is not None else \
            m(lang, "test.decision.by_otherwise", text=text)
    if "guards" in show:
        text = m(lang, "test.decision.guards", text=text,
                 guards=m(lang, "list.sep").join(sorted(guards)) if guards else m(lang, "test.none"))
    if "decided_by" in show:
        text = m(lang, "test.decision.decided_by", text=text, how=decided_by)
    return text


def case_line(r: CaseResult, several: bool, style: Style) -> str:
    mark, role = MARKS[r.status]
    on = f" [{r.policy_path.name}]" if several else ""
    return f"  {style(mark, role)} {printable(r.case.name)}{printable(on)}"


def failure_details(r: CaseResult, file: str, explain: bool = True, lang: str = "en") -> list[str]:
    """Expected vs actual, what differs, and the explanation of the actual decision."""
    from ..explain.render import render

    rec = printable_data(r.record)
    e = printable_data(r.case.expect)
    show = ("rule", "guards") + (("decided_by",) if "decided_by" in e else ())
    expected = decision_text(e['action'], e.get('rule'), e.get('guards') or (), e.get('decided_by'),
                             tuple(k for k in show if k in e), lang)
    out = ["      " + m(lang, "test.at", where=f"{printable(file)}:{r.case.line}"),
           "      " + m(lang, "test.expected", decision=expected),
           "      " + m(lang, "test.actual", decision=decision_text(rec['action'], rec['rule'], rec['guards'],
                                                                rec['decided_by'], show, lang))]
    for what, want, got in r.mismatches:
        out.append("      - " + m(lang, "test.mismatch", what=m(lang, f"test.what.{what}"),
                                  want=printable(_show(want, lang)), got=printable(_show(got, lang))))
    if explain:
        out.append("      " + m(lang, "test.explanation"))
        out += textwrap.indent(render(rec, width=92, lang=lang), " " * 8).splitlines()
    return out


def _show(value, lang: str = "en") -> str:
    if value is None:
        return m(lang, "test.null")
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return str(value)


def error_details(err, style: Style, lang: str = "en") -> list[str]:
    return textwrap.indent(printable(err.render(lang), lines=True), " " * 6).splitlines()


def file_block(f: FileResult, style: Style, lang: str = "en") -> list[str]:
    if f.case_file is None or f.error is not None and not f.results:
        head = printable(str(f.path))
        return [head] + error_details(f.error, style, lang) if f.error else [head]
    cf = f.case_file
    policies = m(lang, "list.sep").join(printable(p.name) for p in cf.policy_paths)
    lines = [m(lang, "test.file", file=printable(str(f.path)), policies=policies,
               cases=plural(lang, "test.cases", len(cf.cases)))]
    for r in f.results:
        lines.append(case_line(r, f.several, style))
        if r.status == FAIL:
            lines += failure_details(r, str(f.path), lang=lang)
        elif r.status == ERROR_STATUS:
            lines += error_details(r.error, style, lang)
    return lines


def percent(value: float, lang: str, digits: int | None = 0) -> str:
    """`87%` / `87.5%` by the locale's conventions (Babel); `digits=None`: as many as the value has (up to 3).

    >>> percent(87.5, "en", 1), percent(50, "zh", None), percent(12.25, "en", None)
    ('87.5%', '50%', '12.25%')
    """
    from babel.numbers import format_percent

    from ..locale.formats import LOCALES

    decimals = ".###" if digits is None else ("." + "0" * digits if digits else "")
    return format_percent(value / 100, f"#,##0{decimals}%", locale=LOCALES[lang])


def coverage_block(cov: list[PolicyCoverage], style: Style, lang: str = "en") -> list[str]:
    if not cov:
        return []
    lines = [m(lang, "test.coverage.title")]
    for c in cov:
        n = len(c.rules)
        role = "pass" if c.covered == n else "fail"
        share = style(m(lang, "test.coverage.share", covered=decimal(c.covered, lang), rules=plural(lang, "test.rules", n),
                        percent=percent(c.percent, lang)), role)
        lines.append("  " + m(lang, "test.coverage.policy", file=printable(str(c.path)), name=printable(c.name),
                              share=share, otherwise=plural(lang, "test.cases", c.otherwise_cases)))
        for r in c.rules:
            if r.status != COVERED:
                lines.append(printable("    - " + m(lang, "test.coverage.missed", kind=m(lang, f"lint.kind.{r.kind}"),
                                                     rule=r.rule, why=r.why_in(lang))))
    return lines


def summary(run: RunResult, cov: list[PolicyCoverage], style: Style, lang: str = "en") -> str:
    results = run.all_results()
    n = {s: sum(1 for r in results if r.status == s) for s in (PASS, FAIL, ERROR_STATUS)}
    bad_files = sum(1 for f in run.files if f.error is not None) + len(run.errors)
    parts = [m(lang, "test.summary.passed", n=decimal(n[PASS], lang))]
    if n[FAIL]:
        parts.append(style(m(lang, "test.summary.failed", n=decimal(n[FAIL], lang)), "fail"))
    if n[ERROR_STATUS]:
        parts.append(style(plural(lang, "test.summary.errors", n[ERROR_STATUS]), "error"))
    if bad_files:
        parts.append(style(plural(lang, "test.summary.not_run", bad_files), "error"))
    cases = sum(len(f.case_file.cases) for f in run.files if f.case_file is not None)
    text = plural(lang, "test.cases", cases)
    if len(results) != cases:
        text = m(lang, "test.summary.runs", cases=text, runs=decimal(len(results), lang))
    text = m(lang, "test.summary.line", cases=text, parts=m(lang, "list.sep").join(parts))
    total = sum(len(c.rules) for c in cov)
    if total:
        covered = sum(c.covered for c in cov)
        text = m(lang, "test.summary.coverage", summary=text, percent=percent(100.0 * covered / total, lang),
                 covered=decimal(covered, lang), rules=plural(lang, "test.rules", total),
                 policies=plural(lang, "test.policies", len(cov)))
    return text
