"""`aftersale diff`: which requests two versions of a policy decide differently, and how much money moves.

    aftersale diff policies/old.policy policies/new.policy --events history.jsonl.gz --format markdown

>>> from aftersale import compile
>>> old = compile('rule cap: auto-approve no-reason returns under ¥300').tree
>>> new = compile('rule cap: auto-approve no-reason returns under ¥500').tree
>>> doc = diff_trees(old, new, {"file": "old"}, {"file": "new"})
>>> [(r["old"]["action"], r["new"]["action"]) for r in doc["regions"]]
[('manual_review', 'approve_return')]
>>> [c["ranges"] for c in doc["regions"][0]["where"][0] if c["subject"] == {"field": "request.amount"}]
[[{'low': '300.00', 'low_closed': True, 'high': '499.99', 'high_closed': True}]]
"""
from __future__ import annotations

import hashlib
from decimal import Decimal

from .. import rules as ir
from .compare import Decider, Result, compare
from .facts import document

__all__ = ["diff_files", "diff_trees", "tally", "compare"]


def _named(path: str, policy) -> dict:
    source = policy.tree.source
    text = source.text if source is not None else ""
    return {"file": str(path), "name": policy.tree.name, "sha256": hashlib.sha256(text.encode()).hexdigest()}


def diff_trees(old: ir.Policy, new: ir.Policy, old_name: dict, new_name: dict, rename: dict | None = None,
               events: str | None = None) -> dict:
    result = compare(old, new, rename)
    history = tally(result, old, new, events, rename) if events else None
    return document(result, old_name, new_name, new.currency, history)


def diff_files(old: str, new: str, rename: dict | None = None, events: str | None = None) -> dict:
    """The diff document of two policy files (DSL or YAML, any language)."""
    from ..policy import load

    a, b = load(old), load(new)
    return diff_trees(a.tree, b.tree, _named(old, a), _named(new, b), rename, events)


def tally(result: Result, old: ir.Policy, new: ir.Policy, events: str, rename: dict | None = None) -> dict:
    """Replay a history (JSONL, plain or gzip: simulate's reader) with both versions (the interpreter);
    count requests and money per region. Events decided differently outside every region are counted
    (`outside_regions`: only possible for undecided rules)."""
    from ..diagnostics import AftersaleError
    from ..events import parse_event
    from ..events.text import DECODER
    from ..simulate.engine import Input

    a, b = Decider(old, dict(rename or {})), Decider(new, {})
    regions = {(r.old, r.new): r for r in result.regions}
    for r in result.regions:
        r.requests, r.money = 0, Decimal(0)
    decided = changed = outside = bad = 0
    moved = Decimal(0)
    source = Input(events)
    try:
        for first, data in source.chunks():
            for n, raw in enumerate(data.split(b"\n"), start=first):
                if not raw.strip():
                    continue
                try:
                    event = parse_event(DECODER.decode(raw.decode("utf-8")), source=source.name, line=n)
                except (AftersaleError, ValueError, RecursionError):
                    bad += 1
                    continue
                decided += 1
                ka, kb = a.key(event), b.key(event)
                if ka == kb:
                    continue
                amount = Decimal(str(event.data["request"]["amount"]))
                changed += 1
                moved += amount
                region = regions.get((ka, kb))
                if region is None:
                    outside += 1
                    continue
                region.requests += 1
                region.money += amount
    finally:
        source.close()
    return {"file": str(events), "decided": decided, "changed": changed, "money": str(moved),
            "outside_regions": outside, "bad": bad}

