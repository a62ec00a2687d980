"""Every message id the code names exists in both catalogs (with the same placeholders, tested in
tests/explain/test_languages.py), so no output can fail to render in either language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from aftersale.locale import catalog, msg, placeholders

SRC = Path(__file__).resolve().parents[2] / "src" / "aftersale"
LITERAL = re.compile(r"""\b(?:msg|message|m|Unsupported)\(\s*(?:lang,\s*)?"([a-z_][a-z0-9_]*\.[a-z0-9_.]*[a-z0-9_])"(?!\s*\+)""")
#: simulate's report names its messages without their `sim.` prefix: `say("by_action")`.
SIM = re.compile(r"""\bsay\(\s*"([a-z_][a-z0-9_.]*)"|_heads\(say, ([^)]*)\)""")


def literal_ids() -> set[str]:
    found = set()
    for path in SRC.rglob("*.py"):
        if "explain" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        found |= set(LITERAL.findall(text))
        if path.name == "report.py" and path.parent.name == "simulate":
            for one, heads in SIM.findall(text):
                names = [one] if one else ["col." + h.strip(' "') for h in heads.split(",")]
                found |= {f"sim.{n}" for n in names}
    return found


def computed_ids() -> set[str]:
    """Ids the code builds from data: one per row of the tables they come from."""
    from aftersale.events.text import JSON_PROBLEMS
    from aftersale.functions import FUNCTIONS
    from aftersale.lint import platforms
    from aftersale.lint.confusables import LOOKALIKE_SCRIPTS
    from aftersale.syntax.parser import TERMINAL_NAMES
    from aftersale.syntax.vocabulary import PLACEHOLDERS
    from aftersale.syntax.yaml_front import YAML_PROBLEMS

    ids = {f"function.{name}" for name in FUNCTIONS}
    ids |= {f"terminal.{t}" for t in TERMINAL_NAMES.values()}
    ids |= {f"sentence.slot.{slot.strip('{}')}" for slot in PLACEHOLDERS}
    ids |= {f"event.json_problem.{p}" for p in JSON_PROBLEMS.values()}
    ids |= {f"yaml.problem.{p}" for p in YAML_PROBLEMS.values()}
    ids |= {f"lint.confusable.script.{s.lower().replace(' ', '_')}" for s in LOOKALIKE_SCRIPTS}
    ids |= {f"error.what.{w}" for w in ("name", "title", "platform", "language", "currency")}
    ids |= set(platforms.PLATFORM_NAMES.values()) | {platforms.REJECT_ADVICE}
    for facts in platforms.ACTIONS:
        ids |= {facts.what, facts.rule, *(r.unmet for r in facts.requirements)}
    for timer in platforms.TIMERS:
        ids |= {timer.step, timer.outcome, timer.rule}
    ids |= {f"config.known_{k}" for k in ("findings", "settings")}
    ids |= {f"severity.{s}" for s in ("error", "warning", "info")}
    ids |= {f"lint.kind.{k}" for k in ("rule", "guard")}
    ids |= {f"test.what.{w}" for w in ("action", "rule", "guards", "decided_by")}
    ids |= {f"event.type.{t}" for t in ("boolean", "number", "object", "array", "string", "null")}
    ids |= {f"error.type.{t}" for t in ("money", "number", "duration", "timestamp", "time", "date", "enum",
                                        "bool", "text", "list", "any")}
    ids |= {f"error.same_file_{k}" for k in ("input", "output")}
    plurals = ("lint.summary.files", "lint.summary.error", "lint.summary.warning", "lint.summary.info",
               "test.cases", "test.rules", "test.policies", "test.summary.errors", "test.summary.not_run",
               "sim.requests", "sim.decisions", "error.arguments", "cli.undecided", "sim.reason.more")
    ids |= {f"{p}.{n}" for p in plurals for n in ("one", "other")}
    return ids


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_message_the_code_names_is_in_the_catalog(lang: str) -> None:
    named = literal_ids() | computed_ids()
    assert len(named) > 300
    assert sorted(named - set(catalog(lang))) == []


def test_a_message_renders_in_both_languages_from_the_same_arguments() -> None:
    m = msg("error.unknown_action", action="aprove")
    assert (m.render("en"), m.render("zh")) == ("unknown action `aprove`", "未知的动作 `aprove`")
    assert placeholders(catalog("zh")["error.unknown_action"]) == {"action"}
