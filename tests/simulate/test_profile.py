"""`aftersale generate --profile`: a store's mix, valid events, reproducible files, clear errors."""
from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from aftersale.cli import cli
from aftersale.diagnostics import AftersaleError
from aftersale.events import parse_event
from aftersale.simulate import simulate
from aftersale.simulate.generate import events
from aftersale.simulate.profile import Profile, load, parse

from .readme_examples import check_example

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "profiles"
STORES = ROOT / "policies" / "stores"
SHIPPED = sorted(PROFILES.glob("*.yaml"))


def _local_hour(ts: str) -> int:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(timezone(timedelta(hours=8))).hour


def test_two_profiles_ship():
    assert [p.name for p in SHIPPED] == ["apparel.yaml", "fresh-food.yaml"]


def test_an_empty_profile_is_the_built_in_mix():
    assert list(events(300, seed=5, profile=parse("# nothing\n", "p.yaml"))) == list(events(300, seed=5))
    assert parse("", "p.yaml") == Profile()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_same_seed_and_profile_same_file(path, tmp_path):
    runner = CliRunner()
    outs = []
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        out = tmp_path / f"{name}.jsonl.gz"
        result = runner.invoke(cli, ["generate", "-n", "200", "--seed", seed, "--profile", str(path), "-o", str(out)])
        assert result.exit_code == 0, result.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] != outs[2]
    plain = tmp_path / "plain.jsonl.gz"
    runner.invoke(cli, ["generate", "-n", "200", "--seed", "7", "-o", str(plain)])
    assert gzip.decompress(plain.read_bytes()) != gzip.decompress(outs[0])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_events_follow_the_profile_and_are_valid(path):
    profile = load(str(path))
    sample = [json.loads(line) for line in events(2000, seed=2, profile=profile)]
    n = len(sample)
    prices = dict(profile.prices)
    for e in sample:
        parse_event(e)
        assert e["platform"] == profile.platform
        assert Decimal(e["request"]["amount"]) <= Decimal(e["order"]["paid_amount"])
        for item in e["order"]["items"]:
            price = prices[item["category"]]
            assert price.low <= Decimal(item["price"]) <= price.high
    categories = Counter(e["order"]["items"][0]["category"] for e in sample)
    weights = dict(profile.categories)
    assert set(categories) == set(weights)
    top = max(weights, key=weights.get)
    assert abs(categories[top] / n - weights[top] / sum(weights.values())) < 0.04
    reasons = Counter(e["request"]["reason"] for e in sample)
    expected = dict(profile.reasons)
    assert set(reasons) <= {r for r, w in expected.items() if w > 0}
    assert reasons.most_common(1)[0][0] == max(expected, key=expected.get)
    start, end = profile.service_hours
    off = sum(not start <= _local_hour(e["request"]["created_at"]) < end for e in sample) / n
    assert abs(off - profile.off_hours_share) < 0.03
    missing = sum("store" not in e for e in sample) / n
    assert abs(missing - profile.missing) < 0.02
    risk = Counter(e["buyer"]["risk_level"] for e in sample)
    assert abs(risk["low"] / n - dict(profile.risk)["low"] / 100) < 0.03


def test_kind_weights_reshape_each_reason_s_mix():
    fresh = [json.loads(line) for line in events(2000, seed=4, profile=load(str(PROFILES / "fresh-food.yaml")))]
    kinds = Counter(e["request"]["kind"] for e in fresh)
    assert kinds["refund_only"] > 3 * kinds["return_refund"] and kinds["exchange"] == 0
    assert all(e["request"]["kind"] == "refund_only" for e in fresh if e["request"]["reason"] == "lost")


@pytest.mark.parametrize("store", ["fresh-food", "apparel"])
def test_a_store_s_policy_matches_its_own_history_and_not_the_built_in_one(store, tmp_path):
    """As a merchant would: generate with the store's profile, simulate the store's policy."""
    history = tmp_path / "h.jsonl.gz"
    result = CliRunner().invoke(cli, ["generate", "-n", "1000", "--seed", "1", "--profile",
                                      str(PROFILES / f"{store}.yaml"), "-o", str(history)])
    assert result.exit_code == 0, result.output
    policy = str(STORES / f"{store}.policy")
    rules = [r for r in simulate(policy, str(history), jobs=1)["rules"] if r["kind"] == "rule"]
    assert all(r["decided"] >= 10 for r in rules), rules
    plain = tmp_path / "plain.jsonl"
    plain.write_text("\n".join(events(1000, seed=1)) + "\n", encoding="utf-8")
    on_plain = {r["rule"]: r["decided"] for r in simulate(policy, str(plain), jobs=1)["rules"] if r["kind"] == "rule"}
    assert sum(on_plain.values()) < sum(r["decided"] for r in rules) / 2


ERRORS = [
    ("platfrom: douyin\n", 1, 1, "unknown key `platfrom`", "did you mean `platform`?"),
    ("platform: douyn\n", 1, 11, "`platform` must be douyin, kuaishou or mixed", "did you mean `douyin`?"),
    ("reasons:\n  quality: 3\n  damagd: 1\n", 3, 3, "unknown key `damagd` in `reasons`", "did you mean `damaged`?"),
    ("kinds: {refund_only: 0}\n", 1, 8, "`kinds` need at least one weight above 0", None),
    ("risk: {low: -1}\n", 1, 13, "the weight of `low` must be 0 or more", None),
    ("categories:\n  fruit: {weight: 1, typical: 59.999}\n", 2, 31, "`fruit.typical` `59.999` is not an amount", None),
    ("categories:\n  fruit: {weight: 1, typical: 50, min: 60}\n", 2, 10, "needs min ≤ typical ≤ max", None),
    ("categories:\n  fruit: 3\n", 2, 3, "category `fruit` is not one the generator knows a price for",
     "give it `typical`"),
    ("categories:\n  food: {weight: 1, tipical: 5}\n", 2, 21, "unknown key `tipical` in category `food`",
     "did you mean `typical`?"),
    ("hours: {service: \"18:00-09:00\", off_hours_share: 0.5}\n", 1, 18, "`hours.service` must be whole hours", None),
    ("hours: {service: \"09:00-18:00\"}\n", 1, 8, "`hours` needs both `service` and `off_hours_share`", None),
    ("missing: 1.5\n", 1, 10, "`missing` must be between 0 and 1", None),
    ("platform: [douyin\n", 2, 1, "not valid YAML", None),
    ("- douyin\n", 1, 1, "the profile must be a mapping", None),
]


@pytest.mark.parametrize("text, line, column, message, help_", ERRORS, ids=[e[3][:40] for e in ERRORS])
def test_bad_profiles_name_the_line_and_column(text, line, column, message, help_):
    with pytest.raises(AftersaleError) as info:
        parse(text, "shop.yaml")
    d = info.value.diagnostics[0]
    assert (d.span.file, d.span.line, d.span.column) == ("shop.yaml", line, column), d.render()
    assert message in d.message
    if help_:
        assert help_ in d.help


def test_cli_errors_exit_2_without_a_traceback(tmp_path):
    bad = tmp_path / "shop.yaml"
    bad.write_text("platform: kuaishou\ncategoris: {food: 1}\n", encoding="utf-8")
    for path in (bad, tmp_path / "none.yaml"):
        out = tmp_path / "out.jsonl"
        result = CliRunner().invoke(cli, ["generate", "-n", "5", "--profile", str(path), "-o", str(out)])
        assert result.exit_code == 2
        assert "Traceback" not in result.output and not out.exists()
    result = CliRunner().invoke(cli, ["generate", "-n", "5", "--profile", str(bad)])
    assert f"{bad}:2:1: error[invalid-profile]: unknown key `categoris`" in result.stderr
    assert "did you mean `categories`?" in result.stderr


def test_the_readme_profile_example_prints_what_it_shows(tmp_path):
    check_example("**Shaping it to one store", tmp_path)
    shown = (ROOT / "README.md").read_text(encoding="utf-8").split("**Shaping it to one store", 1)[1]
    parse(shown.split("```yaml\n", 1)[1].split("```", 1)[0], "README.md")     # the example profile is valid
