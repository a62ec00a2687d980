"""Where the fast path's time goes beyond the hand-written baseline: an ablation profile.

    .venv/bin/python bench/profile_fast.py [--events 30000] [--rounds 5]

A line profiler cannot see inside one generated function, so this takes the
bench policy's generated fast-path source, removes one kind of check at a
time (the variants are NOT correct deciders: they only show what a check
costs), and times every variant against the baseline with interleaved rounds
(bench/run.py's method). It also times `ideal`: the baseline with the same
checks written by hand (every read value checked as the schema says, absent
fields checked for misspelt keys, a Decision-like object returned), which is
the floor for any validating fast path on this workload.
"""
from __future__ import annotations

import argparse
import re
import sys
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench import baseline, workload  # noqa: E402
from bench.run import interleaved  # noqa: E402

import aftersale  # noqa: E402
from aftersale.events import lazy as readers

ABLATIONS = {
    "money-string pattern": (r"MONEY_OK\(\w+\)", "True"),
    "misspelt-key check on absence": (r"KEYS_\w+\.issuperset\(\w+\)", "True"),
    "enum membership": (r"if \w+ not in \w+_VALUES", "if False"),
    "bool type": (r"if (\w+)\.__class__ is not bool and", "if False and"),
    "Decision object": (r"d = NEW\(DECISION\); d\._outcome = (O\d+);[^\n]*return d", r"return \1"),
}


def variant(policy, pattern: str, replacement: str):
    generated = policy._compiled.generated(False)
    source = re.sub(pattern, replacement, generated.source)
    namespace = dict(generated.namespace)
    exec(compile(source, "<ablation>", "exec"), namespace)  # noqa: S102 - our own generated code
    return namespace["decide"]


# -- the ideal: the baseline plus the same checks, by hand -------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONEY_OK, TS_OK = readers.pattern("money"), readers.pattern("timestamp")
KINDS = frozenset(("refund_only", "return_refund", "exchange"))
REASONS = frozenset(("no_reason_7d", "quality", "not_as_described", "wrong_item", "missing_parts", "damaged", "lost",
                     "late_delivery", "other"))
WAREHOUSE = frozenset(("none", "received", "inspected_ok", "inspected_failed"))
REQUEST_KEYS = frozenset(("kind", "reason", "amount", "created_at", "status", "first_request", "tracking",
                          "warehouse"))
OFF_HOURS = frozenset(("no_reason_7d", "quality", "wrong_item", "damaged"))
D300, D200, D30, ZERO, WEEK = Decimal(300), Decimal(200), Decimal(30), timedelta(0), timedelta(7)
ISO, NEW = datetime.fromisoformat, object.__new__


class Bad(Exception):
    pass


class Outcome:
    pass


def _ts(x):
    if x.__class__ is str and (len(x) == 25 and x[4::3] in readers.TS_SHAPES or TS_OK(x)):
        return ISO(x)
    raise Bad


def _money(x):
    if x.__class__ is str and MONEY_OK(x):
        return Decimal(x)
    raise Bad


def ideal(e):  # noqa: C901 - it is the point
    b = e.get("buyer") or {}
    passed = b.get("risk_passed")
    if passed.__class__ is not bool and passed is not None:
        raise Bad
    rate = b.get("return_rate")
    if rate is not None and (rate.__class__ is not float or not 0 <= rate <= 1):
        raise Bad
    if passed is not True or (rate is not None and rate > 0.6):
        d = NEW(Outcome)
        d.e = e
        return d
    r = e["request"]
    kind = r["kind"]
    if kind not in KINDS:
        raise Bad
    if kind == "return_refund":
        reason = r["reason"]
        if reason not in REASONS:
            raise Bad
        if reason == "no_reason_7d":
            t = r.get("tracking")
            if t is None and not REQUEST_KEYS.issuperset(r):
                raise Bad
            v = (t or {}).get("verified")
            if v.__class__ is not bool and v is not None:
                raise Bad
            if v is True and _money(e["order"]["paid_amount"]) < D300 and \
                    (e.get("store") or {}).get("express_refund_enabled") is True:
                d = NEW(Outcome)
                d.e = e
                return d
        w = r.get("warehouse")
        if w is None and not REQUEST_KEYS.issuperset(r):
            raise Bad
        status = (w or {}).get("status")
        if status not in WAREHOUSE and status is not None:
            raise Bad
        if status == "inspected_ok":
            d = NEW(Outcome)
            d.e = e
            return d
        created = _ts(r["created_at"])
        if reason == "no_reason_7d":
            delivered = e["order"].get("delivered_at")
            if delivered is not None and ZERO <= created - _ts(delivered) <= WEEK:
                d = NEW(Outcome)
                d.e = e
                return d
        if reason in OFF_HOURS and _money(r["amount"]) < D200:
            local = created.astimezone(SHANGHAI)
            if local.weekday() >= 5 or not time(9) <= local.time() < time(18):
                d = NEW(Outcome)
                d.e = e
                return d
    elif kind == "refund_only" and _money(r["amount"]) <= D30 and "delivered_at" not in e["order"]:
        d = NEW(Outcome)
        d.e = e
        return d
    d = NEW(Outcome)
    d.e = e
    return d


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=30_000)
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args(argv)
    events = workload.generate(args.events)
    policy = aftersale.compile(workload.POLICY)
    fast = policy._compiled.entry
    functions = {"fast path": fast, **{f"without {k}": variant(policy, *v) for k, v in ABLATIONS.items()}}

    def loop(function, positional: bool):
        def run(part):
            if positional:
                for e in part:
                    function(e)
            else:
                for e in part:
                    function(e, False)
        return run

    paths = {"baseline": loop(baseline.decide, True), "ideal": loop(ideal, True),
             **{name: loop(f, False) for name, f in functions.items()}}
    for run in paths.values():
        run(events[:2000])
    runs = interleaved(paths, events, args.rounds)
    # best round of each path: the least disturbed by the rest of the machine
    base, full = min(runs["baseline"]), min(runs["fast path"])
    print(f"{'':38}{'µs/decision':>12}{'× baseline':>12}{'saves':>9}  (best of {args.rounds} rounds)")
    for name, values in runs.items():
        us = min(values)
        saves = f"{(full - us) * 1000:7.0f}ns" if name.startswith("without") else ""
        ratio = us / base
        print(f"{name:38}{us:>12.2f}{ratio:>12.2f}{saves:>9}")
    print(f"\nthe fast path spends {(full - base) * 1000:.0f} ns a decision more than the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
