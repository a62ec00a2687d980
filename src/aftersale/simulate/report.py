"""The simulation report: one JSON-shaped summary, rendered as text or Markdown.

`summarize` turns a tally into the JSON report (`--format json`); `text`
and `markdown` render that same dict, so the three formats never disagree.
"""
from __future__ import annotations

from decimal import Decimal

from ..rules import ACTIONS
from ..values import format_money
from .tally import Tally

CENT = Decimal("0.01")
#: Bad lines and changed-rule rows shown in text and Markdown (JSON lists what the tally kept).
SHOWN = 20


def _money(value: Decimal) -> str:
    return format(value.quantize(CENT), "f")


def _share(n: int, total: int) -> float:
    return round(n / total, 4) if total else 0.0


def _policy_json(policy) -> dict:
    from ..evaluator.record import policy_info

    info = policy_info(policy.tree)
    return {"name": info["name"], "file": info["file"], "sha256": info["sha256"]}


def _actions(table: dict, total: int) -> list[dict]:
    order = {a: i for i, a in enumerate(ACTIONS)}
    return [{"action": a, "count": n, "share": _share(n, total), "money": _money(m)}
            for a, (n, m) in sorted(table.items(), key=lambda kv: order.get(kv[0], len(order)))]


def _rules(policy, rules: dict, guards: dict | None, total: int) -> list[dict]:
    out = []
    for r in policy.tree.rules:
        if r.is_guard:
            matched, forbade = (guards or {}).get(r.id, (0, 0))
            out.append({"rule": r.id, "kind": "guard", "forbids": list(r.forbids), "matched": matched,
                        "share": _share(matched, total), "forbade": forbade})
            continue
        n, m = rules.get((r.id, "rule"), (0, Decimal(0)))
        fn, fm = rules.get((r.id, "forbidden"), (0, Decimal(0)))
        out.append({"rule": r.id, "kind": "rule", "action": r.action, "decided": n, "share": _share(n, total),
                    "money": _money(m), "forbidden": fn, "forbidden_money": _money(fm)})
    n, m = rules.get((None, "otherwise"), (0, Decimal(0)))
    fn, fm = rules.get((None, "forbidden"), (0, Decimal(0)))  # otherwise's action forbidden by a guard
    out.append({"rule": None, "kind": "otherwise", "action": policy.tree.otherwise, "decided": n,
                "share": _share(n, total), "money": _money(m), "forbidden": fn, "forbidden_money": _money(fm)})
    # version 2: decisions no rule and not otherwise made (semantics.Verdict.decided_by)
    for kind, action in (("not_applicable", "manual_review"), ("closed", "no_action")):
        n, m = rules.get((None, kind), (0, Decimal(0)))
        if n:
            out.append({"rule": None, "kind": kind, "action": action, "decided": n, "share": _share(n, total),
                        "money": _money(m)})
    return out


def _examples(items) -> list[dict]:
    return [{"event_id": e, "line": line} for e, line in items]


def summarize(tally: Tally, policy, baseline=None, source: str = "") -> dict:
    """The report as JSON-ready data."""
    total = tally.decided
    report: dict = {
        "policy": _policy_json(policy),
        "events": {"file": source, "lines": tally.lines, "decided": tally.decided, "bad": tally.bad,
                   "blank": tally.blank, "money": _money(tally.money)},
        "actions": _actions(tally.actions, total),
        "rules": _rules(policy, tally.rules, tally.guards, total),
        "baseline": None,
        "changes": None,
        "bad_lines": {"count": tally.bad, "listed": [b.to_json() for b in tally.bad_lines]},
    }
    if baseline is not None:
        report["baseline"] = {**_policy_json(baseline), "actions": _actions(tally.base_actions, total),
                              "rules": _rules(baseline, tally.base_rules, None, total)}
        for r in report["baseline"]["rules"]:
            if r["kind"] == "guard":
                r.pop("matched"), r.pop("forbade"), r.pop("share")
        changed = [(k, v) for k, v in tally.transitions.items() if k[0] != k[1]]
        count = sum(v[0] for _, v in changed)
        order = {a: i for i, a in enumerate(ACTIONS)}
        report["changes"] = {
            "count": count,
            "share": _share(count, total),
            "money": _money(sum((v[1] for _, v in changed), Decimal(0))),
            "matrix": [{"from": a, "to": b, "count": n, "money": _money(m), "examples": _examples(ex)}
                       for (a, b), (n, m, ex) in sorted(tally.transitions.items(),
                                                        key=lambda kv: (order.get(kv[0][0], 9), order.get(kv[0][1], 9)))],
            "rules": [{"from_rule": a, "from_decided_by": a_by, "from_action": a_act,
                       "to_rule": b, "to_decided_by": b_by, "to_action": b_act, "count": n,
                       "money": _money(m), "examples": _examples(ex)}
                      for (a, a_by, a_act, b, b_by, b_act), (n, m, ex)
                      in sorted(tally.rule_changes.items(), key=lambda kv: (-kv[1][0], str(kv[0])))],
        }
    return report


# -- text ---------------------------------------------------------------------------

def _yuan(text: str) -> str:
    return format_money(Decimal(text))


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _table(rows: list[list[str]], right: set[int], indent: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(r)]
        out.append((indent + "  ".join(cells)).rstrip())
    return out


def _n(count: int, noun: str) -> str:
    """`1 request`, `2,000 requests`."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _rule_name(rule, decided_by: str) -> str:
    """`otherwise`, `off-hours`, or `off-hours forbidden by a guard` (the rule matched, its action was not allowed)."""
    if rule is None:
        return "otherwise"
    return f"{rule} forbidden by a guard" if decided_by == "forbidden" else rule


def _examples_text(examples: list[dict]) -> str:
    return ", ".join(f"{e['event_id']} (line {e['line']})" for e in examples)


def text(report: dict) -> str:
    ev = report["events"]
    p = report["policy"]
    lines = [f"Simulated {p['file'] or ''} \"{p['name']}\" on {ev['file']}",
             f"  {ev['lines']:,} lines: {ev['decided']:,} decided, {ev['bad']:,} bad, {ev['blank']:,} blank;"
             f" {_yuan(ev['money'])} requested"]
    if report["baseline"]:
        b = report["baseline"]
        lines.append(f"  against the baseline {b['file'] or ''} \"{b['name']}\"")
    lines += ["", "By action:"]
    rows = [["action", "requests", "share", "money"]]
    rows += [[a["action"], f"{a['count']:,}", _pct(a["share"]), _yuan(a["money"])] for a in report["actions"]]
    lines += _table(rows, {1, 2, 3})
    lines += ["", "By rule:"]
    rows = [["rule", "action", "requests", "share", "money", "note"]]
    for r in report["rules"]:
        if r["kind"] == "guard":
            rows.append([f"guard {r['rule']}", "(guard)", f"{r['matched']:,}", _pct(r["share"]), "",
                         f"matched; forbids {', '.join(r['forbids'])}; forbade {_n(r['forbade'], 'decision')}"])
            continue
        note = f"+{r['forbidden']:,} forbidden by a guard ({_yuan(r['forbidden_money'])})" if r.get("forbidden") else ""
        name = f"rule {r['rule']}" if r["kind"] == "rule" else r["kind"].replace("_", " ")
        rows.append([name, r["action"], f"{r['decided']:,}", _pct(r["share"]), _yuan(r["money"]), note])
    lines += _table(rows, {2, 3, 4})
    changes = report["changes"]
    if changes is not None:
        lines += ["", f"Changes against the baseline: {_n(changes['count'], 'request')} ({_pct(changes['share'])}),"
                      f" {_yuan(changes['money'])} moved"]
        lines += _matrix_text(report)
        moved = [t for t in changes["matrix"] if t["from"] != t["to"]]
        if moved:
            lines += ["", "Each change, with examples:"]
            for t in moved:
                lines.append(f"  {t['from']} → {t['to']}: {_n(t['count'], 'request')}, {_yuan(t['money'])};"
                             f" e.g. {_examples_text(t['examples'])}")
        if changes["rules"]:
            lines += ["", "By rule, old → new:"]
            for r in changes["rules"][:SHOWN]:
                lines.append(f"  {_rule_name(r['from_rule'], r['from_decided_by'])} ({r['from_action']}) →"
                             f" {_rule_name(r['to_rule'], r['to_decided_by'])}"
                             f" ({r['to_action']}): {_n(r['count'], 'request')}, {_yuan(r['money'])};"
                             f" e.g. {_examples_text(r['examples'][:3])}")
            if len(changes["rules"]) > SHOWN:
                lines.append(f"  … {len(changes['rules']) - SHOWN} more (--format json lists them all)")
    lines += _bad_text(report["bad_lines"])
    return "\n".join(lines) + "\n"


def _matrix_actions(report: dict) -> list[str]:
    used = {t["from"] for t in report["changes"]["matrix"]} | {t["to"] for t in report["changes"]["matrix"]}
    return [a for a in ACTIONS if a in used] + sorted(used - set(ACTIONS))


def _matrix_text(report: dict) -> list[str]:
    acts = _matrix_actions(report)
    if not acts:
        return []
    cell = {(t["from"], t["to"]): t for t in report["changes"]["matrix"]}
    rows = [["old \\ new"] + acts]
    for a in acts:
        rows.append([a] + [f"{cell[(a, b)]['count']:,}" if (a, b) in cell else "·" for b in acts])
    return [""] + _table(rows, set(range(1, len(acts) + 1)))


def _bad_text(bad: dict) -> list[str]:
    if not bad["count"]:
        return []
    lines = ["", f"Bad lines: {bad['count']:,}, not decided (counted above; --rejects FILE writes them all)"]
    for b in bad["listed"][:SHOWN]:
        lines.append(f"  line {b['line']}:{b['column']}: {b['name']}: {b['message']}")
    if bad["count"] > SHOWN:
        lines.append(f"  … {bad['count'] - SHOWN:,} more")
    return lines


# -- markdown -----------------------------------------------------------------------

def _md_table(rows: list[list[str]], right: set[int]) -> list[str]:
    def esc(c: str) -> str:
        return c.replace("|", "\\|")
    head = "| " + " | ".join(esc(c) for c in rows[0]) + " |"
    rule = "|" + "|".join("---:" if i in right else "---" for i in range(len(rows[0]))) + "|"
    return [head, rule] + ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows[1:]]


def markdown(report: dict) -> str:
    ev = report["events"]
    p = report["policy"]
    lines = [f"## Simulation of `{p['file'] or ''}` ({p['name']})", "",
             f"{ev['lines']:,} lines of `{ev['file']}`: **{ev['decided']:,} decided**, {ev['bad']:,} bad,"
             f" {ev['blank']:,} blank; {_yuan(ev['money'])} requested."]
    if report["baseline"]:
        b = report["baseline"]
        lines[-1] += f" Baseline: `{b['file'] or ''}` ({b['name']})."
    lines += ["", "### By action", ""]
    rows = [["action", "requests", "share", "money"]]
    rows += [[f"`{a['action']}`", f"{a['count']:,}", _pct(a["share"]), _yuan(a["money"])] for a in report["actions"]]
    lines += _md_table(rows, {1, 2, 3})
    lines += ["", "### By rule", ""]
    rows = [["rule", "action", "requests", "share", "money", "note"]]
    for r in report["rules"]:
        if r["kind"] == "guard":
            rows.append([f"guard `{r['rule']}`", "(guard)", f"{r['matched']:,}", _pct(r["share"]), "",
                         "matched; forbids " + ", ".join(f"`{f}`" for f in r["forbids"])
                         + f"; forbade {_n(r['forbade'], 'decision')}"])
            continue
        note = f"+{r['forbidden']:,} forbidden by a guard" if r.get("forbidden") else ""
        name = f"rule `{r['rule']}`" if r["kind"] == "rule" else r["kind"].replace("_", " ")
        rows.append([name, f"`{r['action']}`", f"{r['decided']:,}", _pct(r["share"]), _yuan(r["money"]), note])
    lines += _md_table(rows, {2, 3, 4})
    changes = report["changes"]
    if changes is not None:
        lines += ["", "### Changes against the baseline", "",
                  f"{changes['count']:,} requests ({_pct(changes['share'])}) change action;"
                  f" {_yuan(changes['money'])} moved.", ""]
        acts = _matrix_actions(report)
        if acts:
            cell = {(t["from"], t["to"]): t for t in changes["matrix"]}
            rows = [["old ＼ new"] + [f"`{a}`" for a in acts]]
            for a in acts:
                rows.append([f"`{a}`"] + [f"{cell[(a, b)]['count']:,}" if (a, b) in cell else "·" for b in acts])
            lines += _md_table(rows, set(range(1, len(acts) + 1)))
        moved = [t for t in changes["matrix"] if t["from"] != t["to"]]
        if moved:
            lines += ["", "| change | requests | money | examples |", "|---|---:|---:|---|"]
            for t in moved:
                lines.append(f"| `{t['from']}` → `{t['to']}` | {t['count']:,} | {_yuan(t['money'])} |"
                             f" {_examples_text(t['examples'])} |")
        if changes["rules"]:
            lines += ["", "| old rule → new rule | requests | money | examples |", "|---|---:|---:|---|"]
            for r in changes["rules"][:SHOWN]:
                lines.append(f"| {_rule_name(r['from_rule'], r['from_decided_by'])} (`{r['from_action']}`) →"
                             f" {_rule_name(r['to_rule'], r['to_decided_by'])}"
                             f" (`{r['to_action']}`) | {r['count']:,} | {_yuan(r['money'])} |"
                             f" {_examples_text(r['examples'][:3])} |")
            if len(changes["rules"]) > SHOWN:
                lines.append(f"\n… {len(changes['rules']) - SHOWN} more (`--format json` lists them all)")
    bad = report["bad_lines"]
    if bad["count"]:
        lines += ["", f"### Bad lines: {bad['count']:,}", ""]
        lines += [f"- line {b['line']}:{b['column']}: `{b['name']}`: {b['message']}" for b in bad["listed"][:SHOWN]]
        if bad["count"] > SHOWN:
            lines.append(f"- … {bad['count'] - SHOWN:,} more")
    return "\n".join(lines) + "\n"
