"""A policy's tests, sent with it to `POST /v1/policies`: a test file's YAML, run before publishing.

The YAML is an `aftersale test` file whose `policy:` is ignored (the cases run on the policy sent
with it) and whose events are inline mappings: the service never reads files a request names.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml

from ..limits import MAX_SOURCE_CHARS


def _refusal(message: str) -> list[dict[str, Any]]:
    return [{"name": "invalid-test", "severity": "error", "message": message}]


def run_tests(text: str, fmt: str, tests: str) -> tuple[list[dict[str, Any]], int]:
    """(problems, cases passed): problems are failed cases and errors, as JSON; none means all passed."""
    from ..runner.run import PASS

    errors, cases = run_cases(text, fmt, tests)
    return errors + [c for c in cases if c["status"] != PASS], sum(c["status"] == PASS for c in cases)


def run_cases(text: str, fmt: str, tests: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(errors, cases): diagnostics that stopped the tests, and every case run with its status, as JSON."""
    from ..explain import headline
    from ..files import atomic_write
    from ..runner import run_paths
    from ..runner.run import PASS
    from ..syntax.yaml_front import check_yaml

    if len(tests) > MAX_SOURCE_CHARS:
        return _refusal(f"the tests are larger than {MAX_SOURCE_CHARS:,} characters"), []
    refused = check_yaml(tests)
    if refused is not None:
        return _refusal(refused[0]), []
    try:
        data = yaml.safe_load(tests)
    except (yaml.YAMLError, RecursionError) as exc:
        return _refusal(f"the tests are not valid YAML: {str(exc).splitlines()[0]}"), []
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        return _refusal("the tests are a test file: a mapping with `cases`"), []
    refs = [data.get("base_event")] + [c.get("event") for c in data["cases"] if isinstance(c, dict)]
    if any(isinstance(ref, str) for ref in refs):
        return _refusal("events in the tests are inline mappings: the service reads no files"), []
    with tempfile.TemporaryDirectory(prefix="aftersale-publish-") as folder:
        policy_file = Path(folder) / ("policy.yaml" if fmt == "yaml" else "policy.policy")
        atomic_write(policy_file, text)
        data["policy"] = policy_file.name
        test_file = Path(folder) / "policy.tests.yaml"
        atomic_write(test_file, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        run = run_paths([str(test_file)])
    errors: list[dict[str, Any]] = []
    for err in run.errors:
        errors += [_plain(d.to_json()) for d in err.diagnostics]
    cases: list[dict[str, Any]] = []
    for f in run.files:
        if f.error is not None:
            errors += [_plain(d.to_json()) for d in f.error.diagnostics]
        for r in f.results:
            if r.status == PASS:
                cases.append({"case": r.case.name, "status": r.status})
            elif r.error is not None:
                cases.append({"case": r.case.name, "status": r.status,
                              "diagnostics": [_plain(d.to_json()) for d in r.error.diagnostics]})
            else:
                cases.append({"case": r.case.name, "status": r.status,
                              "mismatches": [{"what": w, "expected": e, "actual": a} for w, e, a in r.mismatches],
                              "headline": headline(r.record) if r.record else None})
    return errors, cases


def _plain(diagnostic: dict[str, Any]) -> dict[str, Any]:
    """A diagnostic without the temporary folder's name."""
    if diagnostic.get("file"):
        diagnostic["file"] = Path(diagnostic["file"]).name
    return diagnostic
