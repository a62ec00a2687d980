"""Running policy test files: find them, decide each case, compare with what it expects.

>>> run = run_paths(["policies/tea-house.tests.yaml"])      # from the repository's root
>>> run.files[0].results[0].status, run.files[0].results[0].record["rule"]
('pass', 'off-hours')
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .casefile import Case, CaseFile, is_case_file, load_case_file
from ..diagnostics import AftersaleError, Diagnostic, ERROR, did_you_mean
from ..source import Span

PASS, FAIL, ERROR_STATUS = "pass", "fail", "error"
#: Folders never searched for test files.
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "build", "dist"}
POLICY_SUFFIXES = (".policy", ".yaml", ".yml")


@dataclass
class CaseResult:
    """One case decided by one policy."""

    case: Case
    policy_path: Path
    status: str                                   # pass, fail or error
    record: dict | None = None                    # the actual decision record, with its trace
    mismatches: list[tuple[str, Any, Any]] = field(default_factory=list)  # (what, expected, actual)
    error: AftersaleError | None = None
    event: Any = None                             # the parsed Event, for coverage
    held: frozenset[str] = frozenset()            # rules (and guards) whose condition holds on this event
    seconds: float = 0.0

    @property
    def decision_rule(self) -> str | None:
        return self.record["rule"] if self.record else None


@dataclass
class FileResult:
    path: Path
    case_file: CaseFile | None
    results: list[CaseResult] = field(default_factory=list)
    error: AftersaleError | None = None           # the file could not be loaded or its policy compiled
    several: bool = False                         # the cases run on more than one policy


@dataclass
class RunResult:
    files: list[FileResult] = field(default_factory=list)
    errors: list[AftersaleError] = field(default_factory=list)   # paths that are not test files
    policies: dict[Path, Any] = field(default_factory=dict)      # resolved path -> Policy (compiled once)
    policy_names: dict[Path, str] = field(default_factory=dict)  # resolved path -> path as written

    def all_results(self) -> list[CaseResult]:
        return [r for f in self.files for r in f.results]


def _error(message: str, file: str, line: int = 1, name: str = "invalid-test") -> AftersaleError:
    return AftersaleError(Diagnostic(name, ERROR, message, Span(file, line, 1, line, 1)))


def _walk(folder: Path):
    for child in sorted(folder.iterdir()):
        if child.is_dir():
            if child.name not in SKIP_DIRS and not child.name.startswith("."):
                yield from _walk(child)
        elif is_case_file(child):
            yield child


def discover(paths: list[str]) -> tuple[list[Path], list[AftersaleError]]:
    """Test files under `paths` (folders are searched recursively), and the paths that gave none.

    A policy file stands for the test files beside it that test it.
    """
    found: list[Path] = []
    errors: list[AftersaleError] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files = list(_walk(p))
            if not files:
                errors.append(_error(f"no test files (*.tests.yaml) under `{raw}`", raw, name="no-tests"))
            found += files
        elif not p.exists():
            errors.append(_error(f"`{raw}` does not exist", raw, name="io-error"))
        elif is_case_file(p):
            found.append(p)
        elif p.name.endswith(POLICY_SUFFIXES):
            files = [f for f in _walk(p.parent) if f.parent == p.parent and _tests_policy(f, p)]
            if not files:
                errors.append(_error(f"no test file beside `{raw}` tests it (name it in a *.tests.yaml `policy:`)",
                                     raw, name="no-tests"))
            found += files
        else:
            errors.append(_error(f"`{raw}` is not a test file (*.tests.yaml), a policy or a folder", raw))
    unique: dict[Path, Path] = {}
    for f in found:
        unique.setdefault(f.resolve(), f)
    return list(unique.values()), errors


def _tests_policy(test_file: Path, policy: Path) -> bool:
    try:
        cf = load_case_file(test_file)
    except AftersaleError:
        return True  # report its problem when it runs
    return any(p.resolve() == policy.resolve() for p in cf.policy_paths)


def mismatches(expect: dict, record: dict) -> list[tuple[str, Any, Any]]:
    """What differs between a case's `expect` and the actual record (only what the case states)."""
    out = []
    if expect["action"] != record["action"]:
        out.append(("action", expect["action"], record["action"]))
    if "rule" in expect and expect["rule"] != record["rule"]:
        out.append(("rule", expect["rule"], record["rule"]))
    if "guards" in expect and sorted(set(expect["guards"])) != sorted(set(record["guards"])):
        out.append(("guards", sorted(set(expect["guards"])), sorted(record["guards"])))
    if "decided_by" in expect and expect["decided_by"] != record["decided_by"]:
        out.append(("decided_by", expect["decided_by"], record["decided_by"]))
    return out


def _check_names(case: Case, policy, file: Path) -> AftersaleError | None:
    """A case that expects a rule or guard the policy does not have is a mistake in the test file."""
    rules = [r.id for r in policy.tree.deciding_rules]
    guards = [r.id for r in policy.tree.guards]
    wanted = case.expect.get("rule")
    problems = []
    if wanted is not None and wanted not in rules:
        what = "a guard, which never decides" if wanted in guards else "not a rule of the policy"
        hint = did_you_mean(wanted, rules)
        problems.append(f"case `{case.name}` expects rule `{wanted}`: {what}"
                        + (f"; did you mean `{hint}`?" if hint else f" (rules: {', '.join(rules) or 'none'})"))
    for g in case.expect.get("guards") or []:
        if g not in guards:
            hint = did_you_mean(g, guards)
            problems.append(f"case `{case.name}` expects guard `{g}`, which is not a guard of the policy"
                            + (f"; did you mean `{hint}`?" if hint else f" (guards: {', '.join(guards) or 'none'})"))
    if not problems:
        return None
    return AftersaleError([Diagnostic("invalid-test", ERROR, m, Span(str(file), case.line, 1, case.line, 1))
                           for m in problems])


def _holding(policy, event) -> frozenset[str]:
    """Ids of the rules and guards whose condition holds on `event`, each judged on its own."""
    from ..backends.interpreter import Scope, holds

    interp = policy._interpreter
    scope = Scope(event, interp.context(event))
    return frozenset(r.id for r in policy.tree.rules if holds(r.when, scope))


def run_case(case: Case, policy, policy_path: Path, file: Path) -> CaseResult:
    from ..events import parse_event

    start = time.perf_counter()
    problem = _check_names(case, policy, file)
    if problem is not None:
        return CaseResult(case, policy_path, ERROR_STATUS, error=problem)
    try:
        event = parse_event(case.event, source=str(file), line=case.line)
    except AftersaleError as err:
        return CaseResult(case, policy_path, ERROR_STATUS, error=err, seconds=time.perf_counter() - start)
    record = policy.decide(event, trace=True).to_json()
    diff = mismatches(case.expect, record)
    return CaseResult(case, policy_path, FAIL if diff else PASS, record, diff, event=event,
                      held=_holding(policy, event), seconds=time.perf_counter() - start)


def run_file(path: Path, run: RunResult) -> FileResult:
    from ..policy import load

    try:
        cf = load_case_file(path)
    except AftersaleError as err:
        return FileResult(path, None, error=err)
    out = FileResult(path, cf, several=len(cf.policy_paths) > 1)
    policies = []
    for pp in cf.policy_paths:
        key = pp.resolve()
        if key not in run.policies:
            try:
                run.policies[key] = load(pp)
            except AftersaleError as err:
                line = _policy_line(path)
                if quotes_policy(pp, err):
                    note = Diagnostic("invalid-test", ERROR, f"the policy `{pp}` this file tests does not compile",
                                      Span(str(path), line, 1, line, 1))
                    out.error = AftersaleError([note, *err.diagnostics])
                else:
                    out.error = _error(f"`{pp}`, the policy this file tests, does not compile and does not start "
                                       f"like a policy, so none of its text is shown here (run `aftersale lint "
                                       f"{pp}` to see why)", str(path), line)
                return out
            run.policy_names[key] = pp
        policies.append((pp, run.policies[key]))
    for case in cf.cases:
        for pp, policy in policies:
            out.results.append(run_case(case, policy, pp, path))
    return out


def quotes_policy(path: Path, err: AftersaleError) -> bool:
    """Whether the errors of a policy that does not compile may be shown with the text they quote.

    Not when the file does not start like a policy: a YAML file that is not a mapping with `rules`, or
    DSL whose first statement already fails. A test file may name any file as its policy, and the
    first line of a secrets file must not end up in a CI log.
    """
    import yaml

    source = next((d.source for d in err.diagnostics if d.source is not None), None)
    if source is None:
        return True  # nothing read is quoted (unreadable, binary, not UTF-8)
    if str(path).lower().endswith((".yaml", ".yml")):
        try:
            data = yaml.safe_load(source.text)
        except (yaml.YAMLError, RecursionError, ValueError):
            return False
        return isinstance(data, dict) and "rules" in data
    first = next((n for n, line in enumerate(source.text.splitlines(), start=1)
                  if line.strip() and not line.lstrip().startswith("#")), 0)
    return all(d.span.line > first for d in err.diagnostics if d.span.file == str(path))


def _policy_line(path: Path) -> int:
    try:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.startswith("policy:"):
                return n
    except OSError:
        pass
    return 1


def run_paths(paths: list[str]) -> RunResult:
    """Run every test file under `paths`."""
    files, errors = discover(paths)
    run = RunResult(errors=errors)
    for f in files:
        run.files.append(run_file(f, run))
    return run
