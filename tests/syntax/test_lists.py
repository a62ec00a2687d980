"""Lists (issue 11 items 19 and 23): membership in list fields, a merchant's SKU list as data (a long
literal list, or a named list in its own file), on every backend and through fmt, lint and explain."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import aftersale
from aftersale import rules as ir
from aftersale.backends import BACKENDS
from aftersale.diagnostics import AftersaleError
from aftersale.policy import lower
from aftersale.syntax.fmt import meaning, to_data, to_dsl

ROOT = Path(__file__).parents[2]
BASE = json.loads((ROOT / "policies" / "events" / "base-douyin.json").read_text(encoding="utf-8"))
SKUS = [f"SKU-{i:06d}" for i in range(30_000)]


def event(sku: str, tags=("gift-box",)) -> dict:
    e = json.loads(json.dumps(BASE))
    e["order"]["items"] = [{"sku": sku, "category": "tea", "price": "129.00", "quantity": 1, "tags": list(tags)}]
    return e


def refused(text: str, filename: str = "<string>") -> str:
    with pytest.raises(AftersaleError) as info:
        aftersale.compile(text, filename=filename)
    return str(info.value)


def test_a_sentence_with_3000_skus_compiles_and_decides_on_every_backend():
    listed = ", ".join(f'"{s}"' for s in SKUS[:3000])
    text = (f'policy "p"\nrule promo: never auto-approve requests where any(order.items, item.sku in [{listed}])\n'
            "rule a: when request.amount > ¥0 then approve_return\n")
    tree = aftersale.compile(text).tree
    for name in sorted(BACKENDS):
        prepared = BACKENDS[name](tree)
        inside, outside = prepared.decide(event("SKU-002999"), trace=False), prepared.decide(event("X"), trace=False)
        assert (inside.forbidden_by, outside.action) == ("promo", "approve_return"), name


def test_list_items_are_not_terms_but_what_they_compute_is():
    many = ", ".join(f'"{s}"' for s in SKUS[:5000])
    aftersale.compile(f'policy "p"\nrule a: when any(order.items, item.sku in [{many}]) then reject\n')
    sums = ", ".join(["¥1 + ¥1"] * 1001)
    assert "more than 1,000 terms" in refused(f'policy "p"\nrule a: when request.amount in [{sums}] then reject\n')


def test_a_long_list_is_one_set_in_the_tree_and_in_the_generated_code():
    listed = ", ".join(f'"{s}"' for s in SKUS)
    policy = aftersale.compile(f'policy "p"\nrule a: when any(order.items, item.sku in [{listed}]) then reject\n')
    node = policy.tree.rules[0].when.condition
    assert node.constants == frozenset(SKUS)
    from aftersale.backends.compiled import CompiledPolicy

    compiled = CompiledPolicy(policy.tree)
    for traced in (False, True):
        source = compiled.generated(traced).source
        assert "SKU-000001" not in source  # literal values reach the code as constants, never as text
        assert len(source) < 20_000  # one frozenset, not 30,000 comparisons


def test_the_fast_list_reader_gives_the_parser_s_tree(monkeypatch):
    from aftersale.syntax import parser

    listed = ", ".join(f'"{s}"' for s in SKUS[:40]) + ", fresh, 12"
    text = f'policy "p"\nrule a: when any(order.items, item.sku in [{listed}]) then reject\n'
    fast, fast_problems = lower(text)
    monkeypatch.setattr(parser, "BIG_LIST", 10 ** 9)
    slow, slow_problems = lower(text)
    assert ir.dump(fast) == ir.dump(slow)
    assert [str(d) for d in fast_problems] == [str(d) for d in slow_problems] != []  # `12` is not text
    assert [n.span for n in fast.rules[0].when.condition.options] == \
        [n.span for n in slow.rules[0].when.condition.options]


def test_membership_in_a_list_field():
    p = aftersale.compile('policy "p"\nrule a: when any(order.items, "gift-box" in item.tags) then approve_return\n')
    assert p.decide(event("A"), trace=False).rule == "a"
    assert p.decide(event("A", tags=["gift"]), trace=False).rule is None
    same = aftersale.compile('policy "p"\nrule a: when any(order.items, contains(item.tags, "gift-box")) '
                             "then approve_return\n")
    assert same.tree == p.tree


def test_comparing_a_list_field_with_one_value_suggests_in():
    message = refused('policy "p"\nrule a: when any(order.items, item.tags == "x") then approve_return\n')
    assert "`item.tags` is a list" in message and 'write `"x" in item.tags`' in message


def test_in_needs_a_list():
    message = refused('policy "p"\nrule a: when request.reason in request.kind then approve_return\n')
    assert "`in` takes a list" in message


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "promo-skus.txt").write_text("# promotion\nSKU-1\n\n  SKU-2  \nSKU-1\n", encoding="utf-8")
    return tmp_path


POLICY = ('policy "p"\nlist promo-skus from "promo-skus.txt"\n'
          "rule promo: never auto-approve requests where any(order.items, item.sku in promo-skus)\n"
          "rule a: when request.amount > ¥0 then approve_return\n")


def test_a_named_list_is_read_relative_to_the_policy(folder: Path):
    path = folder / "p.policy"
    path.write_text(POLICY, encoding="utf-8")
    policy = aftersale.load(path)
    (named,) = policy.tree.lists
    assert (named.name, named.file, named.values) == ("promo-skus", "promo-skus.txt", ("SKU-1", "SKU-2"))
    assert policy.decide(event("SKU-2"), trace=False).forbidden_by == "promo"
    assert policy.decide(event("SKU-3"), trace=False).action == "approve_return"
    # the list changes without touching the rules
    (folder / "promo-skus.txt").write_text("SKU-3\n", encoding="utf-8")
    assert aftersale.load(path).decide(event("SKU-3"), trace=False).forbidden_by == "promo"


def test_a_record_shows_a_named_list_s_values_not_its_file_name(folder: Path):
    path = folder / "p.policy"
    path.write_text(POLICY, encoding="utf-8")
    record = aftersale.load(path).decide(event("SKU-9")).to_json()
    stack, found = [record["trace"][0]["condition"]], []
    while stack:
        node = stack.pop()
        found += [node] if node["node"] == "in" else []
        stack += node.get("children", [])
    (membership,) = found
    assert [v["text"] for v in membership["values"]] == ["item.sku", '"SKU-1"', '"SKU-2"']
    assert membership["fact"]["list"] == "promo-skus"


def test_a_named_list_formats_and_converts_in_both_languages(folder: Path):
    path = folder / "p.policy"
    path.write_text(POLICY, encoding="utf-8")
    tree = aftersale.load(path).tree
    dsl = to_dsl(tree)
    assert 'list promo-skus from "promo-skus.txt"' in dsl and "item.sku in promo-skus" in dsl
    zh = to_dsl(tree, "zh")
    assert '名单 promo-skus 来自 "promo-skus.txt"' in zh
    import yaml

    data = to_data(tree)
    assert data["lists"] == {"promo-skus": "promo-skus.txt"}
    for text, fmt in ((dsl, "dsl"), (zh, "dsl"), (yaml.safe_dump(data, allow_unicode=True), "yaml")):
        again = aftersale.compile(text, fmt, str(folder / f"again.{'yaml' if fmt == 'yaml' else 'policy'}")).tree
        assert meaning(again) == meaning(tree) and to_dsl(again, "en") == to_dsl(tree, "en")


@pytest.mark.parametrize("header, expected, line", [
    ('list promo-skus from "nowhere.txt"', "cannot read", 2),
    ('list promo-skus from "/etc/passwd"', "outside the policy's folder", 2),
    ('list promo-skus from "../promo-skus.txt"', "outside the policy's folder", 2),
    ('list promo-skus from "empty.txt"', "holds no values", 2),
    ('list promo-skus from "promo-skus.txt"\nlist promo-skus from "promo-skus.txt"', "named twice", 3),
])
def test_named_list_errors_point_at_the_header(folder: Path, header: str, expected: str, line: int):
    (folder / "empty.txt").write_text("# nothing yet\n\n", encoding="utf-8")
    text = POLICY.replace('list promo-skus from "promo-skus.txt"', header)
    path = folder / "p.policy"
    path.write_text(text, encoding="utf-8")
    message = refused(text, str(path))
    assert expected in message and f"{path}:{line}:" in message


def test_a_symlink_out_of_the_policy_folder_is_refused(folder: Path, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.txt"
    outside.write_text("secret\n", encoding="utf-8")
    os.symlink(outside, folder / "link.txt")
    text = POLICY.replace("promo-skus.txt", "link.txt")
    assert "outside the policy's folder" in refused(text, str(folder / "p.policy"))


def test_an_unknown_list_name_and_a_policy_without_a_file():
    message = refused(POLICY.replace("in promo-skus)", "in promo-skuz)"), "/nonexistent/p.policy")
    assert "no list is named `promo-skuz`" in message and "did you mean `promo-skus`" in message
    assert "given as text, not as a file" in refused(POLICY)


def test_a_named_list_in_yaml(folder: Path):
    text = ("name: p\nlists:\n  promo-skus: promo-skus.txt\nrules:\n  - id: a\n"
            "    when: any(order.items, item.sku in promo-skus)\n    then: reject\n")
    tree = aftersale.compile(text, "yaml", str(folder / "p.yaml")).tree
    assert tree.rules[0].when.condition.constants == frozenset({"SKU-1", "SKU-2"})
    assert "no list is named" in refused_yaml(text.replace("in promo-skus", "in other"), folder)


def refused_yaml(text: str, folder: Path) -> str:
    with pytest.raises(AftersaleError) as info:
        aftersale.compile(text, "yaml", str(folder / "p.yaml"))
    return str(info.value)


def test_explanations_name_a_long_list_instead_of_quoting_it(tmp_path: Path):
    (tmp_path / "big.txt").write_text("\n".join(SKUS), encoding="utf-8")
    text = ('policy "p"\nlist big from "big.txt"\n'
            "rule a: when any(order.items, item.sku not in big) then approve_return\n")
    policy = aftersale.compile(text, filename=str(tmp_path / "p.policy"))
    record = policy.decide(event("SKU-000001")).to_json()
    assert len(json.dumps(record)) < 20_000
    from aftersale.explain import render

    for lang, words in (("en", "the list `big` (30,000 values)"), ("zh", "名单 `big`（30,000 个值）")):
        assert words in render(record, full=True, lang=lang)


def test_lint_of_a_long_list_stays_within_the_solver(tmp_path: Path):
    (tmp_path / "big.txt").write_text("\n".join(SKUS[:5000]), encoding="utf-8")
    text = ('policy "p"\nlist big from "big.txt"\n'
            "rule a: when any(order.items, item.sku in big) then approve_return\n"
            "rule b: when any(order.items, item.sku in big) and request.amount > ¥10 then approve_return\n")
    (tmp_path / "p.policy").write_text(text, encoding="utf-8")
    from aftersale.lint.runner import run

    names = {d.name for d in run([str(tmp_path / "p.policy")]).shown}
    assert "shadowed-rule" in names  # b can never decide: a matches first wherever b would
