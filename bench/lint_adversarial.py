"""Benchmark: `aftersale lint` on adversarial policies (issue 9, item 6: lint cannot be made to hang).

Random block rules mix what is hard for the solver: money arithmetic
(`request.amount < order.paid_amount - ¥N`), `age()`, `count()`, `local_time
between` and `or`. Before the solver budget, 40 such rules took 84 s and 80
took over 15 minutes; the budget is counted in solver resource units, so the
findings are the same on every run and every machine (target: 200 rules under
10 s on the project machine).

    .venv/bin/python bench/lint_adversarial.py                 # 10, 40, 80 and 200 rules, twice each
    .venv/bin/python bench/lint_adversarial.py --rules 40 --runs 1 --write /tmp/adv40.policy
"""
from __future__ import annotations

import argparse
import collections
import random
import sys
import time

CATEGORIES = ["tea", "food", "apparel", "toys"]


def _atom(rnd: random.Random) -> str:
    kind = rnd.randrange(6)
    if kind == 0:
        return f"request.amount < order.paid_amount - ¥{rnd.randrange(1, 300)}"
    if kind == 1:
        return f"request.amount + ¥{rnd.randrange(1, 200)} >= order.paid_amount"
    if kind == 2:
        return f"age(request.created_at) {rnd.choice(['>', '<='])} {rnd.randrange(1, 96)}h"
    if kind == 3:
        cat = rnd.choice(CATEGORIES)
        return f"count(order.items, item.category == \"{cat}\") {rnd.choice(['>=', '<'])} {rnd.randrange(1, 4)}"
    if kind == 4:
        a = rnd.randrange(0, 22)
        return f"local_time(request.created_at) between {a:02d}:00 and {a + rnd.randrange(1, 3):02d}:30"
    return f"order.paid_amount {rnd.choice(['>', '<='])} ¥{rnd.randrange(10, 2000)}"


def generate(n: int, seed: int = 9) -> str:
    rnd = random.Random(seed)
    lines = ['policy "adversarial"', "platform douyin", "timezone Asia/Shanghai", "currency CNY",
             "service hours mon-fri 09:00-18:00", "holidays cn", ""]
    actions = ["approve_refund", "manual_review", "reject", "approve_return"]
    for i in range(n):
        parts = []
        for _ in range(rnd.randrange(2, 4)):
            atom = _atom(rnd)
            if rnd.random() < 0.4:
                atom = f"({atom} or {_atom(rnd)})"
            parts.append(atom)
        lines.append(f"rule a{i:03d}:\n  when " + "\n   and ".join(parts) + f"\n  then {rnd.choice(actions)}")
    lines.append("otherwise manual_review")
    return "\n".join(lines) + "\n"


def measure(text: str):
    """(seconds, solver checks, findings as (line, name) pairs) for one lint of the text."""
    from aftersale.lint import lint_text
    from aftersale.lint import smt

    before = smt.STATS["checks"]
    t0 = time.perf_counter()
    found = lint_text(text, "dsl", "adversarial.policy")
    return time.perf_counter() - t0, smt.STATS["checks"] - before, [(d.span.line, d.name) for d in found]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rules", type=int, nargs="*", default=[10, 40, 80, 200])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--write", help="write the (last) generated policy to this file")
    args = ap.parse_args(argv)
    worst = 0.0
    for n in args.rules:
        text = generate(n, args.seed)
        if args.write:
            with open(args.write, "w", encoding="utf-8") as f:
                f.write(text)
        runs = [measure(text) for _ in range(args.runs)]
        same = all(r[2] == runs[0][2] for r in runs)
        counts = collections.Counter(name for _, name in runs[0][2])
        secs = min(r[0] for r in runs)
        worst = max(worst, secs)
        print(f"{n:4d} rules: {secs:6.2f} s, {runs[0][1]:6d} solver checks, "
              f"findings {dict(sorted(counts.items()))}, same on every run: {same}")
        if not same:
            return 1
    print(f"slowest: {worst:.2f} s (target for 200 rules: 10 s; ratio {worst / 10:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
