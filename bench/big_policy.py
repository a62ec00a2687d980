"""A policy at the size limits (about 1 MB, 1,000 rules), in DSL and in YAML: where its time and memory go.

    .venv/bin/python bench/big_policy.py                # 1,000 rules against 500
    .venv/bin/python bench/big_policy.py --rules 1000 --profile parse   # cProfile one stage
    .venv/bin/python bench/big_policy.py --eval        # also `aftersale eval` of one event, a new process

For each format and size it prints, stage by stage (parse, lower and check; the first decision
of a parsed event, traced, as `aftersale eval` makes it; then the compiled backend's fast and
traced code, generated and compiled as later events need them), the CPU seconds (the machine is
shared: wall time says more about the neighbours), the peak memory traced (tracemalloc), and the
ratio of each to the half-size policy's: near 2 is linear, near 4 quadratic. `--eval` runs
`aftersale eval` of one event on the big DSL policy in a new process and prints its wall and CPU
time and peak RSS (the issue's aim: ≤ 2 s and ≤ 200 MB). A benchmark, not a test.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench import workload  # noqa: E402

from aftersale.backends.compiled import CompiledPolicy  # noqa: E402
from aftersale.events import parse_event  # noqa: E402
from aftersale.policy import Policy, gc_paused  # noqa: E402
from aftersale.limits import MAX_SOURCE_CHARS  # noqa: E402
from aftersale.source import Source  # noqa: E402
from aftersale.syntax.check import check_policy  # noqa: E402
from aftersale.syntax.fmt import to_yaml  # noqa: E402
from aftersale.syntax.lower import Lowering  # noqa: E402
from aftersale.syntax.parser import parse, parser  # noqa: E402
from aftersale.syntax.yaml_front import lower_yaml  # noqa: E402
from aftersale.syntax.dsl import compile_dsl  # noqa: E402

_REASONS = ("no_reason_7d", "quality", "not_as_described", "wrong_item", "missing_parts", "damaged", "lost",
            "late_delivery")
_SENTENCE_REASONS = ("no-reason", "quality", "wrong-item", "damaged", "missing-parts", "not-as-described")
_CATEGORIES = ("tea", "apparel", "food", "home", "toys", "books", "shoes", "beauty")
_NOTES = ("agreed with the store owner after the spring review", "the platform's rule for this category",
          "customer service asked for this after the November peak", "keeps fraud down on cheap orders",
          "see the after-sales handbook, section on returns", "fresh goods spoil, so act quickly")


#: The conditions real rules pile up, each made from the generator's random numbers.
_EXTRAS = (
    lambda rnd: f"order.paid_amount <= ¥{rnd.randint(1, 3000)}",
    lambda rnd: f"buyer.return_rate < {rnd.randint(10, 90)}%",
    lambda rnd: f"request.reason in [{', '.join(rnd.sample(_REASONS, rnd.randint(2, 5)))}]",
    lambda rnd: f"age(order.delivered_at) <= {rnd.randint(1, 30)}d",
    lambda rnd: f"(buyer.risk_level == low or request.amount < ¥{rnd.randint(1, 3000)})",
    lambda rnd: f"any(order.items, item.category == \"{rnd.choice(_CATEGORIES)}\")",
    lambda rnd: "not (request.status in [rejected, closed])",
    lambda rnd: f"local_time(request.created_at) >= {rnd.randint(0, 23):02d}:{rnd.choice(('00', '30'))}",
)


def limit_policy(n: int = 1000, seed: int = 11, chars_per_rule: int = 1130) -> str:
    """A DSL policy of `n` rules, about `chars_per_rule` characters each (comments included): block
    rules with many conditions, sentence rules, guards, as a large shop's policy grows."""
    rnd = random.Random(seed)
    lines = ['policy "Bench: a policy at the size limits"', "platform douyin", "timezone Asia/Shanghai",
             "currency CNY", "service hours mon-fri 09:00-18:00, sat 10:00-16:00", "holidays cn", ""]
    for i in range(n):
        start = sum(len(x) + 1 for x in lines)
        lines.append(f"# rule {i}: {rnd.choice(_NOTES)}; {rnd.choice(_NOTES)}")
        kind = i % 10
        if kind == 0 and i % 50 == 0:
            lines.append(f"rule g{i}: never auto-approve requests from high-risk buyers where buyer.return_rate > "
                         f"{rnd.randint(40, 90)}%")
        elif kind in (1, 3):
            reasons = " or ".join(rnd.sample(_SENTENCE_REASONS, rnd.randint(1, 3)))
            lines.append(f"rule s{i} \"Sentence rule {i}\": auto-approve {reasons} returns under "
                         f"¥{rnd.randint(1, 3000)} during off-hours")
        else:
            action = rnd.choice(("approve_return", "approve_refund", "manual_review", "reject", "extend_receipt"))
            lines += [f"rule b{i} \"Block rule {i}, {rnd.choice(_NOTES)}\":",
                      f"  when request.kind in [return_refund, exchange] and request.reason == "
                      f"{rnd.choice(_REASONS)}"]
            size = sum(len(x) + 1 for x in lines) - start
            while size < chars_per_rule - 40:
                line = f"   and {rnd.choice(_EXTRAS)(rnd)}"
                lines.append(line)
                size += len(line) + 1
            lines.append(f"  then {action}")
    lines += ["", "otherwise manual_review", ""]
    return "\n".join(lines)


def measure(fmt: str, text: str) -> dict[str, tuple[float, float]]:
    """(CPU seconds, MB traced) per stage: one run times the stages, untraced (tracemalloc slows
    everything); another traces them, each stage's figure being its peak above what was held when it
    began. CPU time, not wall time: the machine is shared."""
    seconds: dict[str, float] = {}
    steps = _steps(fmt, text)
    for name in _stage_names(fmt):
        gc.collect()
        start = time.process_time()
        next(steps)
        seconds[name] = time.process_time() - start
    megabytes: dict[str, float] = {}
    steps = _steps(fmt, text)
    tracemalloc.start()
    for name in _stage_names(fmt):
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        next(steps)
        megabytes[name] = (tracemalloc.get_traced_memory()[1] - held) / 2**20
    tracemalloc.stop()
    return {name: (seconds[name], megabytes[name]) for name in seconds}


def _stage_names(fmt: str) -> list[str]:
    front = ["parse", "lower", "check"] if fmt == "DSL" else ["parse+lower+check"]
    return front + ["first decision", "fast code", "traced code"]


def _steps(fmt: str, text: str):
    """The stages as a generator, one `next` per stage: the DSL front end's parse, lower and check
    (the YAML one's are one call, with the collector paused as `aftersale.compile` does); then what
    `aftersale eval` of one event does (a parsed event, decided and traced); then the compiled
    backend's fast code and traced code, generated and compiled, as later events need them."""
    parser()  # the grammar is built once per process, outside every stage
    with gc_paused():
        if fmt == "DSL":
            source = Source(text, "big.policy")
            tree = parse(text, source)
            yield
            lowering = Lowering(source)
            policy = lowering.policy(tree, "big")
            del tree
            yield
            diagnostics = lowering.diagnostics + check_policy(policy, source)
            assert not diagnostics, diagnostics[:3]
            yield
        else:
            policy, diagnostics = lower_yaml(text, "big.yaml")
            assert policy is not None and not diagnostics, diagnostics[:3]
            yield
    decided = Policy(policy).decide(parse_event(workload.generate(1, seed=5)[0]))
    decided.to_json()
    yield
    compiled = CompiledPolicy(policy)
    compiled.generated(False)
    yield
    compiled.generated(True)
    yield


def texts(rules: int) -> tuple[str, str]:
    """(DSL, YAML) of a policy of `rules` rules at the limits' density; the YAML is the same policy."""
    dsl = limit_policy(rules)
    yaml_text = to_yaml(compile_dsl(dsl, "big.policy"))
    return dsl, yaml_text


def eval_once(dsl: str) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MB) of `aftersale eval POLICY EVENT` in a new process
    (the first child this process runs, so the children's peak is its own)."""
    with tempfile.TemporaryDirectory() as tmp:
        policy, event = Path(tmp, "big.policy"), Path(tmp, "event.json")
        policy.write_text(dsl, encoding="utf-8")
        event.write_text(json.dumps(workload.generate(1, seed=5)[0]), encoding="utf-8")
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "aftersale", "eval", str(policy), str(event)],
                              capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"aftersale eval failed ({proc.returncode}): {proc.stderr[-2000:]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", type=int, default=1000)
    ap.add_argument("--profile", metavar="STAGE", help="cProfile this stage of the DSL run (e.g. parse, 'fast code')")
    ap.add_argument("--yaml", action="store_true", help="with --profile: the YAML run's stage")
    ap.add_argument("--eval", action="store_true", help="also time `aftersale eval` of one event, a new process")
    ap.add_argument("--write", metavar="DIR", help="write the big policy there (big.policy, big.yaml) and stop")
    args = ap.parse_args(argv)
    if args.eval:  # first, before any other child process
        seconds, cpu, rss = eval_once(limit_policy(args.rules))
        print(f"`aftersale eval` of one event on the {args.rules}-rule DSL policy, a new process: "
              f"{seconds:.2f} s wall, {cpu:.2f} s CPU, peak RSS {rss:.0f} MB (aim ≤ 2 s, ≤ 200 MB)\n")
    big, half = texts(args.rules), texts(args.rules // 2)
    for text, what in ((big[0], "DSL"), (big[1], "YAML")):
        if len(text) > MAX_SOURCE_CHARS:
            raise SystemExit(f"the {what} text has {len(text):,} characters, over the limit")
    if args.write:
        Path(args.write, "big.policy").write_text(big[0], encoding="utf-8")
        Path(args.write, "big.yaml").write_text(big[1], encoding="utf-8")
        return 0
    if args.profile:
        fmt = "YAML" if args.yaml else "DSL"
        profiler = cProfile.Profile()
        steps = _steps(fmt, big[1] if args.yaml else big[0])
        for name in _stage_names(fmt):
            if name == args.profile:
                profiler.enable()
            next(steps)
            profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return 0
    print(f"{'stage':<20}{'rules':>6}{'chars':>10}{'CPU s':>9}{'× half':>8}{'µs/rule':>9}{'MB':>9}{'× half':>8}")
    for fmt, index in (("DSL", 0), ("YAML", 1)):
        figures = {n: measure(fmt, text[index]) for n, text in ((args.rules, big), (args.rules // 2, half))}
        for stage in _stage_names(fmt):
            (s, mb), (hs, hmb) = figures[args.rules][stage], figures[args.rules // 2][stage]
            print(f"{fmt + ' ' + stage:<20}{args.rules:>6}{len(big[index]):>10,}{s:>9.3f}{s / max(hs, 1e-9):>8.2f}"
                  f"{s / args.rules * 1e6:>9.0f}{mb:>9.1f}{mb / max(hmb, 1e-9):>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
