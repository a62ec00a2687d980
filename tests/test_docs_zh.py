"""The Chinese documentation's promises (README.zh-CN.md), checked as a user would run them.

Every DSL block compiles (and gives its English twin's tree), every command shown runs with the exit
code shown and prints what is shown, every vocabulary phrase, function and field is documented. The lint
finding pages in Chinese are checked in tests/lint/test_docs_zh.py.
"""
from __future__ import annotations

import dataclasses
import re
import shlex
import subprocess
from pathlib import Path

import pytest

import aftersale
from aftersale.syntax.fmt import meaning
from aftersale.syntax import vocabulary as vocab

from test_readme import README, _run

ROOT = Path(__file__).resolve().parent.parent
ZH = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
LINT_DOCS = ROOT / "docs" / "lint"
EXIT = re.compile(r"\s+# 退出码 (\d+)$")


def _section(text: str, title: str) -> str:
    """The text of the `## title` section, up to the next `## ` heading."""
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def fences(text: str) -> list[tuple[str, str, str]]:
    """Each fenced block as (info string, body, the text between it and the next block)."""
    parts = re.split(r"^```(.*)\n", text, flags=re.M)
    # parts: before, info, body, "" (the closing fence), after, info, body, "", after, ...
    return [(parts[i], parts[i + 1], parts[i + 3]) for i in range(1, len(parts) - 3, 4)]


def _dsl_blocks(text: str) -> list[str]:
    """Fenced blocks with no language that hold DSL (they start with a header or a rule)."""
    return [body for info, body, _ in fences(text) if not info and re.match(r"(策略|规则|policy|rule) ", body)]


def _twins(text: str) -> list[tuple[str, str]]:
    """(Chinese, English) blocks: a DSL block followed by `英文对照：` and its English twin."""
    blocks = fences(text)
    return [(body, blocks[i + 1][1]) for i, (info, body, after) in enumerate(blocks[:-1])
            if not info and after.strip() == "英文对照："]


def _compile(block: str, filename: str):
    text = block if block.startswith(("策略", "policy")) else 'policy "doc"\n' + block
    return aftersale.compile(text, filename=filename)


def _tour_policy() -> str:
    return next(body for info, body, _ in fences(_section(ZH, "五分钟上手")) if body.startswith("策略 "))


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A folder as the tour assumes: the tour's shop.policy, and the repository's policies/."""
    (tmp_path / "shop.policy").write_text(_tour_policy(), encoding="utf-8")
    (tmp_path / "policies").symlink_to(ROOT / "policies", target_is_directory=True)
    return tmp_path


def console_blocks(text: str) -> list[tuple[str, int, str]]:
    """(command, exit code, output) of each ```console block that starts with `$ aftersale`."""
    found = []
    for body in [body for info, body, _ in fences(text) if info == "console"]:
        first, _, output = body.partition("\n")
        if first.startswith("$ aftersale "):
            code = EXIT.search(first)
            found.append((EXIT.sub("", first)[2:], int(code.group(1)) if code else 0, output))
    return found


def sh_commands(text: str) -> list[tuple[str, int]]:
    """(command, exit code) of each `aftersale` line in a ```sh block that names its exit code."""
    found = []
    for body in [body for info, body, _ in fences(text) if info == "sh"]:
        for line in body.splitlines():
            code = EXIT.search(line)
            if line.startswith("aftersale ") and code:
                found.append((EXIT.sub("", line), int(code.group(1))))
    return found


def run_shown(command: str, cwd: Path) -> subprocess.CompletedProcess:
    args = shlex.split(command)
    assert args[0] == "aftersale", command
    return _run(*args[1:], cwd=cwd)


def headlines(command: str, cwd: Path) -> str:
    """What `eval ... --format text` shows, made from the records with the library's headline in the
    policy's language (the CLI prints the same lines)."""
    import json

    from aftersale.explain.render import headline

    args = shlex.split(command)[1:]
    policy = aftersale.load(cwd / args[1])
    lines = []
    for path in [a for a in args[2:] if a.endswith(".json")]:
        record = policy.decide(json.loads((cwd / path).read_text(encoding="utf-8"))).to_json()
        lines.append("\t".join([record["event_id"], record["action"], record["rule"] or "-",
                                headline(record, policy.tree.language or "en")]))
    return "\n".join(lines)


# -- README.zh-CN.md -------------------------------------------------------------------------------------


def test_each_readme_links_to_the_other():
    assert README.splitlines()[2] == "中文文档：[README.zh-CN.md](README.zh-CN.md)"
    assert "English: [README.md](README.md)" in ZH.splitlines()[:4]


def test_the_two_commands_are_the_english_readmes():
    def commands(text: str, title: str) -> list[str]:
        return re.findall(r"```sh\n(.*?)```", _section(text, title), flags=re.S)[:2]

    assert commands(ZH, "两条命令") == commands(README, "The two commands")
    assert len(commands(ZH, "两条命令")) == 2


def test_every_dsl_block_compiles():
    blocks = _dsl_blocks(ZH)
    assert len(blocks) >= 7
    for block in blocks:
        _compile(block, "README.zh-CN.md")


def test_yaml_blocks_compile_to_the_tour_policy():
    policies = [b for b in re.findall(r"```yaml\n(.*?)```", ZH, flags=re.S) if b.startswith("name:")]
    assert policies
    tour = _compile(_tour_policy(), "shop.policy")
    for text in policies:
        assert meaning(aftersale.compile(text, format="yaml").tree) == meaning(tour.tree)


def _same_meaning(zh, en) -> bool:
    strip = dict(name="", language=None)
    return meaning(dataclasses.replace(zh.tree, **strip)) == meaning(dataclasses.replace(en.tree, **strip))


def test_chinese_blocks_give_the_tree_of_their_english_twin():
    pairs = _twins(ZH)
    assert len(pairs) >= 2
    for zh, en in pairs:
        assert re.match(r"(策略|规则) ", zh) and re.match(r"(policy|rule) ", en)
        assert meaning(_compile(zh, "zh").tree) == meaning(_compile(en, "en").tree), zh


def test_the_canonical_forms_are_what_fmt_prints():
    from aftersale.syntax.fmt import to_dsl

    first = _twins(ZH)[0][0]
    assert first.startswith("策略 ")
    assert to_dsl(_compile(first, "zh").tree, "zh").replace("\n\n", "\n") == first
    assert to_dsl(_compile(_tour_policy(), "shop.policy").tree) == _tour_policy()


def test_the_tour_policy_is_the_english_tour_policy():
    english = re.search(r"```\n(policy .*?)```", README.split("## A five-minute tour", 1)[1], flags=re.S).group(1)
    assert _same_meaning(_compile(_tour_policy(), "shop.policy"), _compile(english, "shop.policy"))


def test_decisions_shown_are_the_headlines_in_the_policys_language(shop):
    shown = [(c, o) for c, _, o in console_blocks(ZH) if c.startswith("aftersale eval")]
    assert len(shown) >= 2
    for command, output in shown:
        assert headlines(command, shop) == output.rstrip("\n"), command


@pytest.mark.parametrize("command, code, output", [pytest.param(*block, id=block[0][:60])
                                                   for block in console_blocks(ZH)])
def test_every_console_block_prints_what_is_shown(shop, command, code, output):
    out = run_shown(command, shop)
    assert out.returncode == code, (command, out.stderr)
    assert out.stdout.rstrip("\n") == output.rstrip("\n"), command


def test_the_tour_shows_commands_with_their_outputs():
    commands = [c for c, _, _ in console_blocks(ZH)]
    assert len(commands) >= 6 and {c.split()[1] for c in commands} >= {"eval", "explain", "fmt", "lint"}


def test_every_command_with_an_exit_code_runs_with_it(shop):
    commands = sh_commands(ZH)
    assert len(commands) >= 2
    for command, code in commands:
        out = run_shown(command, shop)
        assert out.returncode == code, (command, out.stdout, out.stderr)


def test_the_test_file_example_passes(shop):
    example = _section(ZH, "策略测试：test")
    text = re.search(r"```yaml\n(.*?)```", example, flags=re.S).group(1)
    (shop / "shop.tests.yaml").write_text(text, encoding="utf-8")
    out = _run("test", "shop.tests.yaml", cwd=shop)
    assert out.returncode == 0, out.stdout + out.stderr


def _zh_pattern(pattern: str) -> str:
    """A Chinese phrase pattern as the README writes it: 低于X, X至Y, 签收后N天内, 类目属于W1、W2."""
    pattern = pattern.replace("{money}", "X", 1).replace("{money}", "Y")
    for slot, shown in (("{count}", "N"), ("{duration}", "D"), ("{words}", "W1、W2"), ("{word}", "W"),
                        ("{risks}", "低风险或中风险")):
        pattern = pattern.replace(slot, shown)
    return pattern


def test_every_chinese_phrase_of_the_vocabulary_is_documented():
    words = [w for verb in vocab.VERBS.values() for w in verb.zh] + list(vocab.GUARD["zh"])
    rows = (vocab.REASON_ROWS + vocab.NOUN_ROWS + vocab.RISK_ROWS + vocab.CATEGORY_ROWS + vocab.ACTION_ROWS
            + vocab.PLATFORM_ROWS + vocab.CURRENCY_ROWS + vocab.HOLIDAY_ROWS + vocab.LANGUAGE_ROWS + vocab.VALUE_ROWS)
    words += [w for row in rows for w in row.zh]
    words += [h["zh"] for h in vocab.HEADER.values()] + list(vocab.ZH_HOURS)
    words += [_zh_pattern(p) for phrase in vocab.MODIFIERS for p in phrase.zh]
    missing = sorted({w for w in words if f"`{w}" not in ZH})
    assert not missing, f"README.zh-CN.md lacks {missing}"


def test_every_english_phrase_is_paired():
    words = list(vocab.VERBS) + list(vocab.QUALIFIERS) + list(vocab.NOUNS)
    words += [" ".join(w for w in phrase.words[:2] if not w.startswith("{")) for phrase in vocab.MODIFIERS]
    missing = [w for w in words if f"`{w}" not in ZH]
    assert not missing, f"README.zh-CN.md lacks {missing}"


def test_every_function_and_field_is_documented():
    from aftersale.events.fields import FIELDS
    from aftersale.functions import FUNCTIONS, QUANTIFIERS

    missing = [f"{n}(" for n in list(FUNCTIONS) + list(QUANTIFIERS) if f"`{n}(" not in ZH]
    missing += [path for path, info in FIELDS.items() if "." in path or info.required
                if f"| `{path}` |" not in ZH and path not in ("request", "order")]
    assert not missing, f"README.zh-CN.md lacks {missing}"


def test_every_action_is_in_the_action_table():
    table = ZH.split("### 动作", 1)[1].split("###", 1)[0]
    for row in vocab.ACTION_ROWS:
        assert f"| `{row.zh[0]}` | `{row.value}` |" in table


def test_every_lint_finding_is_in_the_table_with_its_chinese_page():
    from aftersale.lint.registry import CHECKS

    table = _section(ZH, "检查策略：lint")
    missing = [name for name in CHECKS if f"[`{name}`](docs/lint/{name}.zh.md)" not in table]
    assert not missing, f"README.zh-CN.md's lint table lacks {missing}"


def test_every_local_link_resolves():
    links = re.findall(r"\]\(([^)#:]+)\)", ZH)
    assert len(links) > 20
    assert not [link for link in links if not (ROOT / link).exists()]
