"""Decision records → text for people: the answer first, the evidence after.

Works from the record alone (see `schema/decision.json`): a stored record
renders again after its policy changed or was deleted.

    headline(record)   the one-line answer
    render(record)     the answer, then the rules before it and why each did not apply
    render(record, full=True)        ... then every condition of every listed rule
    render(record, why_not="RULE")   the answer, then why RULE did not decide

>>> record = {"action": "manual_review", "rule": None, "decided_by": "otherwise", "trace": []}
>>> headline(record)
'Sent to manual review: no rule applied (otherwise)'
"""
from __future__ import annotations

import difflib
from typing import Any

from .layout import Line, to_ansi, to_text
from .phrases import (
    children, done, failing, held_facts, join, mark, missing_phrase, need,
    reason, unchecked, values_phrase, where, would,
)

Record = dict[str, Any]


# --- the one-line answer ---------------------------------------------------

def headline(record: Record) -> str:
    """The one-line answer: what was done, by which rule, on which facts."""
    action = record.get("action")
    how = record.get("decided_by") or ("otherwise" if record.get("rule") is None else "rule")
    if how == "otherwise":
        return f"{done(action)}: no rule applied (otherwise)"
    entry = _decider(record)
    rule = record.get("rule")
    if how == "forbidden":
        wanted = record.get("forbidden_action") or (entry or {}).get("action")
        guards = _forbidding_guards(record, wanted)
        ids = [g.get("rule", "?") for g in guards] or list(record.get("guards") or [])
        facts = "; ".join(f for f in (", ".join(held_facts(g.get("condition") or {})) for g in guards) if f)
        who = f"guard {ids[0]} forbids" if len(ids) == 1 else f"guards {join(ids)} forbid"
        text = f"{done(action)}: rule {rule} would {would(wanted)}, but {who} it"
        return f"{text} ({facts})" if facts else text
    facts = held_facts(entry.get("condition") or {}) if entry else []
    text = f"{done(action)} by rule {rule}"
    return f"{text}: {', '.join(facts)}" if facts else text


def summary(record: Record) -> str:
    """The decision record's `summary` field: the headline."""
    return headline(record)


# --- the whole explanation -------------------------------------------------

def render(
    record: Record,
    *,
    full: bool = False,
    why_not: str | None = None,
    color: bool = False,
    width: int | None = 100,
) -> str:
    """The explanation of a decision record for people.

    `full` adds the whole condition tree of every listed rule (of the
    `why_not` rule alone when one is named); `why_not` replaces the list of
    earlier rules with why that rule did not decide. `color` paints with ANSI
    escapes (✓ green, ✗ red, headline bold); `width` wraps lines, None never.
    """
    lines = [Line([(headline(record), "headline")], hang=2), Line()]
    lines += _context(record)
    trace = list(record.get("trace") or [])
    if why_not is not None:
        entry = _find(trace, why_not)
        lines += [Line()] + (_why_not(record, entry) if entry else _absent(record, why_not))
        shown = [entry] if entry else []
    else:
        lines += [Line()] + _before(record)
        shown = trace
    if full and shown:
        lines += [Line(), Line([("Full trace:", "heading")])]
        for entry in shown:
            lines += _entry_tree(record, entry)
    return to_ansi(lines, width) if color else to_text(lines, width)


def _context(record: Record) -> list[Line]:
    policy = record.get("policy") or {}
    about = [f"Event {record.get('event_id', '?')} at {record.get('at', '?')}"]
    if policy:
        origin = ", ".join(
            x for x in (policy.get("file"), f"sha256 {policy['sha256'][:12]}" if policy.get("sha256") else None) if x
        )
        about.append(f'policy "{policy.get("name", "?")}"' + (f" ({origin})" if origin else ""))
    lines = [Line([(", ".join(about), None)], hang=2)]
    entry = _decider(record)
    if entry and record.get("decided_by") != "otherwise":
        lines.append(Line([(f"Deciding rule, {where(entry.get('span'))}:", None)], hang=2))
        lines += _source(entry.get("text", ""), 2)
    return lines


def _before(record: Record) -> list[Line]:
    """Each guard and each earlier rule, with the first reason it did not apply."""
    decider = _decider(record)
    earlier = [e for e in record.get("trace") or [] if e is not decider]
    if not earlier:
        return [Line([("Rules before it: none", "heading")])]
    lines = [Line([("Rules before it:", "heading")])]
    for entry in earlier:
        cond = entry.get("condition") or {}
        symbol, role = mark({"result": entry.get("matched"), "skipped": False})
        status = _status(record, entry)
        if entry.get("matched"):
            facts = ", ".join(held_facts(cond))
            detail = f" — {facts}" if facts else ""
            if entry.get("kind") == "guard" and entry.get("forbids"):
                detail += f"; forbids {join(entry['forbids'])}"
        else:
            fails = failing(cond)
            detail = f" — {reason(fails[0])}" if fails else ""
        lines.append(Line(
            [(symbol, role), (f" {_name(entry)} ({where(entry.get('span'), short=True)}): {status}{detail}", None)],
            indent=2, hang=4,
        ))
    return lines


def _status(record: Record, entry: Record) -> str:
    guard = entry.get("kind") == "guard"
    if not entry.get("matched"):
        return "not matched" if guard else "not applied"
    if guard:
        return "matched"
    if entry is _decider(record):
        if record.get("decided_by") == "forbidden":
            guards = _forbidding_guards(record, record.get("forbidden_action") or entry.get("action"))
            ids = [g.get("rule", "?") for g in guards] or list(record.get("guards") or [])
            verb = "forbids" if len(ids) == 1 else "forbid"
            return f"matched, but {'guard' if len(ids) == 1 else 'guards'} {join(ids)} {verb} its action {entry.get('action')}"
        return "matched, decided"
    return "matched"


# --- why not RULE ----------------------------------------------------------

def _why_not(record: Record, entry: Record) -> list[Line]:
    name, rid = _name(entry), entry.get("rule")
    lines = [Line([(f"Why not {name} ({where(entry.get('span'))})?", "heading")], hang=2)]
    lines += _source(entry.get("text", ""), 2)
    guard = entry.get("kind") == "guard"
    if entry.get("matched"):
        if guard:
            said = f"guard {rid} matched: it forbids {join(entry.get('forbids') or []) or 'nothing'} for this request"
        elif entry is _decider(record) and record.get("decided_by") == "forbidden":
            said = f"rule {rid} matched, but {_status(record, entry).removeprefix('matched, but ')}, so the request went to manual review"
        elif entry is _decider(record):
            said = f"rule {rid} matched: every condition held, and it decided this request"
        else:
            said = f"rule {rid} matched"
        return lines + [Line([("✓", "pass"), (f" {said}", None)], indent=2, hang=4)]
    fails = failing(entry.get("condition") or {})
    verb = "match" if guard else "apply"
    lines.append(Line([(f"It did not {verb}. What failed, and what would have passed:", None)], indent=2, hang=2))
    for node in fails:
        lines.append(Line(
            [("✗", "fail"), (f" {_one_line(node.get('text', ''))} ({node.get('node')}, {where(node.get('span'))})", None)],
            indent=2, hang=4,
        ))
        found = node.get("fact") or missing_phrase(node) or values_phrase(node)
        if found:
            lines.append(Line([(f"found: {found}", None)], indent=6, hang=2))
        if node.get("fact") and missing_phrase(node):
            lines.append(Line([(f"missing: {', '.join(node['missing'])}", None)], indent=6, hang=2))
        lines.append(Line([(f"would pass: {need(node)}", None)], indent=6, hang=2))
    cut = unchecked(entry.get("condition") or {})
    if cut:
        texts = "; ".join(_one_line(n.get("text", "")) for n in cut)
        lines.append(Line([(f"Not checked after the first failure (they may fail too): {texts}", None)], indent=2, hang=2))
    return lines


def _absent(record: Record, rid: str) -> list[Line]:
    """RULE is not in the trace: not reached (a later rule), or not a rule at all."""
    trace = record.get("trace") or []
    listed = [e.get("rule") for e in trace if e.get("rule")]
    known = (record.get("policy") or {}).get("rules")
    decider = record.get("rule") if record.get("decided_by") != "otherwise" else None
    if decider and known is not None and rid in known:
        return [Line([(f"rule {rid} was not evaluated: rule {decider} decided first", None)], hang=2)]
    close = difflib.get_close_matches(rid, known if known is not None else listed, n=3, cutoff=0.6)
    if decider and known is None and not close:
        return [
            Line([(f"rule {rid} was not evaluated: rule {decider} decided first", None)], hang=2),
            Line([(f"(the record lists only the rules up to it: {', '.join(listed)})", None)], indent=2, hang=2),
        ]
    where_ = "in the policy" if known is not None else "in this record"
    text = f"There is no rule `{rid}` {where_}"
    if close:
        text += f"; did you mean {join([f'`{c}`' for c in close], 'or')}?"
    lines = [Line([(text, None)], hang=2)]
    has = known if known is not None else listed
    lines.append(Line([(f"It has: {', '.join(has) if has else 'no rules'}", None)], indent=2, hang=2))
    if decider and known is None:
        lines.append(Line([(f"Rules after rule {decider} were not evaluated and are not recorded", None)], indent=2, hang=2))
    return lines


# --- the full tree ---------------------------------------------------------

def _entry_tree(record: Record, entry: Record) -> list[Line]:
    symbol, role = mark({"result": entry.get("matched"), "skipped": False})
    head = f" {_name(entry)} ({where(entry.get('span'))}): {_status(record, entry)}"
    if entry.get("kind") == "guard" and entry.get("matched") and entry.get("forbids"):
        head += f", forbids {join(entry['forbids'])}"
    lines = [Line([(symbol, role), (head, None)], indent=2, hang=4)]
    lines += _source(entry.get("text", ""), 4)
    if entry.get("condition"):
        lines += _node_tree(entry["condition"], 4)
    return lines


def _node_tree(node: Record, indent: int) -> list[Line]:
    symbol, role = mark(node)
    head = f" {_one_line(node.get('text', ''))} ({node.get('node')}, {where(node.get('span'))})"
    if node.get("skipped"):
        head += " skipped"
    elif node.get("result") is None:
        head += " not evaluated"
    lines = [Line([(symbol, role), (head, None)], indent=indent, hang=4)]
    details = []
    if node.get("values"):
        details.append(f"values: {values_phrase(node)}")
    if node.get("missing"):
        details.append(f"missing: {', '.join(node['missing'])}")
    if node.get("fact"):
        details.append(f"found: {node['fact']}")
    if node.get("need"):
        details.append(f"would pass: {node['need']}")
    lines += [Line([(d, None)], indent=indent + 2, hang=2) for d in details]
    for child in children(node):
        lines += _node_tree(child, indent + 2)
    return lines


# --- helpers ---------------------------------------------------------------

def _source(text: str, indent: int) -> list[Line]:
    """A rule's source text, one line per source line, its own indentation kept."""
    out = []
    for raw in text.splitlines() or [""]:
        body = raw.lstrip()
        out.append(Line([(body, None)], indent=indent + len(raw) - len(body), hang=2))
    return out


def _one_line(text: str) -> str:
    """A condition's source text on one line (block rules spread conditions over several)."""
    return " ".join(text.split())


def _name(entry: Record) -> str:
    title = f' "{entry["title"]}"' if entry.get("title") else ""
    return f"{entry.get('kind') or 'rule'} {entry.get('rule', '?')}{title}"


def _decider(record: Record) -> Record | None:
    """The trace entry of the deciding rule (the last rule entry with the record's rule id)."""
    rid = record.get("rule")
    if rid is None:
        return None
    for entry in reversed(record.get("trace") or []):
        if entry.get("kind") != "guard" and entry.get("rule") == rid:
            return entry
    return None


def _forbidding_guards(record: Record, action: str | None) -> list[Record]:
    return [
        e for e in record.get("trace") or []
        if e.get("kind") == "guard" and e.get("matched") and (action is None or action in (e.get("forbids") or []))
    ]


def _find(trace: list[Record], rid: str) -> Record | None:
    """The trace entry for `rid`: a rule's entry before a guard's of the same id."""
    entries = [e for e in trace if e.get("rule") == rid]
    entries.sort(key=lambda e: e.get("kind") == "guard")
    return entries[0] if entries else None
