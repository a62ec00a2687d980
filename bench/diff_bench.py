"""Benchmark: `aftersale diff` of two versions of a 100-rule policy (target: under 5 s).

A generated policy of 100 block rules over kinds, reasons, amounts, risk and
service hours, and one edit (a threshold raised in rule 50). Prints the time
and its ratio to the 5 s target.

    .venv/bin/python bench/diff_bench.py
"""
import random
import time

import aftersale
from aftersale.diff.compare import compare

REASONS = ["no_reason_7d", "quality", "not_as_described", "wrong_item", "missing_parts", "damaged", "lost",
           "late_delivery", "other"]
TARGET = 5.0


def policy(edit: bool) -> str:
    rng = random.Random(7)
    lines = ['policy "bench"', "platform douyin", "timezone Asia/Shanghai", "currency CNY",
             "service hours mon-fri 09:00-18:00, sat 10:00-16:00", "holidays cn",
             "rule no-risky: never auto-approve requests from high-risk buyers"]
    for i in range(100):
        reason = rng.choice(REASONS)
        cap = rng.choice([100, 200, 300, 500, 1000, 2000]) + (200 if edit and i == 50 else 0)
        kind, action = rng.choice([("return_refund", "approve_return"), ("refund_only", "approve_refund"),
                                   ("exchange", "approve_return"), ("return_refund", "reject")])
        extra = rng.choice(["", " and outside_service_hours(request.created_at)", " and buyer.risk_passed",
                            " and age(request.created_at) > 40h"])
        lines.append(f"rule r{i}: when request.kind == {kind} and request.reason == {reason} "
                     f"and request.amount < ¥{cap}{extra} then {action}")
    lines.append("otherwise manual_review")
    return "\n".join(lines) + "\n"


def main() -> None:
    old, new = aftersale.compile(policy(False)).tree, aftersale.compile(policy(True)).tree
    start = time.perf_counter()
    result = compare(old, new)
    took = time.perf_counter() - start
    print(f"diff of 100 rules, one edit: {took:.2f} s ({took / TARGET:.2f} of the {TARGET:.0f} s target); "
          f"{len(result.regions)} regions, {len(result.undecided)} undecided, {result.pairs_checked} pairs")


if __name__ == "__main__":
    main()
