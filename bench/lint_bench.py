"""Benchmark: `aftersale lint` on a generated 500-rule policy (target: under 5 s on the project machine).

The policy looks like a big shop's: guards for risky buyers, then rules per
category, reason and amount band, in both sentence and block form, with the
time conditions real policies use (off-hours, days since delivery, pending
for hours, weekday, local time), a few deliberate mistakes (a shadowed rule, an
unsatisfiable one, a redundant condition) and many overlapping rules.

    .venv/bin/python bench/lint_bench.py            # 500 rules, 3 runs
    .venv/bin/python bench/lint_bench.py --rules 200 --runs 1 --write /tmp/big.policy
"""
from __future__ import annotations

import argparse
import collections
import random
import statistics
import sys
import time

CATEGORIES = ["tea", "apparel", "food", "medicine", "toys", "books", "shoes", "bags", "beauty", "home"]
REASONS = ["no-reason", "quality", "not-as-described", "wrong-item", "missing-parts", "damaged", "lost",
           "late-delivery"]
REASON_VALUES = ["no_reason_7d", "quality", "not_as_described", "wrong_item", "missing_parts", "damaged", "lost",
                 "late_delivery"]


def generate(n: int, seed: int = 7) -> str:
    rnd = random.Random(seed)
    lines = [
        'policy "Generated big shop"', "platform douyin", "timezone Asia/Shanghai", "currency CNY",
        "service hours mon-fri 09:00-18:00, sat 10:00-16:00", "holidays cn", "",
        "rule g-risky: never auto-approve requests from high-risk buyers",
        "rule g-rate \"Serial returners\":\n  when buyer.return_rate >= 60%\n  then forbid approve_return, approve_refund",
    ]
    i = 0
    while i < n - 2:
        i += 1
        rid = f"r{i:03d}"
        # shape, category and reason together differ from rule to rule, as in a real shop's policy
        cat = CATEGORIES[(i // 8) % len(CATEGORIES)]
        r = (i // 80 + i) % len(REASONS)
        low = rnd.choice([0, 50, 100, 200, 300, 500, 1000])
        high = low + rnd.choice([50, 100, 200, 500])
        shape = i % 8
        if shape == 0:
            lines.append(f"rule {rid}: auto-approve {REASONS[r]} returns between ¥{low} and ¥{high} "
                         f"in category {cat} during off-hours")
        elif shape == 1:
            lines.append(f"rule {rid}: auto-refund {REASONS[r]} refunds up to ¥{high} in category {cat} "
                         f"from low-risk buyers")
        elif shape == 2:
            days = rnd.choice([3, 7, 10, 15])
            lines.append(f"rule {rid}: auto-approve {REASONS[r]} returns under ¥{high} within {days} days of "
                         f"delivery in category {cat}")
        elif shape == 3:
            hours = rnd.choice([24, 30, 36, 40, 44])
            lines.append(f"rule {rid}: escalate {REASONS[r]} requests pending for over {hours}h in category {cat}")
        elif shape == 4:
            lines.append(
                f"rule {rid} \"{cat} {REASON_VALUES[r]} on weekends\":\n"
                f"  when request.kind in [return_refund, exchange]\n"
                f"   and request.reason == {REASON_VALUES[r]}\n"
                f"   and weekday(request.created_at) in [sat, sun]\n"
                f"   and request.amount >= ¥{low} and request.amount < ¥{high}\n"
                f"   and any(order.items, item.category == \"{cat}\")\n"
                f"  then approve_return")
        elif shape == 5:
            lines.append(
                f"rule {rid} \"Late-night {cat}\":\n"
                f"  when request.kind == refund_only and request.reason == {REASON_VALUES[r]}\n"
                f"   and local_time(request.created_at) >= 22:00\n"
                f"   and request.amount between ¥{low} and ¥{high}\n"
                f"   and order.paid_amount <= ¥{high + 100}\n"
                f"   and buyer.risk_passed\n"
                f"   and any(order.items, item.category == \"{cat}\")\n"
                f"  then approve_refund")
        elif shape == 6:
            lines.append(
                f"rule {rid} \"Inspected {cat}\":\n"
                f"  when request.kind == return_refund\n"
                f"   and request.warehouse.status == inspected_ok\n"
                f"   and request.amount <= ¥{high}\n"
                f"   and any(order.items, item.category == \"{cat}\")\n"
                f"  then approve_refund")
        else:
            lines.append(
                f"rule {rid} \"Slow parcel {cat}\":\n"
                f"  when request.status == return_in_transit and request.reason == {REASON_VALUES[r]}\n"
                f"   and age(request.tracking.uploaded_at) >= {rnd.choice([4, 5, 6])}d\n"
                f"   and (request.warehouse.status is missing or request.warehouse.status == none)\n"
                f"   and request.amount > ¥{low}\n"
                f"   and all(order.items, item.category == \"{cat}\")\n"
                f"  then extend_receipt")
    lines.append("rule r-shadowed: auto-refund lost refunds up to ¥60 in category tea from low-risk buyers "
                 "where request.amount <= ¥50")
    lines.append("rule r-never: when request.amount < ¥100 and request.amount > ¥200 then reject")
    lines += ["", "otherwise manual_review", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--write", help="also write the generated policy here")
    args = ap.parse_args(argv)
    text = generate(args.rules)
    if args.write:
        with open(args.write, "w", encoding="utf-8") as f:
            f.write(text)
    from aftersale import compile
    from aftersale.lint import lint_text

    rules = len(compile(text).rules)
    times, findings = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        findings = lint_text(text, "dsl", "generated.policy")
        times.append(time.perf_counter() - start)
    counts = collections.Counter(d.name for d in findings)
    print(f"aftersale lint on a generated policy of {rules} rules ({len(text.splitlines())} lines)")
    print(f"  runs: {', '.join(f'{t:.2f}s' for t in times)}; median {statistics.median(times):.2f}s "
          f"(target < 5s, examples built for every finding)")
    print("  findings: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
