"""One parity matrix: every evaluation case on the interpreter and on the compiled backend.

Cases come from everywhere the suite evaluates events:
- the policy test files (policies/*.tests.yaml), each case on each of its policy files;
- the evaluation goldens (tests/backends/fixtures/*.yaml);
- generated events (bench/workload.py) on the bench policy and on every example policy.

Each event is decided by the tree-walking interpreter (untraced and traced) and
by the compiled backend (fast and traced, from the event dict and from the
parsed Event). All must agree on action, rule, guards, forbidding guard and action,
`recheck_at`, and
the traced records must be equal, every condition with its values, facts and
positions. The compiled backend runs `strict`: where it could not decide an
event the schema accepts, the test fails instead of falling back.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

import aftersale
from aftersale.runner.casefile import apply_overrides, load_case_file
from aftersale.backends.interpreted import decide_parsed
from aftersale.backends.compiled import CompiledPolicy
from aftersale.decision.decision import Decision, Origin
from aftersale.backends.interpreter import Interpreter
from aftersale.events import parse_event

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench import workload  # noqa: E402

POLICIES = ROOT / "policies"
FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE_POLICIES = sorted(POLICIES.glob("*.policy")) + sorted(POLICIES.glob("*.yaml"))
EXAMPLE_POLICIES = [p for p in EXAMPLE_POLICIES if not p.name.endswith((".tests.yaml", ".tests.yml"))]


class Backends:
    """One policy on every path."""

    def __init__(self, policy: aftersale.Policy):
        self.tree = policy.tree
        self.interpreter = Interpreter(self.tree)
        self.origin = Origin(self.tree)
        self.compiled = CompiledPolicy(self.tree, strict=True)

    def interpret(self, parsed, trace: bool) -> Decision:
        return decide_parsed(self.interpreter, parsed, trace, self.origin)

    def decisions(self, event: dict) -> dict[str, Decision]:
        parsed = parse_event(event)
        return {
            "interpreter": self.interpret(parsed, False),
            "interpreter traced": self.interpret(parsed, True),
            "compiled": self.compiled.decide(event, False),
            "compiled traced": self.compiled.decide(event, True),
            "compiled from Event": self.compiled.decide(parsed, False),
            "compiled traced from Event": self.compiled.decide(parsed, True),
        }


@lru_cache(maxsize=None)
def backends_for_file(path: Path) -> Backends:
    return Backends(aftersale.load(path))


@lru_cache(maxsize=None)
def backends_for_text(text: str, name: str) -> Backends:
    return Backends(aftersale.compile(text, "dsl", name))


def outcome(d: Decision) -> tuple:
    return (d.action, d.rule, tuple(d.guards), d.forbidden_by, d.forbidden_action, d.decided_by, d.event_id, d.at,
            d.recheck_at)


def assert_parity(backends: Backends, event: dict, records: bool = True) -> None:
    got = backends.decisions(event)
    want = outcome(got["interpreter"])
    for name, d in got.items():
        assert outcome(d) == want, f"{name} decided {outcome(d)}, the interpreter {want}"
    assert got["compiled"].trace is None and got["compiled from Event"].trace is None
    if records:
        reference = got["interpreter traced"].to_json()
        for name in ("compiled traced", "compiled traced from Event"):
            assert got[name].to_json() == reference, f"{name}: the record differs from the interpreter's"
        assert got["compiled"].to_json() == got["interpreter"].to_json()


# -- the policy test files ---------------------------------------------------------------

def policy_test_cases() -> list:
    out = []
    for path in sorted(POLICIES.glob("*.tests.yaml")):
        case_file = load_case_file(path)
        for policy_path in getattr(case_file, "policy_paths", None) or [case_file.policy_path]:
            for case in case_file.cases:
                out.append(pytest.param(policy_path, case.event, id=f"{policy_path.name}:{case.index + 1}"))
    return out


@pytest.mark.parametrize("policy_path, event", policy_test_cases())
def test_policy_test_files(policy_path, event):
    assert_parity(backends_for_file(policy_path), event)


# -- the evaluation goldens ----------------------------------------------------------------

def golden_cases() -> list:
    out = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i, case in enumerate(data["cases"], start=1):
            out.append(pytest.param(path, data["header"] + case["rules"], data["base_event"], case.get("set") or {},
                                    id=f"{path.stem}:{i}"))
    return out


@pytest.mark.parametrize("path, text, base, overrides", golden_cases())
def test_evaluation_goldens(path, text, base, overrides):
    raw = (POLICIES / "events" / base).read_text(encoding="utf-8")
    event = apply_overrides(yaml.safe_load(raw), overrides, path, 1)
    assert_parity(backends_for_text(text, path.stem + ".policy"), event)


# -- generated events ------------------------------------------------------------------------

def test_the_bench_workload():
    backends = backends_for_text(workload.POLICY, "bench.policy")
    for i, event in enumerate(workload.generate(1500, seed=11)):
        assert_parity(backends, event, records=i % 5 == 0)


@pytest.mark.parametrize("policy_path", EXAMPLE_POLICIES, ids=lambda p: p.name)
def test_generated_events_on_the_example_policies(policy_path):
    backends = backends_for_file(policy_path)
    for i, event in enumerate(workload.generate(300, seed=5)):
        if i % 3 == 0:  # the Kuaishou policy's food and parcel rules: give some events their shapes
            event["order"]["items"][0]["category"] = "food"
            event["request"]["reason"] = "lost"
        assert_parity(backends, event, records=i % 4 == 0)


def test_a_big_generated_policy():
    backends = backends_for_text(workload.big_policy(120), "big.policy")
    for event in workload.generate(150, seed=3):
        assert_parity(backends, event, records=False)
