"""Fuzzing the front ends: no input lets any exception but `AftersaleError` escape.

Raw text, token soup in the languages' own words, and valid inputs with random
damage go into the DSL parser, the YAML loader, expression strings, event
validation and reading, and decision records into explain. Whatever goes in,
the answer is a result or an `AftersaleError` (which the CLI turns into a
message with file, line and column), never another exception.
"""
from __future__ import annotations

import json
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aftersale
from aftersale import AftersaleError
from aftersale.events import parse_event, read_events
from aftersale.explain.render import render
from aftersale.syntax.fmt import expr_text, to_dsl, to_yaml
from aftersale.schema import validator
from aftersale.source import Source
from aftersale.syntax.lower import Lowering

from conftest import examples

from .strategies import conditions, event_json, events, policies

# -- inputs ----------------------------------------------------------------------------------

DSL_WORDS = (
    "policy", "platform", "timezone", "currency", "service", "hours", "holidays", "rule", "otherwise", "when",
    "then", "forbid", "and", "or", "not", "in", "is", "missing", "present", "between", "true", "false",
    "request.amount", "order.paid_amount", "request.kind", "return_refund", "buyer.risk_level", "high",
    "request.created_at", "order.items", "item.category", "item.price", "age", "any", "all", "count", "contains",
    "weekday", "local_time", "approve_refund", "manual_review", "reject", "douyin", "Asia/Shanghai", "CNY", "cn",
    "mon-fri", "09:00-18:00", "¥300", "300元", "300 CNY", "60%", "48h", "1d12h", "09:00", "24:00", "2026-11-11",
    "0", "1.5", "99999999999999999999999999999999", "\"text\"", "\"", "\"\\q\"", "\"\\ud800\"", "(", ")", "[",
    "]", ",", ":", ".", "==", "!=", "<", "<=", ">", ">=", "=", "+", "-", "#", "# comment\n", "\n", "never",
    "auto-approve", "auto-refund", "express-refund", "escalate", "no-reason", "returns", "refunds", "requests",
    "under", "over", "up", "to", "during", "off-hours", "within", "days", "of", "delivery", "where", "pending",
    "for", "category", "categories", "from", "low-risk", "buyers", "once", "inspected", "\x00", "\u2028", "🍵",
)
YAML_WORDS = (
    "name:", "rules:", "- id: a", "id:", "sentence:", "when:", "then:", "forbid:", "all:", "any:", "not:",
    "otherwise:", "service_hours:", "mon-fri:", "timezone:", "holidays:", "title:", "-", ":", "{", "}", "[", "]",
    ",", "&a", "*a", "&b [*a, *a]", "!!python/object/apply:os.system", "!!python/name:os.getcwd", "!!binary",
    "!custom", "!!set", "!!omap", "? ", "|", ">", "'", "\"", "---", "...", "%YAML 1.1", "\t", "\n", "\n  ", "\n    ",
    "request.amount < ¥300", "approve_refund", "escalate requests", "true", "null", "~", "0x1F", "1e400",
    "2026-11-11", "<<: *a", "# c", "\x00", "\ufeff", "\u2028",
)


def soup(words, max_size=40):
    pieces = st.one_of(st.sampled_from(words), st.text(max_size=3))
    seps = st.sampled_from((" ", " ", " ", "\n", "", "  ", "\n  "))
    return st.lists(st.tuples(pieces, seps), max_size=max_size).map(
        lambda xs: "".join(w + s for w, s in xs))


@st.composite
def damaged(draw, text_strategy):
    """Valid text with a few random edits: deletions, duplications, insertions, swaps."""
    text = draw(text_strategy)
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        j = draw(st.integers(i, min(len(text), i + 30)))
        edit = draw(st.integers(0, 3))
        if edit == 0:
            text = text[:i] + text[j:]
        elif edit == 1:
            text = text[:j] + text[i:j] + text[j:]
        elif edit == 2:
            text = text[:i] + draw(st.sampled_from(DSL_WORDS + YAML_WORDS)) + text[i:]
        else:
            text = text[:i] + text[j:j + 5] + text[i:j] + text[j + 5:]
    return text


def json_values():
    leaves = st.one_of(st.none(), st.booleans(), st.integers(-10**40, 10**40), st.floats(allow_nan=True),
                       st.decimals(allow_nan=True), st.text(max_size=20),
                       st.sampled_from(("2026-11-21T22:14:00+08:00", "129.00", "return_refund", "AS-1")))
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.one_of(st.text(max_size=10), st.sampled_from(("id", "request", "order", "amount", "items"))),
        inner, max_size=4), max_leaves=20)


@st.composite
def damaged_events(draw):
    """A schema-valid event with one part replaced, removed or added."""
    event = draw(events())
    target = event
    path = draw(st.lists(st.sampled_from(("request", "order", "buyer", "items", "tracking", 0, "store")),
                         max_size=3))
    for part in path:
        nxt = target.get(part) if isinstance(target, dict) else (
            target[part] if isinstance(target, list) and isinstance(part, int) and part < len(target) else None)
        if isinstance(nxt, (dict, list)):
            target = nxt
    if isinstance(target, dict) and target:
        key = draw(st.sampled_from(sorted(target)))
        action = draw(st.integers(0, 2))
        if action == 0:
            del target[key]
        elif action == 1:
            target[key] = draw(json_values())
        else:
            target[draw(st.text(max_size=8))] = draw(json_values())
    return event


#: Policies that read every part of an event, to decide whatever parse_event lets through.
READERS = [aftersale.compile(text) for text in (
    "rule a: auto-approve no-reason returns under ¥300 during off-hours\n"
    "rule b: express-refund returns with verified tracking from risk-checked buyers on orders under ¥300\n"
    "rule c: escalate requests pending for over 40h in categories food, medicine\n"
    "rule d: auto-refund refunds within 7 days of delivery once inspected on holidays\n",
    "holidays cn\nservice hours mon-fri 09:00-18:00\n"
    "rule e:\n when any(order.items, item.price > ¥10 and contains(item.sku, \"A\")) "
    "or count(order.items, item.quantity > 2) >= 1\n then reject\n"
    "rule f:\n when buyer.return_rate > 60% or weekday(at) in [sat, sun] or local_time(request.created_at) < 09:00"
    " or request.warehouse.at - request.tracking.uploaded_at > 2d or length(id) > 3 or order.paid_at is missing\n"
    " then manual_review\n",
)]


def only_aftersale_errors(fn, *args, **kwargs):
    """Call fn; the one exception allowed through is AftersaleError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)
    except AftersaleError as err:
        assert err.diagnostics, "an AftersaleError without a diagnostic"
        for d in err.diagnostics:
            assert d.message and d.span.line >= 0
            d.render()
        return None


# -- the properties ------------------------------------------------------------------------------

def dsl_parser(text):
    only_aftersale_errors(aftersale.compile, text, "dsl", "fuzz.policy")


def yaml_loader(text):
    only_aftersale_errors(aftersale.compile, text, "yaml", "fuzz.yaml")


def expression_strings(text):
    lowering = Lowering(Source(text, "fuzz"))
    only_aftersale_errors(lowering.expression_text, text, 0)
    block = "rule a:\n  when " + text.replace("\n", " ") + "\n  then reject\n"
    only_aftersale_errors(aftersale.compile, block, "dsl")
    only_aftersale_errors(aftersale.compile, "rules:\n- id: a\n  when: " + json.dumps(text) + "\n  then: reject\n",
                          "yaml")
    only_aftersale_errors(aftersale.compile, "rule a: escalate requests where " + text.replace("\n", " "), "dsl")


def event_validation(obj):
    event = only_aftersale_errors(parse_event, obj)
    if event is not None:  # whatever validation lets through must decide without failing
        for policy in READERS:
            policy.decide(event).to_json()
            policy.decide(event, trace=False)


def event_reading(text):
    read = 0
    for item in read_events(text, "fuzz.jsonl"):
        read += 1
        if item.error is None:
            event = only_aftersale_errors(parse_event, item.obj, source="fuzz.jsonl", line=item.line,
                                          text=item.text, index=getattr(item, "index", None))
            if event is not None:
                READERS[0].decide(event).to_json()
        else:
            assert item.error.diagnostics[0].span.line >= 1
    if not text.lstrip().startswith("["):  # JSON Lines: one answer per non-blank line, or one document
        lines = sum(1 for line in text.split("\n") if line.strip())
        assert read == lines or read == 1


@st.composite
def damaged_records(draw):
    """A decision record with one value replaced somewhere in it."""
    policy = aftersale.compile(to_dsl(draw(policies(max_rules=3))))
    record = policy.decide(draw(events())).to_json()
    stack = [record]
    for _ in range(draw(st.integers(1, 6))):
        node = stack[-1]
        keys = sorted(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        if not keys:
            break
        k = draw(st.sampled_from(keys))
        if isinstance(node[k], (dict, list)) and draw(st.booleans()):
            stack.append(node[k])
            continue
        node[k] = draw(st.one_of(json_values(), st.just(None), st.text(max_size=300)))
        break
    return record


def explain_records(args):
    record, full, why_not, width = args
    if any(True for _ in validator("decision").iter_errors(record)):
        return  # explain --record refuses it before rendering
    assert isinstance(render(record, full=full, why_not=why_not, width=width), str)


def lint_any(args):
    """Lint reads what the front ends read, and more: it must not fail on any policy text either."""
    from aftersale.lint import lint_text

    text, fmt = args
    found = only_aftersale_errors(lint_text, text, fmt, "fuzz." + ("yaml" if fmt == "yaml" else "policy"))
    for finding in found or []:
        assert finding.name and finding.severity in ("error", "warning", "info")


#: name → (inputs, property). Each runs 60 inputs by default and 2,000 with `pytest -m slow`.
FUZZ = {
    "dsl-text": (st.one_of(st.text(), soup(DSL_WORDS)), dsl_parser),
    "dsl-damaged": (damaged(policies(max_rules=3).map(to_dsl)), dsl_parser),
    "yaml-text": (st.one_of(st.text(), soup(YAML_WORDS)), yaml_loader),
    "yaml-damaged": (damaged(policies(max_rules=3).map(to_yaml)), yaml_loader),
    "expressions": (st.one_of(soup(DSL_WORDS, 15), damaged(conditions().map(expr_text)), st.text(max_size=30)),
                    expression_strings),
    "event-objects": (st.one_of(json_values(), damaged_events()), event_validation),
    "event-text": (st.one_of(st.text(), damaged(events().map(event_json)),
                             st.lists(st.one_of(events().map(event_json), damaged(events().map(event_json)),
                                                st.text(max_size=5)), max_size=5).map("\n".join)),
                   event_reading),
    "records": (st.tuples(damaged_records(), st.booleans(), st.sampled_from((None, "a", "zz", "")),
                          st.integers(20, 200)), explain_records),
    "lint": (st.one_of(st.tuples(damaged(policies(max_rules=3).map(to_dsl)), st.just("dsl")),
                       st.tuples(policies(max_rules=4).map(to_dsl), st.just("dsl")),
                       st.tuples(damaged(policies(max_rules=3).map(to_yaml)), st.just("yaml"))), lint_any),
}
#: Fewer inputs where each costs more (lint decides satisfiability, with z3 where it must).
EXAMPLES = {"lint": (15, 500)}
#: Inputs run, by name (printed by the slow run).
RAN: dict[str, int] = {}


def run(name: str, examples: int) -> None:
    inputs, prop = FUZZ[name]

    def counted(value):
        RAN[name] = RAN.get(name, 0) + 1
        prop(value)

    settings(max_examples=examples)(given(inputs)(counted))()


@pytest.mark.parametrize("name", list(FUZZ))
def test_fuzz(name):
    run(name, examples(EXAMPLES.get(name, (60,))[0]))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FUZZ))
def test_fuzz_long(name):
    run(name, EXAMPLES.get(name, (0, 2_000))[1])
    print(f"\n{name}: {RAN[name]:,} inputs")
