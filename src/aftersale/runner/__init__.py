"""`aftersale test`: run policy test files, report failures with explanations, and rule coverage.

Exit codes: 0 every case passed (and coverage is at least --min-coverage);
1 a case failed or coverage is too low; 2 a test file, a policy or an event
in it is invalid.
"""
from __future__ import annotations

from pathlib import Path

import click

from .coverage import PolicyCoverage, policy_coverage
from .run import ERROR_STATUS, FAIL, RunResult, run_paths

__all__ = ["cli_main", "run_paths", "coverage_of", "RunResult", "PolicyCoverage"]


def coverage_of(run: RunResult) -> list[PolicyCoverage]:
    """Coverage of every policy the run tested, from all the cases that ran on it."""
    by_policy: dict[Path, list] = {}
    for f in run.files:
        for r in f.results:
            by_policy.setdefault(r.policy_path.resolve(), []).append(r)
    return [policy_coverage(run.policies[key], run.policy_names[key], results)
            for key, results in by_policy.items()]


def _style(color: bool):
    colors = {"pass": "green", "fail": "red", "error": "magenta"}

    def style(text: str, role: str) -> str:
        return click.style(text, fg=colors.get(role), bold=role != "pass") if color and role in colors else text
    return style


def cli_main(paths: list[str], junit: str | None, min_coverage: float | None, color: bool | None = None,
             lang: str = "en") -> int:
    """Run the test files and print the report in `lang`; JUnit XML is written in `lang` too (for people),
    with the failure's English `type`s for machines."""
    from ..files import atomic_write
    from ..terminal import color_wanted, printable
    from . import junit as junit_xml
    from ..locale import message
    from .report import coverage_block, file_block, percent, summary

    style = _style(color_wanted(color))
    run = run_paths(paths)
    for err in run.errors:
        click.echo(printable(err.render(lang), lines=True), err=True)
    for f in run.files:
        click.echo("\n".join(file_block(f, style, lang)))
    cov = coverage_of(run)
    if cov:
        click.echo()
        click.echo("\n".join(coverage_block(cov, style, lang)))
    low = [c for c in cov if min_coverage is not None and c.percent < min_coverage]
    click.echo()
    click.echo(summary(run, cov, style, lang))
    for c in low:
        where = printable(str(c.path))
        click.echo(style(message(lang, "test.below", file=where, percent=percent(c.percent, lang, 1),
                                 minimum=percent(min_coverage, lang, None)), "fail"))
    if junit:
        atomic_write(junit, junit_xml.to_xml(run, cov, min_coverage, lang))
    results = run.all_results()
    if run.errors or any(f.error is not None for f in run.files) or any(r.status == ERROR_STATUS for r in results):
        return 2
    if any(r.status == FAIL for r in results) or low:
        return 1
    return 0
