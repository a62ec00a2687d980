"""`simulate --baseline`, "by rule, old → new": every group is one old (rule, action) and one new (rule, action)."""
from __future__ import annotations

import json
from pathlib import Path

from aftersale import load
from aftersale.simulate import simulate
from aftersale.simulate import report as render
from aftersale.simulate.generate import events

from .readme_examples import check_example

ROOT = Path(__file__).resolve().parents[2]
HEADER = 'platform douyin\ntimezone Asia/Shanghai\ncurrency CNY\n'
#: The new policy's one rule ends in two actions: approve_return, or manual_review when the guard forbids it.
NEW = ('policy "new"\n' + HEADER + "rule no-risky: never auto-approve requests from high-risk buyers\n"
       "rule no-reason: auto-approve no-reason returns under ¥300\notherwise manual_review\n")
OLD = 'policy "old"\n' + HEADER + "otherwise manual_review\n"


def _event(n: int, risk: str) -> dict:
    event = json.loads((ROOT / "policies" / "events" / "AS-1001.json").read_text(encoding="utf-8"))
    event["id"] = f"E{n}"
    event["buyer"]["risk_level"] = risk
    return event


def test_one_rule_with_two_actions_gives_two_groups(tmp_path):
    (tmp_path / "new.policy").write_text(NEW, encoding="utf-8")
    (tmp_path / "old.policy").write_text(OLD, encoding="utf-8")
    # the first event is forbidden, so labelling a group by its first event would call all five manual_review
    risks = ["high", "low", "low", "high", "low"]
    history = tmp_path / "h.jsonl"
    history.write_text("".join(json.dumps(_event(n, r)) + "\n" for n, r in enumerate(risks, 1)), encoding="utf-8")
    report = simulate(str(tmp_path / "new.policy"), str(history), str(tmp_path / "old.policy"), jobs=1)
    groups = {(g["from_rule"], g["from_action"], g["to_rule"], g["to_decided_by"], g["to_action"]):
              (g["count"], [e["event_id"] for e in g["examples"]]) for g in report["changes"]["rules"]}
    assert groups == {
        (None, "manual_review", "no-reason", "rule", "approve_return"): (3, ["E2", "E3", "E5"]),
        (None, "manual_review", "no-reason", "forbidden", "manual_review"): (2, ["E1", "E4"]),
    }
    out = render.text(report)
    assert "otherwise (manual_review) → no-reason (approve_return): 3 requests" in out
    assert "otherwise (manual_review) → no-reason forbidden by a guard (manual_review): 2 requests" in out
    assert "→ no-reason forbidden by a guard (`manual_review`) | 2 |" in render.markdown(report)


def test_every_example_is_decided_as_its_group_says(tmp_path):
    history = tmp_path / "h.jsonl"
    history.write_text("\n".join(events(1500, seed=11)) + "\n", encoding="utf-8")
    policy, baseline = ROOT / "policies" / "douyin-assistant.policy", ROOT / "policies" / "tea-house.policy"
    report = simulate(str(policy), str(history), str(baseline), jobs=1)
    groups = report["changes"]["rules"]
    assert len({(g["from_rule"], g["to_rule"]) for g in groups}) < len(groups)   # some rule pair ends in two actions
    assert sum(g["count"] for g in groups) <= report["events"]["decided"]
    new, old = load(str(policy)), load(str(baseline))
    lines = history.read_text(encoding="utf-8").splitlines()
    for g in groups:
        for ex in g["examples"]:
            event = json.loads(lines[ex["line"] - 1])
            before, after = old.decide(event, trace=False), new.decide(event, trace=False)
            assert (before.rule, before.decided_by, before.action) == (g["from_rule"], g["from_decided_by"],
                                                                       g["from_action"])
            assert (after.rule, after.decided_by, after.action) == (g["to_rule"], g["to_decided_by"], g["to_action"])



def test_the_readme_tour_output_is_what_the_commands_print(tmp_path):
    """The tour's `generate` + `simulate --baseline` commands, run as written; every line shown is printed."""
    check_example("**6. Try it on history", tmp_path)
