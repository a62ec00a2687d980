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
>>> headline(record, lang="zh")
'已转人工审核：没有规则适用（否则）'
"""
from __future__ import annotations

import difflib
from typing import Any

from .layout import Line, to_ansi, to_text
from .phrases import children, failing, held_facts, held_leaves, mark, reason, unchecked, where
from .words import Words

Record = dict[str, Any]


# --- the one-line answer ---------------------------------------------------

def headline(record: Record, lang: str = "en") -> str:
    """The one-line answer, as a person would say it: what was done, by which rule, on which facts."""
    w = Words(lang, record)
    action = record.get("action")
    how = record.get("decided_by") or ("otherwise" if record.get("rule") is None else "rule")
    entry = _decider(record)
    kind = _request_kind(record)
    if how == "otherwise":
        done = w.done(action, kind)
        closest = _closest(record)
        if closest is None:
            return w.m("headline.otherwise", done=done)
        lacks = w.m("list.facts").join(dict.fromkeys(w.lack(n) for n in failing(closest.get("condition") or {})))
        return w.m("headline.closest", done=done, rule=_rule_id(closest, w), lacks=lacks)
    rule = _rule_id(entry, w) if entry else record.get("rule")
    if how == "forbidden":
        wanted = record.get("forbidden_action") or (entry or {}).get("action")
        guards = _forbidding_guards(record, wanted)
        ids = [g.get("rule", "?") for g in guards] or list(record.get("guards") or [])
        facts = w.m("list.facts").join(f for f in (w.m("list.sep").join(held_facts(g.get("condition") or {}, w))
                                                  for g in guards) if f)
        who = w.m("headline.guard_one" if len(ids) == 1 else "headline.guard_many", ids=w.join(ids))
        values = dict(done=w.done(action, kind), rule=rule, would=w.would(wanted, kind), who=who, facts=facts)
        return w.m("headline.forbidden" if facts else "headline.forbidden_bare", **values)
    facts = _plain_facts(entry.get("condition") or {}, w) if entry else []
    done = w.done(action, kind)
    if not facts:
        return w.m("headline.rule_bare", done=done, rule=rule)
    return w.m("headline.rule", done=done, rule=rule, facts=w.m("list.facts").join(facts))


def summary(record: Record, lang: str = "en") -> str:
    """The headline (kept for callers of version 1, where records stored it as `summary`)."""
    return headline(record, lang)


def _plain_facts(condition: Record, w: Words) -> list[str]:
    """The held facts, the request's kind, reason and amount said together: `a no-reason return of ¥129.00, under ¥300`."""
    leaves = held_leaves(condition)
    kind = reason = amount = None
    rest = []
    for leaf in leaves:
        fact = leaf.get("fact")
        field = (fact.get("measure") or {}).get("field") if isinstance(fact, dict) else None
        values = _equal_values(fact) if isinstance(fact, dict) else None
        if field == "request.kind" and values and kind is None:
            kind = values
        elif field == "request.reason" and values and reason is None:
            reason = values
        elif field == "request.amount" and fact.get("code") == "compare" and fact.get("op") in ("<", "<=", ">", ">=") \
                and amount is None and (kind or reason):
            amount = fact
        else:
            rest.append(w.fact(leaf) if leaf.get("fact") else leaf.get("text", ""))
    out = []
    if kind or reason:
        if reason:
            kinds = w.join([w.m(f"kind_noun.{k}") for k in kind or ()], "or") or w.m("kind_noun.request")
            phrase = w.m("headline.request", reason=w.join([w.m(f"reason_adj.{r}") for r in reason], "or"), kind=kinds)
        else:
            phrase = w.join([w.m(f"kind_alone.{k}") for k in kind], "or")
        if amount:
            s, b = w.values(amount["subject"], amount["bound"])
            phrase = w.m("headline.request_amount", request=phrase, amount=s, bound=b, op=w.m(f"op.{amount['op']}"))
        out.append(phrase.strip())
    return list(dict.fromkeys(out + [r for r in rest if r]))


def _equal_values(fact: dict) -> list[str] | None:
    """The enum values a held `==` or `in` fixes its field to."""
    if fact.get("code") == "compare" and fact.get("op") == "==" and fact["bound"].get("type") == "enum":
        return [fact["bound"]["value"]]
    if fact.get("code") == "in" and not fact.get("negated"):
        return [o["value"] for o in fact.get("options") or [] if o.get("type") == "enum"] or None
    return None


def _request_kind(record: Record) -> str | None:
    """The request's kind, when a recorded fact shows it (so an exchange is worded as an exchange)."""
    for entry in record.get("trace") or []:
        stack = [entry.get("condition") or {}]
        while stack:
            node = stack.pop()
            fact = node.get("fact")
            if isinstance(fact, dict) and (fact.get("measure") or {}).get("field") == "request.kind" \
                    and fact.get("subject", {}).get("type") == "enum":
                return fact["subject"]["value"]
            stack.extend(children(node))
    return None


def _closest(record: Record) -> Record | None:
    """The rule that came nearest to deciding: fewest failed conditions, then most held, then first."""
    best = None
    for i, entry in enumerate(record.get("trace") or []):
        if entry.get("kind") == "guard" or entry.get("matched"):
            continue
        cond = entry.get("condition") or {}
        fails = failing(cond)
        if not fails:
            continue
        key = (len(fails), -len(held_leaves_any(cond)), i)
        if best is None or key < best[0]:
            best = (key, entry)
    return best[1] if best else None


def held_leaves_any(node: Record) -> list[Record]:
    """Leaves that held anywhere under `node` (a failed `and` still has some)."""
    if node.get("skipped"):
        return []
    if children(node):
        return [leaf for c in children(node) for leaf in held_leaves_any(c)]
    return [node] if node.get("result") is True else []


def _rule_id(entry: Record, w: Words) -> str:
    if entry.get("title"):
        return w.m("headline.titled", rule=entry.get("rule", "?"), title=entry["title"])
    return entry.get("rule", "?")


# --- the whole explanation -------------------------------------------------

def render(
    record: Record,
    *,
    full: bool = False,
    why_not: str | None = None,
    probe: Record | None = None,
    color: bool = False,
    width: int | None = None,
    lang: str = "en",
) -> str:
    """The explanation of a decision record for people, in `lang` ("en" or "zh").

    `full` adds the whole condition tree of every listed rule (of the
    `why_not` rule alone when one is named); `why_not` replaces the list of
    earlier rules with why that rule did not decide. `probe` is the `why_not`
    rule evaluated against the event on its own, every condition checked
    (`evaluator.whynot`): it says what a rule after the deciding one lacks,
    and lists every failing condition, not only the first. `color` paints
    with ANSI escapes (✓ green, ✗ red, headline bold); `width` wraps lines
    (give it only for a terminal), None never: the one-line answer stays one line.
    """
    w = Words(lang, record)
    lines = [Line([(headline(record, lang), "headline")], hang=2), Line()]
    lines += _context(record, w)
    trace = list(record.get("trace") or [])
    if not trace and probe is None:
        lines += [Line()] + _no_trace(record, why_not, w)
        shown = []
    elif why_not is not None:
        entry = _find(trace, why_not)
        if entry or probe:
            lines += [Line()] + _why_not(record, entry, w, probe)
        else:
            lines += [Line()] + _absent(record, why_not, w)
        shown = [entry or probe] if entry or probe else []
    else:
        lines += [Line()] + _before(record, w)
        shown = trace
    if full and shown:
        lines += [Line(), Line([(w.m("render.full_trace"), "heading")])]
        for entry in shown:
            lines += _entry_tree(record, entry, w)
    return to_ansi(lines, width) if color else to_text(lines, width)


def _context(record: Record, w: Words) -> list[Line]:
    policy = record.get("policy") or {}
    about = [w.m("render.context", event=record.get("event_id", "?"), at=record.get("at", "?"))]
    if policy:
        origin = ", ".join(
            x for x in (policy.get("file"), f"sha256 {policy['sha256'][:12]}" if policy.get("sha256") else None) if x
        )
        name = policy.get("name", "?")
        about.append(w.m("render.policy_origin", name=name, origin=origin) if origin else w.m("render.policy", name=name))
    lines = [Line([(w.m("list.facts").join(about), None)], hang=2)]
    entry = _decider(record)
    if entry and record.get("decided_by") != "otherwise":
        lines.append(Line([(w.m("render.deciding", where=where(entry.get("span"))), None)], hang=2))
        lines += _source(entry.get("text", ""), 2)
    return lines


def _before(record: Record, w: Words) -> list[Line]:
    """Each guard and each earlier rule, with every reason it did not apply."""
    decider = _decider(record)
    earlier = [e for e in record.get("trace") or [] if e is not decider]
    if not earlier:
        return [Line([(w.m("render.before_none"), "heading")])]
    lines = [Line([(w.m("render.before"), "heading")])]
    for entry in earlier:
        cond = entry.get("condition") or {}
        symbol, role = mark({"result": entry.get("matched"), "skipped": False})
        status = _status(record, entry, w)
        if entry.get("matched"):
            detail = w.m("list.facts").join(held_facts(cond, w))
            if entry.get("kind") == "guard" and entry.get("forbids"):
                actions = w.join(entry["forbids"])
                detail = w.m("render.forbids", facts=detail, actions=actions) if detail \
                    else w.m("render.forbids_only", actions=actions)
        elif entry.get("applies") is False:
            detail = _action_scope(entry.get("action"), w)
        else:
            detail = w.m("list.facts").join(dict.fromkeys(reason(n, w) for n in failing(cond)))
        name, at = _name(entry, w), where(entry.get("span"), w, short=True)
        text = w.m("render.entry_detail", name=name, where=at, status=status, detail=detail) if detail \
            else w.m("render.entry", name=name, where=at, status=status)
        lines.append(Line([(symbol, role), (f" {text}", None)], indent=2, hang=4))
    return lines


def _action_scope(action: str | None, w: Words) -> str:
    """Why a rule was passed over without looking at its conditions: where its action applies
    (semantics.APPLIES), e.g. "approve_refund applies only to refund pending, return in transit or
    returned, not to this request"."""
    from .. import semantics

    order = semantics.OPEN_STATUS_ORDER
    states = sorted(semantics.applicable_states(action or ""), key=lambda p: (order.index(p[1]), p[0] or ""))
    if {st for _, st in states} == semantics.OPEN_STATUSES:
        where_ = w.m("lint.applies.open")
    else:
        def kind(k):
            return w.value({"type": "enum", "field": "request.kind", "value": k})

        where_ = w.join([w.m("render.state", kind=kind(k), status=w.m(f"lint.applies.status.{st}")) if k
                         else w.m(f"lint.applies.status.{st}") for k, st in states], "or")
    return w.m("render.action_scope", action=action, statuses=where_)


def _status(record: Record, entry: Record, w: Words) -> str:
    guard = entry.get("kind") == "guard"
    if not entry.get("matched"):
        return w.m("render.not_matched" if guard else "render.not_applied")
    if guard:
        return w.m("render.matched")
    if entry is _decider(record):
        if record.get("decided_by") == "forbidden":
            ids = _guard_ids(record, entry)
            return w.m("render.forbidden_one" if len(ids) == 1 else "render.forbidden_many",
                       ids=w.join(ids), action=entry.get("action"))
        return w.m("render.decided")
    return w.m("render.matched")


def _guard_ids(record: Record, entry: Record) -> list[str]:
    guards = _forbidding_guards(record, record.get("forbidden_action") or entry.get("action"))
    return [g.get("rule", "?") for g in guards] or list(record.get("guards") or [])


# --- why not RULE ----------------------------------------------------------

def _why_not(record: Record, entry: Record | None, w: Words, probe: Record | None = None) -> list[Line]:
    """Why RULE did not decide: from its trace `entry`, and from `probe` (the rule evaluated on its own,
    every condition checked) when there is one; `entry` is None for a rule the decision never reached."""
    shown = entry or probe
    assert shown is not None
    rid = shown.get("rule")
    lines = [Line([(w.m("render.why_not", name=_name(shown, w), where=where(shown.get("span"))), "heading")], hang=2)]
    lines += _source(shown.get("text", ""), 2)
    guard = shown.get("kind") == "guard"
    decider = record.get("rule") if record.get("decided_by") != "otherwise" else None
    if entry is None and decider:
        lines.append(Line([(w.m("render.not_evaluated", rule=rid, decider=decider), None)], indent=2, hang=2))
    applies = (probe or {}).get("applicability")
    if applies and not applies.get("applies"):
        said = w.m("render.not_applicable", action=applies.get("action"), kind=applies.get("kind"),
                   status=applies.get("status"))
        lines.append(Line([("✗", "fail"), (f" {said}", None)], indent=2, hang=4))
    if entry is not None and entry.get("matched"):
        if guard:
            said = w.m("render.guard_matched", rule=rid, actions=w.join(entry.get("forbids") or []) or w.m("render.nothing"))
        elif entry is _decider(record) and record.get("decided_by") == "forbidden":
            ids = _guard_ids(record, entry)
            why = w.m("render.guard_why_one" if len(ids) == 1 else "render.guard_why_many",
                      ids=w.join(ids), action=entry.get("action"))
            said = w.m("render.rule_forbidden", rule=rid, why=why)
        elif entry is _decider(record):
            said = w.m("render.rule_decided", rule=rid)
        else:
            said = w.m("render.rule_matched", rule=rid)
        return lines + [Line([("✓", "pass"), (f" {said}", None)], indent=2, hang=4)]
    if probe is not None and probe.get("matched"):
        said = w.m("render.would_decide", rule=rid, decider=decider) if entry is None and decider and not guard \
            else w.m("render.would_hold", name=_name(probe, w))
        return lines + [Line([("✓", "pass"), (f" {said}", None)], indent=2, hang=4)]
    if probe is not None:
        lines.append(Line([(w.m("render.evaluated_alone_guard" if guard else "render.evaluated_alone"), None)],
                          indent=2, hang=2))
    else:
        lines.append(Line([(w.m("render.did_not_match" if guard else "render.did_not_apply"), None)], indent=2, hang=2))
    source = probe if probe is not None else shown
    for node in failing(source.get("condition") or {}):
        lines.append(Line(
            [("✗", "fail"), (" " + w.m("render.failed_node", text=_one_line(node.get("text", "")),
                                        node=node.get("node"), where=where(node.get("span"))), None)],
            indent=2, hang=4,
        ))
        found = w.fact(node) if node.get("fact") or node.get("missing") else w.values_phrase(node)
        if found:
            lines.append(Line([(w.m("render.found", found=found), None)], indent=6, hang=2))
        if isinstance(node.get("fact"), str) and node.get("missing"):
            lines.append(Line([(w.m("render.missing", fields=", ".join(node["missing"])), None)], indent=6, hang=2))
        lines.append(Line([(w.m("render.would_pass", need=w.need(node)), None)], indent=6, hang=2))
    cut = [] if probe is not None else unchecked(source.get("condition") or {})
    if cut:
        texts = "; ".join(_one_line(n.get("text", "")) for n in cut)
        lines.append(Line([(w.m("render.unchecked", texts=texts), None)], indent=2, hang=2))
    return lines


def _no_trace(record: Record, why_not: str | None, w: Words) -> list[Line]:
    """A record written without a trace: say what it can show and what it cannot (never "no rules before it")."""
    guards = list(record.get("guards") or [])
    rule = record.get("rule") or w.m("render.no_rule_decided")
    lines = [Line([(w.m("render.no_trace_why_not", rule=why_not), "heading")], hang=2)] if why_not is not None else []
    lines += [
        Line([(w.m("render.no_trace"), None)], hang=2),
        Line([(w.m("render.no_trace_shows", rule=rule, guards=w.join(guards) or w.m("render.none_in_force")), None)],
             indent=2, hang=2),
        Line([(w.m("render.no_trace_cannot"), None)], indent=2, hang=2),
    ]
    again = w.m("render.why_not_record", rule=why_not) if why_not is not None else w.m("render.no_trace_again")
    return lines + [Line([(again, None)], indent=2, hang=2)]


def _absent(record: Record, rid: str, w: Words) -> list[Line]:
    """RULE is not in the trace: not reached (a later rule), or not a rule at all."""
    trace = record.get("trace") or []
    listed = [e.get("rule") for e in trace if e.get("rule")]
    known = (record.get("policy") or {}).get("rules")
    decider = record.get("rule") if record.get("decided_by") != "otherwise" else None
    again = Line([(w.m("render.why_not_record", rule=rid), None)], indent=2, hang=2)
    if decider and known is not None and rid in known:
        return [Line([(w.m("render.not_evaluated", rule=rid, decider=decider), None)], hang=2), again]
    close = difflib.get_close_matches(rid, known if known is not None else listed, n=3, cutoff=0.6)
    if decider and known is None and not close:
        return [
            Line([(w.m("render.not_evaluated", rule=rid, decider=decider), None)], hang=2),
            Line([(w.m("render.listed_only", rules=", ".join(listed)), None)], indent=2, hang=2),
            again,
        ]
    text = w.m("render.no_rule" if known is not None else "render.no_rule_record", rule=rid)
    if close:
        text = w.m("render.did_you_mean", text=text, options=w.join([f"`{c}`" for c in close], "or"))
    lines = [Line([(text, None)], hang=2)]
    has = known if known is not None else listed
    lines.append(Line([(w.m("render.it_has", rules=", ".join(has) if has else w.m("render.no_rules")), None)],
                      indent=2, hang=2))
    if decider and known is None:
        lines.append(Line([(w.m("render.after_not_recorded", decider=decider), None)], indent=2, hang=2))
    return lines


# --- the full tree ---------------------------------------------------------

def _entry_tree(record: Record, entry: Record, w: Words) -> list[Line]:
    symbol, role = mark({"result": entry.get("matched"), "skipped": False})
    head = w.m("render.entry", name=_name(entry, w), where=where(entry.get("span")), status=_status(record, entry, w))
    if entry.get("kind") == "guard" and entry.get("matched") and entry.get("forbids"):
        head = w.m("render.entry_detail", name=_name(entry, w), where=where(entry.get("span")),
                   status=_status(record, entry, w), detail=w.m("render.forbids_only", actions=w.join(entry["forbids"])))
    lines = [Line([(symbol, role), (f" {head}", None)], indent=2, hang=4)]
    lines += _source(entry.get("text", ""), 4)
    if entry.get("condition"):
        lines += _node_tree(entry["condition"], 4, w)
    return lines


def _node_tree(node: Record, indent: int, w: Words) -> list[Line]:
    symbol, role = mark(node)
    head = " " + w.m("render.failed_node", text=_one_line(node.get("text", "")), node=node.get("node"),
                     where=where(node.get("span")))
    if node.get("skipped"):
        head += " " + w.m("render.skipped")
    elif node.get("result") == "unknown":
        head += " " + w.m("render.unknown_result")
    elif node.get("result") is None:
        head += " " + w.m("render.unevaluated")
    lines = [Line([(symbol, role), (head, None)], indent=indent, hang=4)]
    details = []
    if node.get("values"):
        details.append(w.m("render.values", values=w.values_phrase(node)))
    if node.get("missing"):
        details.append(w.m("render.missing", fields=", ".join(node["missing"])))
    if node.get("fact") and node.get("fact") != {"code": "always"}:
        details.append(w.m("render.found", found=w.fact(node)))
    if (node.get("need") or (isinstance(node.get("fact"), dict) and node.get("result") is False)) and not node.get("skipped"):
        details.append(w.m("render.would_pass", need=w.need(node)))
    lines += [Line([(d, None)], indent=indent + 2, hang=2) for d in details]
    for child in children(node):
        lines += _node_tree(child, indent + 2, w)
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


def _name(entry: Record, w: Words) -> str:
    kind = w.m("render.kind_guard" if entry.get("kind") == "guard" else "render.kind_rule")
    if entry.get("title"):
        return w.m("render.name_titled", kind=kind, rule=entry.get("rule", "?"), title=entry["title"])
    return w.m("render.name", kind=kind, rule=entry.get("rule", "?"))


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
