"""Sentence rules against the vocabulary table (syntax/vocabulary.py).

Hand-written goldens live in `fixtures/parse/sentences.yaml` (see its header).
Beside them, cases generated from the table itself: every verb with every
noun, every qualifier, and every modifier phrase means exactly its template.
A phrase added to the table is tested here without new code, and must also
get a hand-written golden (the coverage test says which is missing).
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from aftersale import rules as ir
from aftersale.policy import lower
from aftersale.syntax.sentences import match_phrase, tokenize
from aftersale.syntax.vocabulary import MODIFIERS, NOUN_ACTIONS, NOUNS, QUALIFIERS, VERBS
from conftest import read_cases, cases

SENTENCES = Path(__file__).parent / "fixtures" / "parse" / "sentences.yaml"

#: What each placeholder of a phrase is filled with in generated cases.
SAMPLES = {"{money}": "¥300", "{count}": "7", "{duration}": "40h", "{word}": "apparel",
           "{words}": "food, medicine", "{risks}": "low-risk or high-risk", "{expr}": "request.first_request"}
#: ... and what it stands for in the phrase's template.
TEMPLATE_SAMPLES = {"{money}": "¥300", "{money2}": "¥300", "{count}": "7", "{duration}": "40h",
                    "{word}": '"apparel"', "{words}": '"food", "medicine"', "{risks}": "low, high",
                    "{expr}": "request.first_request"}


def clean(text: str, fmt: str) -> ir.Policy:
    tree, diagnostics = lower(text, fmt, "golden.policy" if fmt == "dsl" else "golden.yaml")
    assert not diagnostics, "\n".join(d.render() for d in diagnostics)
    return tree


def sentence_rule(sentence: str, rule_id: str = "s") -> ir.Rule:
    """The rule a sentence lowers to, checking the DSL and YAML forms agree."""
    from_dsl = clean(f'policy "golden"\nrule {rule_id}: {sentence}\n', "dsl")
    quoted = sentence if ": " not in sentence and not sentence.startswith(("'", '"')) else json.dumps(sentence)
    from_yaml = clean(f"name: golden\nrules:\n  - id: {rule_id}\n    sentence: {quoted}\n", "yaml")
    assert from_dsl == from_yaml
    return from_dsl.rules[0]


def block_rule(when: str | None, then) -> ir.Rule:
    """The block rule `when WHEN then THEN`; an empty WHEN always holds."""
    outcome = f"forbid {', '.join(then['forbid'])}" if isinstance(then, dict) else then
    if not when:
        return ir.Rule("s", ir.TRUE, None if isinstance(then, dict) else then,
                       tuple(then["forbid"]) if isinstance(then, dict) else ())
    rule = clean(f'policy "golden"\nrule s:\n  when {when}\n  then {outcome}\n', "dsl").rules[0]
    when_tree = rule.when if isinstance(rule.when, ir.And) else ir.And((rule.when,))
    return dataclasses.replace(rule, when=when_tree)


def same_meaning(rule: ir.Rule, expected: ir.Rule) -> None:
    assert (rule.action, rule.forbids) == (expected.action, expected.forbids)
    assert rule.when == expected.when, f"\n{ir.dump(rule.when)}\n!=\n{ir.dump(expected.when)}"


@pytest.mark.parametrize("case", cases(SENTENCES))
def test_sentence_golden(case):
    rule = sentence_rule(case["sentence"])
    assert rule.sentence == " ".join(case["sentence"].split())
    means = case["means"]
    same_meaning(rule, block_rule(means.get("when"), means["then"]))
    if "tree" in case:
        assert ir.dump(rule) == case["tree"].rstrip("\n")


# -- generated from the table ------------------------------------------------------

def _verb_noun_cases() -> list:
    out = []
    for verb in VERBS.values():
        for noun, kind in NOUNS.items():
            out.append(pytest.param(verb, noun, kind, id=f"{verb.word} {noun}"))
    return out


@pytest.mark.parametrize("verb, noun, kind", _verb_noun_cases())
def test_every_verb_with_every_noun(verb, noun, kind):
    kind_test = f"request.kind == {kind}" if kind else None
    if verb.action is None and kind is None:
        tree, diagnostics = lower(f'policy "g"\nrule s: {verb.word} {noun}\n', "dsl", "g.policy")
        assert [d.name for d in diagnostics] == ["ambiguous-sentence"]
    else:
        action = verb.action or NOUN_ACTIONS[kind]
        same_meaning(sentence_rule(f"{verb.word} {noun}"), block_rule(kind_test, action))
    if verb.forbids:
        same_meaning(sentence_rule(f"never {verb.word} {noun}"),
                     block_rule(kind_test, {"forbid": list(verb.forbids)}))
    else:
        tree, diagnostics = lower(f'policy "g"\nrule s: never {verb.word} {noun}\n', "dsl", "g.policy")
        assert [d.name for d in diagnostics] == ["ambiguous-sentence"]


@pytest.mark.parametrize("word, reason", QUALIFIERS.items())
def test_every_qualifier(word, reason):
    same_meaning(sentence_rule(f"escalate {word} requests"), block_rule(f"request.reason == {reason}", "manual_review"))


@pytest.mark.parametrize("phrase", MODIFIERS, ids=lambda p: p.pattern)
def test_every_modifier_means_its_template(phrase):
    words = phrase.pattern
    template = phrase.template
    for slot, sample in SAMPLES.items():
        words = words.replace(slot, sample)
    for slot, sample in sorted(TEMPLATE_SAMPLES.items(), key=lambda kv: -len(kv[0])):
        template = template.replace(slot, sample)
    rule = sentence_rule(f"escalate requests {words}")
    same_meaning(rule, block_rule(template, "manual_review"))
    # each condition points at the words that say it, so a trace shows them next to its values
    tree = clean(f'policy "golden"\nrule s: escalate requests {words}\n', "dsl")
    said = words.removeprefix("where ") if phrase.pattern.startswith("where") else words
    for condition in tree.rules[0].when.operands:
        assert tree.source.text_of(condition.span) == said


def test_every_word_of_the_table_has_a_hand_written_golden():
    sentences = [c["sentence"] for c in read_cases(SENTENCES)]
    words = {w.lower() for s in sentences for w in s.replace(",", " ").split()}
    missing = [w for w in list(VERBS) + list(QUALIFIERS) + list(NOUNS) if w not in words]
    assert not missing, f"add a case to sentences.yaml using: {missing}"
    used = set()
    for s in sentences:
        toks = tokenize(s)
        for i in range(len(toks)):
            used.update(p.pattern for p in MODIFIERS if match_phrase(p, toks, i, s))
    unused = [p.pattern for p in MODIFIERS if p.pattern not in used]
    assert not unused, f"add a case to sentences.yaml using the phrases: {unused}"
    assert any(s.split()[0] == "never" for s in sentences)
