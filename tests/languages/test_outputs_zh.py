"""Every CLI text output rendered in Chinese holds no English word of ours.

Lint text and GitHub output on every lint fixture, test reports on policies/,
simulate text and Markdown on a generated history, `eval --format text` on
policies/events/*.json: each run with `--lang zh`, and each fails on an ASCII
word that is not an id, a value the user wrote (a word of the input files), a
field path, a finding name, an action, or a unit/format/option token.
Error messages too: every case of tests/syntax/fixtures/errors.yaml and
tests/fixtures/events.yaml, rendered as `aftersale` prints them.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersale.cli import cli
from aftersale.diagnostics import AftersaleError
from conftest import cases

import aftersale
from aftersale.lint.registry import CHECKS
from aftersale.rules import ACTIONS

ROOT = Path(__file__).resolve().parents[2]
LINT = ROOT / "tests" / "lint" / "fixtures"
WORD = re.compile(r"[A-Za-z][A-Za-z_'-]*[A-Za-z]")

#: Tokens that are no English for a reader: the tool, its options and formats, units and file names.
TOKENS = {"aftersale", "lint", "docs", "md", "json", "format", "rejects", "FILE", "min-coverage", "max-findings",
          "null", "jsonl", "gz", "policy", "yaml", "tests", "policies", "events", "CNY", "UTC", "Asia", "Shanghai",
          "age", "DSL", "YAML", "service_hours", "mon-fri", "xml", "error", "warning", "notice", "file", "line", "col",
          "endLine", "endColumn", "title",  # GitHub workflow-command syntax
          "invalid-event", "invalid-json", "io-error", "usage", "invalid-profile", "invalid-test", "invalid-config", "YYYY-MM-DD", "HH", "MM", "NUL",
          "mon", "tue", "wed", "thu", "fri", "sat", "sun", "daily"}




def words_in(text: str) -> set[str]:
    """The words of a text, and the parts of its hyphenated words (`mon-fir` gives `fir` too)."""
    words = set(WORD.findall(text))
    return words | {part for w in words for part in re.split(r"[-_]", w) if part}


def words_of(*paths: Path) -> set[str]:
    out = set()
    for p in paths:
        out |= words_in(p.read_text(encoding="utf-8", errors="replace"))
    return out


def _language_words() -> set[str]:
    """The policy language's own English words (keywords, sentence vocabulary, functions, values): code,
    which error help quotes in backticks as a suggestion."""
    from aftersale.functions import FUNCTIONS, QUANTIFIERS
    from aftersale.syntax import vocabulary as v
    from aftersale.syntax.parser import KEYWORDS

    grammar = (ROOT / "src" / "aftersale" / "grammar" / "policy.lark").read_text(encoding="utf-8")
    words = set(re.findall(r'"([A-Za-z_-]+)"', grammar)) | set(KEYWORDS) | set(FUNCTIONS) | set(QUANTIFIERS)
    words |= set(v.VERBS) | set(v.QUALIFIERS) | set(v.NOUNS) | set(v.GUARD["en"]) | set(v.JOINERS)
    for phrase in v.MODIFIERS:
        words |= set(WORD.findall(" ".join((phrase.pattern, *phrase.en_more))))
    for rows in (v.RISK_ROWS, v.CATEGORY_ROWS, v.ACTION_ROWS, v.PLATFORM_ROWS, v.VALUE_ROWS):
        for row in rows:
            words |= set(row.en) | {row.value or ""}
    for _, example, _ in v.PLACEHOLDERS.values():
        words |= set(WORD.findall(example))
    return words


KEYWORDS = _language_words()


def allowed(inputs: set[str]) -> set[str]:
    ids = set(CHECKS) | set(ACTIONS) | TOKENS | inputs | KEYWORDS
    schema = (ROOT / "src" / "aftersale" / "schema").glob("*.json")
    return ids | words_of(*schema)


def english(text: str, ok: set[str]) -> list[str]:
    text = re.sub(r"%[0-9A-F]{2}|U\+[0-9A-F]{4,6}|\S+…|…\S+", " ", text)  # GitHub's escapes, code points, cut source
    text = re.sub(r"\S*/\S*", " ", text)  # paths and urls
    return sorted({w for w in WORD.findall(text) if w not in ok and w.lower() not in ok})


def run(*args: str) -> str:
    return CliRunner().invoke(cli, list(args)).output  # stdout and stderr together


@pytest.mark.parametrize("fmt", ["text", "github"])
@pytest.mark.parametrize("path", sorted(p for p in LINT.iterdir() if ".bad." in p.name), ids=lambda p: p.name)
def test_lint_output_in_chinese(path: Path, fmt: str) -> None:
    out = run("lint", "--lang", "zh", "--format", fmt, str(path))
    assert english(out, allowed(words_of(path))) == []


def test_test_report_in_chinese() -> None:
    inputs = words_of(*(ROOT / "policies").rglob("*.*"))
    out = run("test", "--lang", "zh", str(ROOT / "policies"))
    assert "规则覆盖率" in out
    assert english(out, allowed(inputs)) == []


def test_eval_text_in_chinese() -> None:
    events = sorted((ROOT / "policies" / "events").glob("AS-*.json"))
    policy = ROOT / "policies" / "tea-house.policy"
    out = run("eval", "--lang", "zh", "--format", "text", str(policy), *map(str, events))
    assert english(out, allowed(words_of(policy, *events))) == []


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_simulate_report_in_chinese(tmp_path: Path, fmt: str) -> None:
    history = tmp_path / "h.jsonl"
    assert CliRunner().invoke(cli, ["generate", "--count", "300", "--seed", "3", "--bad-lines", "0.05", "--out", str(history)]).exit_code == 0
    policy, base = ROOT / "policies" / "douyin-assistant.policy", ROOT / "policies" / "tea-house.policy"
    out = run("simulate", "--lang", "zh", "--format", fmt, str(policy), "--events", str(history),
              "--baseline", str(base))
    assert "按动作" in out and "无效行" in out
    assert english(out, allowed(words_of(policy, base, history))) == []


def test_json_never_changes_with_the_language() -> None:
    path = LINT / "shadowed-rule.bad.policy"
    assert run("lint", "--lang", "zh", "--format", "json", str(path)) == \
        run("lint", "--lang", "en", "--format", "json", str(path))


@pytest.mark.parametrize("case", cases(ROOT / "tests" / "syntax" / "fixtures" / "errors.yaml"))
def test_policy_errors_in_chinese(case, tmp_path: Path) -> None:
    from syntax.test_errors import materialize

    path = materialize(case, tmp_path)
    with pytest.raises(AftersaleError) as info:
        aftersale.load(path)
    text = info.value.render("zh")
    written = path.read_bytes().decode("utf-8", errors="replace")
    assert english(text, allowed(words_in(written))) == []


@pytest.mark.parametrize("case", cases(ROOT / "tests" / "fixtures" / "events.yaml"))
def test_event_errors_in_chinese(case) -> None:
    from aftersale.events import parse_event
    from aftersale.events.text import read_events
    from test_events import input_text

    name, text = input_text(case)
    rendered = []
    for item in read_events(text, name):
        try:
            if item.error is not None:
                raise item.error
            parse_event(item.obj, source=name, line=item.line, text=item.text, index=item.index)
        except AftersaleError as err:
            rendered.append(err.render("zh"))
    assert english("\n".join(rendered), allowed(words_in(text))) == []


def test_the_check_finds_english_words_of_ours() -> None:
    """The same output in English fails the check: it is not vacuous."""
    path = LINT / "shadowed-rule.bad.policy"
    out = run("lint", "--lang", "en", "--format", "text", str(path))
    found = set(english(out, allowed(words_of(path))))
    assert {"move", "help", "narrow", "comes"} <= found, found


def test_the_language_is_the_flag_then_the_policy_line_then_lang(tmp_path: Path) -> None:
    """product.md's order, through the commands: `--lang`, the policy's `语言` line, LANG, English."""
    zh_policy = ROOT / "policies" / "douyin-assistant.zh.policy"   # holds `语言 中文`
    assert "语言 中文" in zh_policy.read_text(encoding="utf-8")
    en_policy = ROOT / "policies" / "tea-house.policy"             # no language line
    event = str(ROOT / "policies" / "events" / "AS-1001.json")

    def headline(policy: Path, *flags: str, env: dict | None = None) -> str:
        out = CliRunner().invoke(cli, ["eval", "--format", "text", *flags, str(policy), event], env=env).output
        return out.split("\t")[-1]

    english_env, chinese_env = {"LANG": "en_US.UTF-8", "LC_ALL": ""}, {"LANG": "zh_CN.UTF-8", "LC_ALL": ""}
    assert headline(zh_policy, env=english_env).startswith("已")          # the policy's line beats LANG
    assert headline(zh_policy, "--lang", "en", env=chinese_env).startswith(("Approved", "Sent"))  # the flag wins
    assert headline(en_policy, env=chinese_env).startswith("已")          # LANG, without a line
    assert headline(en_policy, env=english_env).startswith(("Approved", "Sent"))
    lint = CliRunner().invoke(cli, ["lint", str(zh_policy)], env=english_env).output
    assert "个文件" in lint                                                # one policy: its line counts


def _profile_cases():
    from simulate.test_profile import ERRORS

    return [text for text, *_ in ERRORS]


@pytest.mark.parametrize("text", _profile_cases())
def test_profile_errors_in_chinese(text: str) -> None:
    """Profile keys, categories and enum names are the profile file's own words (ids)."""
    from aftersale.simulate.profile import parse

    from aftersale.simulate.generate import PRICES
    from aftersale.simulate.profile import KEYS

    with pytest.raises(AftersaleError) as info:
        parse(text, "shop.yaml")
    ok = allowed(words_in(text) | set(KEYS) | set(PRICES) | {"shop", "typical", "weight", "min", "max", "service",
                                                               "off_hours_share", "hours", "mixed"})
    assert english(info.value.render("zh"), ok) == []
