"""Micro-benchmark: one JSON line to a typed Event, three ways (CPU µs per event, and ratios).

    .venv/bin/python bench/events_decode.py                 # 20,000 generated events
    .venv/bin/python bench/events_decode.py --events 50000 --profile

- `json.loads`        the standard library's decoding alone (no validation, no typing): a floor
- `parse_event`       the exact reader as simulate used it: `text.DECODER`, then `parse_event(obj, text=line)`
- `events.decode`     msgspec Structs from the schema check the bytes in C, the reader's code types the values

A benchmark, not a test: it prints figures and ratios, it asserts nothing timed.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from aftersale.events import decode, parse_event  # noqa: E402
from aftersale.events.structs import fast_event  # noqa: E402
from aftersale.events.text import DECODER  # noqa: E402
from aftersale.simulate.generate import events  # noqa: E402


def per_event(run, items, repeat: int = 3) -> float:
    """The best of `repeat` runs, in CPU microseconds per event."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for item in items:
            run(item)
        best = min(best, time.process_time() - start)
    return best / len(items) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", action="store_true", help="Profile events.decode.")
    args = ap.parse_args()
    lines = list(events(args.events, args.seed))
    raw = [line.encode() for line in lines]
    fast = sum(fast_event(b) is not None for b in raw)
    print(f"{len(lines):,} generated events; the C path took {fast:,} ({fast / len(lines):.1%}), "
          f"the rest went to the exact reader")
    figures = {
        "json.loads": per_event(json.loads, lines),
        "parse_event (DECODER + reader)": per_event(lambda t: parse_event(DECODER.decode(t), text=t), lines),
        "events.decode (bytes)": per_event(decode, raw),
    }
    floor = figures["json.loads"]
    reader = figures["parse_event (DECODER + reader)"]
    print(f"{'path':34} {'µs/event':>9} {'× json.loads':>13} {'× parse_event':>14}")
    for name, us in figures.items():
        print(f"{name:34} {us:9.2f} {us / floor:13.2f} {us / reader:14.2f}")
    if args.profile:
        prof = cProfile.Profile()
        prof.runcall(lambda: [decode(b) for b in raw])
        pstats.Stats(prof).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
