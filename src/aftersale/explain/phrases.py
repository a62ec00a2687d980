"""Walks over a record's condition tree that pick what to say; the words come from `words.Words`.

Everything here reads a decision record (plain dicts) and nothing else, so a
stored record still explains itself after its policy changed.

>>> leaf = {"node": "compare", "text": "under ¥300", "result": True, "skipped": False,
...         "fact": "amount ¥129.00 is under ¥300"}
>>> [n["text"] for n in held_leaves({"node": "and", "text": "", "result": True, "skipped": False, "children": [leaf]})]
['under ¥300']
"""
from __future__ import annotations

from typing import Any

from .words import Words

Node = dict[str, Any]


def children(node: Node) -> list[Node]:
    return node.get("children") or []


def failed(node: Node) -> bool:
    """Evaluated and not true: false, or unknown (three-valued logic)."""
    return not node.get("skipped") and node.get("result") in (False, "unknown")


def held_leaves(node: Node) -> list[Node]:
    """The conditions that held under `node`, in source order (`and`/`or` read through to children that held)."""
    if node.get("skipped") or node.get("result") is not True:
        return []
    kind = node.get("node")
    if kind == "always":
        return []
    if kind in ("and", "or"):
        found = [leaf for child in children(node) for leaf in held_leaves(child)]
        if found or kind == "and":
            return found
    return [node]


def held_facts(node: Node, words: Words) -> list[str]:
    """The facts of the conditions that held, worded, duplicates dropped."""
    return _unique(words.fact(leaf) if leaf.get("fact") else leaf.get("text", "") for leaf in held_leaves(node))


def failing(node: Node) -> list[Node]:
    """The conditions that made `node` fail: every failed leaf (all alternatives of a failed `or`)."""
    if not failed(node):
        return []
    if node.get("node") in ("and", "or"):
        found: list[Node] = []
        for child in children(node):
            found += failing(child)
        return found or [node]
    return [node]


def unchecked(node: Node) -> list[Node]:
    """Conditions a failure cut short: skipped after the first failure in a failed `and`."""
    if not failed(node) or node.get("node") not in ("and", "or"):
        return []
    found: list[Node] = []
    for child in children(node):
        found += [child] if child.get("skipped") else unchecked(child)
    return found


def reason(node: Node, words: Words) -> str:
    """Why a failed condition failed: the fact found (or the missing fields)."""
    if node.get("fact") or node.get("missing"):
        return words.fact(node)
    if node.get("need"):
        return node["need"]
    if node.get("node") == "not":
        held = [f for c in children(node) for f in held_facts(c, words)]
        if held:
            return f"{words.join(held)} → `{node.get('text', '')}` ✗"
    values = words.values_phrase(node)
    text = f"`{node.get('text', '')}` ✗"
    return f"{text} ({values})" if values else text


def need(node: Node, lang: str = "en") -> str:
    """What would have passed for a failed condition."""
    return Words(lang).need(node)


def where(span: dict | None, words: Words | None = None, short: bool = False) -> str:
    """`policies/p.policy:9:1`, or `line 9` when `short`; generated spans (line 0) give only the file."""
    if not span:
        return "<unknown>"
    line, column, file = span.get("line", 0), span.get("column", 0), span.get("file", "")
    if not line:
        return file or "<generated>"
    if short:
        return (words or Words("en")).m("render.line", line=line)
    return f"{file}:{line}:{column}"


def mark(node: Node) -> tuple[str, str]:
    """The result mark and its style role: ✓ held, ✗ failed, – skipped, ? unknown or not evaluated."""
    if node.get("skipped"):
        return "–", "skip"
    result = node.get("result")
    if result is True:
        return "✓", "pass"
    if result is False:
        return "✗", "fail"
    return "?", "skip"


def _unique(items) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item:
            seen.setdefault(item, None)
    return list(seen)
