"""Benchmark: `aftersale diff` of two versions of a 100-rule policy (target: under 5 s).

A generated policy of 100 block rules over kinds, reasons, amounts, risk and
service hours, and three edits, each timed alone: a threshold raised in rule 50,
rule 10 moved below rule 90 (every rule it passes is searched against it), and
a guard added. Prints each time and its ratio to the 5 s target.

    .venv/bin/python bench/diff_bench.py
"""
import random
import time

import aftersale
from aftersale.diff.compare import compare

REASONS = ["no_reason_7d", "quality", "not_as_described", "wrong_item", "missing_parts", "damaged", "lost",
           "late_delivery", "other"]
TARGET = 5.0


def policy(edit: str | None = None) -> str:
    rng = random.Random(7)
    lines = ['policy "bench"', "platform douyin", "timezone Asia/Shanghai", "currency CNY",
             "service hours mon-fri 09:00-18:00, sat 10:00-16:00", "holidays cn",
             "rule no-risky: never auto-approve requests from high-risk buyers"]
    for i in range(100):
        reason = rng.choice(REASONS)
        cap = rng.choice([100, 200, 300, 500, 1000, 2000]) + (200 if edit == "threshold" and i == 50 else 0)
        kind, action = rng.choice([("return_refund", "approve_return"), ("refund_only", "approve_refund"),
                                   ("exchange", "approve_return"), ("return_refund", "reject")])
        extra = rng.choice(["", " and outside_service_hours(request.created_at)", " and buyer.risk_passed",
                            " and age(request.created_at) > 40h"])
        lines.append(f"rule r{i}: when request.kind == {kind} and request.reason == {reason} "
                     f"and request.amount < ¥{cap}{extra} then {action}")
    if edit == "move":  # the first rule sharing its kind and reason with a later one, moved below the last such
        rules = lines[7:]
        i = next(i for i in range(100) if any(_kind_reason(rules[i]) == _kind_reason(r) for r in rules[i + 1:100]))
        j = max(j for j in range(i + 1, 100) if _kind_reason(rules[i]) == _kind_reason(rules[j]))
        rules.insert(j, rules.pop(i))
        lines[7:] = rules
    if edit == "guard":
        lines.insert(7, "rule no-cod: when order.payment == cash_on_delivery then forbid approve_refund")
    lines.append("otherwise manual_review")
    return "\n".join(lines) + "\n"


def _kind_reason(line: str) -> tuple:
    words = line.split()
    return words[words.index("request.kind") + 2], words[words.index("request.reason") + 2]


def main() -> None:
    old = aftersale.compile(policy()).tree
    for edit in ("threshold", "move", "guard"):
        new = aftersale.compile(policy(edit)).tree
        start = time.perf_counter()
        result = compare(old, new)
        took = time.perf_counter() - start
        print(f"diff of 100 rules, {edit} edit: {took:.2f} s ({took / TARGET:.2f} of the {TARGET:.0f} s target); "
              f"{len(result.regions)} regions, {len(result.undecided)} undecided, {result.pairs_checked} pairs")


if __name__ == "__main__":
    main()
