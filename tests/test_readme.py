"""The README's promises, checked as a user would run them."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import aftersale
from conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`aftersale ARGS` as the README shows it, in process (tests/cli/test_cli.py starts real processes)."""
    return run_cli(*args, cwd=cwd)


def test_ci_runs_the_readme_test_command():
    two = README.split("## The two commands", 1)[1]
    commands = [b.strip() for b in re.findall(r"```sh\n(.*?)```", two, flags=re.S)[:2]]
    assert "aftersale eval" in commands[0]
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    script = (ROOT / commands[1].split()[-1]).read_text(encoding="utf-8")
    assert "pip install -q -e '.[test]'" in script and ".venv/bin/python -m pytest -q" in script
    assert "aftersale test policies/ --min-coverage 100" in script


def test_the_main_job_decides_the_shipped_history():
    out = _run("eval", "policies/douyin-assistant.policy", "policies/events/history.jsonl", "--format", "text")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == sum(1 for line in (ROOT / "policies/events/history.jsonl").read_text().splitlines() if line.strip())
    assert all(line.split("\t")[1] in aftersale.rules.ACTIONS for line in lines)


def test_tour_policy_and_its_console_output(tmp_path):
    tour = README.split("## A five-minute tour", 1)[1]
    policy = re.search(r"```\n(policy .*?)```", tour, flags=re.S).group(1)
    (tmp_path / "shop.policy").write_text(policy, encoding="utf-8")
    console = re.search(r"```console\n\$ aftersale eval (.*?)\n(.*?)```", tour, flags=re.S)
    args = console.group(1).replace("policies/", str(ROOT / "policies") + "/").split()
    out = _run("eval", *args, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == console.group(2).strip()
    explain = _run("explain", "shop.policy", str(ROOT / "policies/events/AS-1001.json"), cwd=tmp_path)
    assert explain.stdout.splitlines()[0].startswith("Approved the return (rule off-hours):")
    assert "✗ guard no-risky (line 8): not matched — buyer risk level is low, not high" in explain.stdout


def test_yaml_example_compiles_and_matches_the_contract_policy_sections():
    yaml_examples = [b for b in _blocks("yaml") if b.startswith("name: Tea House")]
    assert yaml_examples
    for text in yaml_examples:
        policy = aftersale.compile(text, format="yaml", filename="README.md")
        assert policy.rules[0].id == "no-risky"


def test_block_rule_examples_compile():
    for block in [b for b in re.findall(r"```\n(rule .*?)```", README, flags=re.S) if "when" in b]:
        aftersale.compile('policy "readme"\n' + block, filename="README.md")


def test_every_vocabulary_phrase_is_documented():
    from aftersale.syntax.vocabulary import MODIFIERS, NOUNS, QUALIFIERS, VERBS

    words = list(VERBS) + list(QUALIFIERS) + list(NOUNS)
    for phrase in MODIFIERS:
        fixed = [w for w in phrase.words[:2] if not w.startswith("{")]
        words.append(" ".join(fixed))
    missing = [w for w in words if f"`{w}" not in README]
    assert not missing, f"README lacks {missing}"


def test_every_function_is_documented():
    from aftersale.functions import FUNCTIONS, QUANTIFIERS

    missing = [name for name in list(FUNCTIONS) + list(QUANTIFIERS) if f"`{name}(" not in README]
    assert not missing, f"README lacks {missing}"
