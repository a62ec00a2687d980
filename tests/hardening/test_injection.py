"""Policy text is only ever data to the compiled backend (issue 9): hostile text cannot become code.

Policies in DSL and YAML hold hostile strings in every place that carries
text: the policy's name (and, without a name line, the file name), rule ids
(as unusual as the grammar allows: Python builtins and the generator's own
names), titles, string literals in conditions and `in [...]` lists. The
strings mix quotes of every kind, triple quotes, backslashes, newlines,
`\\N{...}`, braces, `%s`, `${}`, NUL, bidi controls, names of builtins,
very long runs, and payloads that try to create a canary file. Each case
asserts that the canary is never created, that the generated code compiles
and never fails (`CompiledPolicy.failures` stays 0), and that the compiled
paths decide a few events exactly as the interpreter does.

The default run checks a few hundred policies; `pytest -m slow` thousands.
"""
from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import aftersale
from aftersale.cli import cli
from aftersale.diagnostics import AftersaleError
from aftersale.backends.compiled import CompiledPolicy
from aftersale.backends.interpreter import Interpreter
from aftersale.events import parse_event
from aftersale.limits import MAX_ID_CHARS, MAX_NAME_CHARS, MAX_STRING_CHARS, MAX_TITLE_CHARS

#: Characters of a hostile string literal: the limit counts the literal as written, and JSON's
#: escapes (`\u0000`) take up to six characters for one.
STRING_CHARS = MAX_STRING_CHARS // 6

ROOT = Path(__file__).resolve().parents[2]
BASE_EVENT = json.loads((ROOT / "policies" / "events" / "base-douyin.json").read_text(encoding="utf-8"))

#: Stands for the canary file's path in generated strings (replaced by the real path in each test).
CANARY = "@CANARY@"
#: Payloads that create the canary if any of them ever runs as Python (in a docstring, a string
#: literal, an f-string, a %-format, a comment or a line of its own).
PAYLOADS = (
    f'""" + str(__import__("os").system("touch {CANARY}")) + """',
    f"''' + str(open('{CANARY}', 'w')) + '''",
    f'" + str(open("{CANARY}", "w")) + "',
    f"' + str(open('{CANARY}', 'w')) + '",
    f'\\" + str(open("{CANARY}", "w")) + \\"',
    f'\\\' + str(open(\'{CANARY}\', \'w\')) + \\\'',
    f'\nopen("{CANARY}", "w")\n',
    f'\r\n__import__("os").system("touch {CANARY}")\r\n',
    f'#\n;open("{CANARY}", "w");#',
    f'{{open("{CANARY}", "w")}}',
    f'{{__import__("os").system("touch {CANARY}")}}',
    f'%(x)s%s" % open("{CANARY}", "w") + "',
    f'${{open("{CANARY}", "w")}}',
    f'\\N{{BULLET}}" + str(open("{CANARY}", "w")) + "\\N{{BULLET}}',
    f'\u202e" + str(open("{CANARY}", "w")) + "\u2066',
    f'\x00" + str(open("{CANARY}", "w")) + "',
    f'\\x00\\u0000\\\n" + exec("open(\'{CANARY}\', \'w\')") + "',
    f')]}}; exec("open(\'{CANARY}\', \'w\')"); x = ([{{',
)
FRAGMENTS = ('"""', "'''", '"', "'", "\\", "\\\\", "\n", "\r", "\t", "\\N{BULLET}", "\\N{", "\\x41", "\\u0041",
             "{", "}", "{0}", "{{", "}}", "%s", "%r", "%", "${}", "${HOME}", "\x00", "\x1b[2J", "\u202e", "\u2066",
             "\u2069", "\u200b", "\u2028", "__import__", "exec", "eval", "os", "open", "compile", "globals",
             "K0", "f0", "c0", "e", "t", "d", "MISSING", "True", "None", "#", "(", ")", "[", "]", ":", ";",
             "\\\n", "茶", "🍵", "\ufeff", "\x85", CANARY)
#: Rule ids the grammar allows that read as Python (builtins, keywords, the generator's own names).
IDS = ("__import__", "exec", "eval", "os", "open", "_", "__", "None", "True", "False", "lambda", "import",
       "K0", "K1", "f0", "c0", "e", "d", "t", "gs", "fb", "log", "L", "MISSING", "NEW", "O0", "S0", "KEYS0",
       "0", "9-", "r1", "_--_", "x" * MAX_ID_CHARS)


def hostile(limit: int):
    """Hostile text of at most `limit` characters (before the canary's path is put in)."""
    pieces = st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(PAYLOADS), st.text(max_size=4))
    return st.one_of(
        st.sampled_from(PAYLOADS),
        st.lists(pieces, max_size=8).map("".join),
        st.tuples(st.sampled_from(PAYLOADS), st.sampled_from(FRAGMENTS)).map(lambda p: (p[0] + p[1]) * limit),
    ).map(lambda s: s[:limit])


def dsl_string(text: str) -> str:
    """A DSL string literal holding `text` (its escapes are JSON's)."""
    return json.dumps(text, ensure_ascii=False)


@st.composite
def cases(draw):
    """(format, policy text, filename, strings events may hold), every text-bearing place hostile."""
    fmt = draw(st.sampled_from(("dsl", "yaml")))
    named = draw(st.booleans())
    name, stem = draw(hostile(MAX_NAME_CHARS)), draw(hostile(60))
    ids = draw(st.lists(st.sampled_from(IDS), min_size=3, max_size=3, unique=True))
    titles = [draw(st.none() | hostile(MAX_TITLE_CHARS)) for _ in ids]
    s = [draw(hostile(STRING_CHARS)) for _ in range(5)]
    sku, number, category = (f"{{s[{i}]}}" for i in range(3))
    conditions = [
        None,  # a sentence rule (a guard)
        f"any(order.items, item.sku == {sku} or starts_with(item.category, {category}))"
        f" or contains(request.tracking.number, {number})",
        f"request.tracking.number in [{sku}, {number}, {{s[3]}}] or all(order.items, item.category not in "
        f"[{{s[4]}}, {category}]) or count(order.items, ends_with(item.sku, {{s[4]}})) > 1",
    ]
    sentence = "never auto-approve requests from high-risk buyers"
    actions = [None, "reject", "approve_return"]
    filename = f"{stem}.{'policy' if fmt == 'dsl' else 'yaml'}"
    if fmt == "dsl":
        def lit(i: int) -> str:
            return dsl_string(s[i])

        lines = [f"policy {dsl_string(name)}"] if named else []
        for rule_id, title, when, action in zip(ids, titles, conditions, actions):
            head = f"rule {rule_id}" + (f" {dsl_string(title)}" if title is not None else "")
            if when is None:
                lines.append(f"{head}: {sentence}")
            else:
                lines.append(f"{head}:\n  when {when.format(s=[lit(i) for i in range(5)])}\n  then {action}")
        lines.append("otherwise manual_review")
        text = "\n".join(lines) + "\n"
    else:
        rules = []
        for rule_id, title, when, action in zip(ids, titles, conditions, actions):
            rule = {"id": rule_id}
            if title is not None:
                rule["title"] = title
            if when is None:
                rule["sentence"] = sentence
            else:
                rule.update(when=when.format(s=[dsl_string(x) for x in s]), then=action)
            rules.append(rule)
        doc = ({"name": name} if named else {}) | {"rules": rules, "otherwise": "manual_review"}
        text = yaml.safe_dump(doc, allow_unicode=draw(st.booleans()), sort_keys=False, width=10 ** 6)
    return fmt, text, filename, s


def put_canary(value, canary: Path):
    """`value` (text, or a list of texts) naming the canary file (in the working folder) for CANARY."""
    if isinstance(value, str):
        return value.replace(CANARY, canary.name)
    return [put_canary(v, canary) for v in value]


def events_for(strings: list[str]) -> list[dict]:
    """The base event, and events whose texts equal the hostile strings (so conditions go both ways)."""
    out = [copy.deepcopy(BASE_EVENT)]
    for sku, number, category in ((strings[0], strings[1], strings[2]), (strings[3], strings[3], strings[4])):
        e = copy.deepcopy(BASE_EVENT)
        e["order"]["items"][0].update(sku=sku[:200], category=category[:100])
        e["request"]["tracking"] = {"number": number[:100]}
        e["buyer"]["risk_level"] = "high"
        out.append(e)
    return out


def outcome(decide, event):
    try:
        return decide(event)
    except AftersaleError:
        return "invalid event"


def check(fmt: str, text: str, filename: str, strings: list[str], canary: Path) -> bool:
    """One hostile policy: no side effect, the code compiles and never fails, decisions as the interpreter's.

    Returns whether the front end accepted the policy (a refusal must be a clean AftersaleError).
    """
    try:
        tree = aftersale.compile(text, fmt, filename).tree
    except AftersaleError:
        assert not canary.exists()
        return False
    backend = CompiledPolicy(tree)
    interpreter = Interpreter(tree)
    for e in events_for(strings):
        want = outcome(lambda ev: interpreter.run(parse_event(ev), False)[:4], e)
        for trace in (False, True):
            got = outcome(lambda ev: backend.decide(ev, trace), e)
            if want == "invalid event":
                assert got == want
            else:
                assert (got.action, got.rule, list(got.guards), got.forbidden_action) == tuple(want)
                if trace:
                    got.to_json()  # the trace replays from what the generated code logged
    assert backend.failures == 0 and backend.compile_error is None
    for trace in (False, True):  # generator-made text only, and the same text for the same tree
        source = backend.generated(trace).source
        assert "canary" not in source and "__import__" not in source and "open" not in source
        assert source == CompiledPolicy(tree).source(trace)
    assert not canary.exists()
    return True


@pytest.fixture(scope="module")
def canary(tmp_path_factory) -> Path:
    """The canary file, in a fresh folder the tests run in (payloads name it by its short name)."""
    folder = tmp_path_factory.mktemp("injection")
    saved = os.getcwd()
    os.chdir(folder)
    try:
        yield folder / "canary"
    finally:
        os.chdir(saved)
    assert not (folder / "canary").exists()


ACCEPTED = {"cases": 0, "compiled": 0}


@settings(max_examples=200)
@given(cases())
def test_hostile_policy_text_is_only_data(canary, case):
    fmt, text, filename, strings = case
    ACCEPTED["cases"] += 1
    ACCEPTED["compiled"] += check(fmt, put_canary(text, canary), put_canary(filename, canary),
                                  put_canary(strings, canary), canary)


def test_most_hostile_policies_are_accepted_and_compiled():
    """The generated policies reach the code generator (a front end refusing them all would prove nothing)."""
    if ACCEPTED["cases"] < 50:
        pytest.skip("runs after test_hostile_policy_text_is_only_data")
    assert ACCEPTED["compiled"] >= ACCEPTED["cases"] * 0.8


@pytest.mark.slow
@settings(max_examples=5000)
@given(cases())
def test_thousands_of_hostile_policies(canary, case):
    fmt, text, filename, strings = case
    check(fmt, put_canary(text, canary), put_canary(filename, canary), put_canary(strings, canary), canary)


def test_nul_in_a_policy_file_is_refused_cleanly(tmp_path):
    """A NUL written raw (not as `\\u0000`) is refused with a clean message, in the file and in a string."""
    path = tmp_path / "nul.policy"
    path.write_bytes(b'policy "a\x00b"\nrule r1: auto-refund refunds under \xc2\xa530\n')
    with pytest.raises(AftersaleError, match="NUL"):
        aftersale.load(path)
    with pytest.raises(AftersaleError):
        aftersale.compile('policy "a\x00b"\nrule r1: auto-refund refunds under ¥30\n')


# -- the exact payload from issue 9 -------------------------------------------------------------------

ISSUE_PAYLOAD = '""" + str(__import__("os").system("touch CANARY")) + """'


def issue_cases(canary: Path) -> list[tuple[str, str]]:
    """(file name, text): the payload as the DSL name, the YAML name, and the file name."""
    payload = ISSUE_PAYLOAD.replace("CANARY", str(canary))
    rule = "rule r1: auto-refund refunds under ¥30\n"
    return [
        ("named.policy", f"policy {dsl_string(payload)}\n{rule}"),
        ("named.yaml", f"name: {json.dumps(payload)}\nrules:\n  - id: r1\n    sentence: auto-refund refunds under ¥30\n"),
        (f'""" + str(__import__("os").system("touch {canary.name}")) + """.policy', rule),
    ]


def test_the_payload_from_issue_9_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the file-name payload touches `canary` in the working folder
    canary = tmp_path / "canary"
    event = tmp_path / "event.json"
    event.write_text(json.dumps(BASE_EVENT), encoding="utf-8")
    runner = CliRunner()
    for filename, text in issue_cases(canary):
        path = tmp_path / filename
        path.write_text(text, encoding="utf-8")
        policy = aftersale.load(path)
        assert policy.name in (ISSUE_PAYLOAD.replace("CANARY", str(canary)), path.stem)
        for trace in (False, True):
            assert policy.decide(copy.deepcopy(BASE_EVENT), trace).action == "manual_review"
        for command in ("eval", "explain"):
            result = runner.invoke(cli, [command, os.fspath(path), os.fspath(event)])
            assert result.exit_code == 0, result.output
        assert json.loads(runner.invoke(cli, ["eval", os.fspath(path), os.fspath(event)]).output)["policy"]["name"] \
            == policy.name
        assert policy._compiled.failures == 0
        assert not canary.exists()
