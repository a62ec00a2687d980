"""Words for people, and the walks over a trace's condition tree that pick them.

Everything here reads a decision record (plain dicts) and nothing else, so a
stored record still explains itself after its policy changed.

>>> done("approve_return"), would("express_refund")
('Approved the return', 'grant an express refund')
>>> leaf = {"node": "compare", "text": "under ¥300", "result": True, "skipped": False,
...         "fact": "amount ¥129.00 is under ¥300"}
>>> held_facts({"node": "and", "text": "", "result": True, "skipped": False, "children": [leaf]})
['amount ¥129.00 is under ¥300']
"""
from __future__ import annotations

from typing import Any

Node = dict[str, Any]

_DONE = {
    "approve_return": "Approved the return",
    "approve_refund": "Approved the refund",
    "express_refund": "Granted an express refund",
    "extend_receipt": "Extended the receipt period",
    "reject": "Rejected the request",
    "manual_review": "Sent to manual review",
}

_WOULD = {
    "approve_return": "approve the return",
    "approve_refund": "approve the refund",
    "express_refund": "grant an express refund",
    "extend_receipt": "extend the receipt period",
    "reject": "reject the request",
    "manual_review": "send it to manual review",
}

def done(action: str | None) -> str:
    """What the decision did, as the headline starts: `Approved the return`."""
    return _DONE.get(action or "", f"Decided {action}")


def would(action: str | None) -> str:
    """What a rule wanted, after "would": `approve the return`."""
    return _WOULD.get(action or "", f"take the action {action}")


def join(words: list[str], last: str = "and") -> str:
    """`a`, `a and b`, `a, b and c`."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {last} " + words[-1]


def children(node: Node) -> list[Node]:
    return node.get("children") or []


def held_facts(node: Node) -> list[str]:
    """Facts of the conditions that held under `node`, in source order.

    `and` (and an `or` without a fact of its own) is read through to its
    children that held; any other node that held gives its fact, or its text.
    """
    if node.get("skipped") or node.get("result") is not True:
        return []
    kind = node.get("node")
    if kind == "always":
        return []
    if kind == "and" or (kind == "or" and not node.get("fact")):
        facts: list[str] = []
        for child in children(node):
            facts += held_facts(child)
        if facts or kind == "and":
            return _unique(facts)
    if node.get("fact"):
        return [node["fact"]]
    return [node.get("text", "")] if node.get("text") else []


def failing(node: Node) -> list[Node]:
    """The conditions that made `node` false: leaves (and `not`s, quantifiers) that were evaluated and failed.

    A failed `and` or `or` is read through to its failed children; skipped
    ones were never evaluated and are not failures.
    """
    if node.get("skipped") or node.get("result") is not False:
        return []
    if node.get("node") in ("and", "or"):
        found: list[Node] = []
        for child in children(node):
            found += failing(child)
        return found or [node]
    return [node]


def unchecked(node: Node) -> list[Node]:
    """Conditions a failure cut short: skipped after the first failure in a failed `and`.

    They might have failed too. Skips under an `or` that held are left out:
    they could not have changed the result.
    """
    if node.get("skipped") or node.get("result") is not False or node.get("node") not in ("and", "or"):
        return []
    found: list[Node] = []
    for child in children(node):
        found += [child] if child.get("skipped") else unchecked(child)
    return found


def field_name(path: str) -> str:
    """A field path as people say it: the request is the subject, so `request.` goes."""
    return path.removeprefix("request.")


def missing_phrase(node: Node) -> str | None:
    paths = _unique(field_name(p) for p in node.get("missing") or [])
    if not paths:
        return None
    return f"{join(paths)} {'is' if len(paths) == 1 else 'are'} missing"


def values_phrase(node: Node) -> str:
    """`request.amount = ¥350.00; ¥300 = ¥300.00` (a literal written as it reads is shown once)."""
    parts = []
    for v in node.get("values") or []:
        text, value = v.get("text", ""), v.get("value", "")
        parts.append(text if text == value else f"{text} = {value}")
    return "; ".join(parts)


def reason(node: Node) -> str:
    """Why a failed condition failed, in a few words: missing fields first, then the fact found."""
    phrase = missing_phrase(node)
    if phrase:
        return phrase
    if node.get("fact"):
        return node["fact"]
    if node.get("need"):
        return f"needs {node['need']}"
    if node.get("node") == "not":
        held = [f for c in children(node) for f in held_facts(c)]
        if held:
            return f"{join(held)}, so `{node.get('text', '')}` is false"
    values = values_phrase(node)
    text = f"`{node.get('text', '')}` is false"
    return f"{text} ({values})" if values else text


def need(node: Node) -> str:
    """What would have passed for a failed condition."""
    if node.get("need"):
        return node["need"]
    return f"`{node.get('text', '')}` holding"


def where(span: dict | None, short: bool = False) -> str:
    """`policies/p.policy:9:1`, or `line 9` when `short`; generated spans (line 0) give only the file."""
    if not span:
        return "<unknown>"
    line, column, file = span.get("line", 0), span.get("column", 0), span.get("file", "")
    if not line:
        return file or "<generated>"
    if short:
        return f"line {line}"
    return f"{file}:{line}:{column}"


def mark(node: Node) -> tuple[str, str]:
    """The result mark and its style role: ✓ held, ✗ failed, – skipped, ? not evaluated."""
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
        seen.setdefault(item, None)
    return list(seen)
