"""The simulation report: one JSON-shaped summary, rendered as text or Markdown.

`summarize` turns a tally into the JSON report (`--format json`); `text`
and `markdown` render that same dict, so the three formats never disagree.
"""
from __future__ import annotations

from decimal import Decimal

import unicodedata

from ..locale import from_json, message, plural
from ..locale.formats import LOCALES, decimal, money
from ..rules import ACTIONS
from .tally import Tally

CENT = Decimal("0.01")
#: Bad lines and changed-rule rows shown in text and Markdown (JSON lists what the tally kept).
SHOWN = 20


def _money(value: Decimal) -> str:
    return format(value.quantize(CENT), "f")


def _share(n: int, total: int) -> float:
    return round(n / total, 4) if total else 0.0


def _policy_json(policy) -> dict:
    from ..decision.record import policy_info

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
# Both renderings take `lang` (en, zh): words from the catalogs (`sim.*`), numbers, money and
# shares formatted by Babel. Action names, rule ids, event ids and file names are shown as they are.

class _Say:
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, msgid: str, **values) -> str:
        return message(self.lang, f"sim.{msgid}", **values)

    def n(self, value: int) -> str:
        return decimal(value, self.lang)

    def count(self, value: int, noun: str) -> str:
        """`1 request`, `2,000 requests` / `2,000 个申请`."""
        return plural(self.lang, f"sim.{noun}", value)

    def yuan(self, text: str) -> str:
        return money({"amount": str(Decimal(text).quantize(CENT)), "currency": "CNY"}, self.lang)

    def pct(self, share: float) -> str:
        from babel.numbers import format_percent

        from decimal import ROUND_HALF_UP

        # rounded half up first (Babel rounds half to even): 0.2665 reads 26.7%, as it always did
        return format_percent(Decimal(str(share)).quantize(Decimal("0.001"), ROUND_HALF_UP), "#,##0.0%",
                              locale=LOCALES[self.lang])

    def sep(self) -> str:
        return message(self.lang, "list.sep")

    def rule_name(self, rule, decided_by: str, code: str = "") -> str:
        """`otherwise`, `off-hours`, or `off-hours forbidden by a guard` (the rule matched, its action was not
        allowed)."""
        if rule is None:
            return self("otherwise")
        rule = f"{code}{rule}{code}"
        return self("forbidden_rule", rule=rule) if decided_by == "forbidden" else rule

    def examples(self, examples: list[dict]) -> str:
        return self.sep().join(self("example", event=e["event_id"], line=e["line"]) for e in examples)


def _width(text: str) -> int:
    """Columns on a terminal: wide (Chinese) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(rows: list[list[str]], right: set[int], indent: str = "  ") -> list[str]:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [" " * (widths[i] - _width(c)) + c if i in right else c + " " * (widths[i] - _width(c))
                 for i, c in enumerate(r)]
        out.append((indent + "  ".join(cells)).rstrip())
    return out


def _heads(say: _Say, *names: str) -> list[str]:
    return [say(f"col.{n}") for n in names]


def text(report: dict, lang: str = "en") -> str:
    say = _Say(lang)
    ev = report["events"]
    p = report["policy"]
    lines = [say("title", file=p["file"] or "", name=p["name"], events=ev["file"]),
             "  " + say("lines", lines=say.n(ev["lines"]), decided=say.n(ev["decided"]), bad=say.n(ev["bad"]),
                        blank=say.n(ev["blank"]), money=say.yuan(ev["money"]))]
    if report["baseline"]:
        b = report["baseline"]
        lines.append("  " + say("against", file=b["file"] or "", name=b["name"]))
    lines += ["", say("by_action")]
    rows = [_heads(say, "action", "requests", "share", "money")]
    rows += [[a["action"], say.n(a["count"]), say.pct(a["share"]), say.yuan(a["money"])] for a in report["actions"]]
    lines += _table(rows, {1, 2, 3})
    lines += ["", say("by_rule")]
    rows = [_heads(say, "rule", "action", "requests", "share", "money", "note")]
    for r in report["rules"]:
        if r["kind"] == "guard":
            rows.append([say("guard", rule=r["rule"]), say("guard_action"), say.n(r["matched"]), say.pct(r["share"]),
                         "", say("guard_note", forbids=say.sep().join(r["forbids"]),
                                 forbade=say.count(r["forbade"], "decisions"))])
            continue
        note = say("forbidden_note", n=say.n(r["forbidden"]), money=say.yuan(r["forbidden_money"])) \
            if r.get("forbidden") else ""
        name = say("rule", rule=r["rule"]) if r["kind"] == "rule" else say(r["kind"])
        rows.append([name, r["action"], say.n(r["decided"]), say.pct(r["share"]), say.yuan(r["money"]), note])
    lines += _table(rows, {2, 3, 4})
    changes = report["changes"]
    if changes is not None:
        lines += ["", say("changes", requests=say.count(changes["count"], "requests"), share=say.pct(changes["share"]),
                          money=say.yuan(changes["money"]))]
        lines += _matrix_text(report, say)
        moved = [t for t in changes["matrix"] if t["from"] != t["to"]]
        if moved:
            lines += ["", say("each_change")]
            for t in moved:
                lines.append("  " + say("change", old=t["from"], new=t["to"], requests=say.count(t["count"], "requests"),
                                        money=say.yuan(t["money"]), examples=say.examples(t["examples"])))
        if changes["rules"]:
            lines += ["", say("by_rule_change")]
            for r in changes["rules"][:SHOWN]:
                lines.append("  " + say("rule_change", old=say.rule_name(r["from_rule"], r["from_decided_by"]),
                                        old_action=r["from_action"], new=say.rule_name(r["to_rule"], r["to_decided_by"]),
                                        new_action=r["to_action"], requests=say.count(r["count"], "requests"),
                                        money=say.yuan(r["money"]), examples=say.examples(r["examples"][:3])))
            if len(changes["rules"]) > SHOWN:
                lines.append("  " + say("more_json", n=say.n(len(changes["rules"]) - SHOWN)))
    lines += _bad_text(report["bad_lines"], say)
    return "\n".join(lines) + "\n"


def _matrix_actions(report: dict) -> list[str]:
    used = {t["from"] for t in report["changes"]["matrix"]} | {t["to"] for t in report["changes"]["matrix"]}
    return [a for a in ACTIONS if a in used] + sorted(used - set(ACTIONS))


def _matrix_text(report: dict, say: _Say) -> list[str]:
    acts = _matrix_actions(report)
    if not acts:
        return []
    cell = {(t["from"], t["to"]): t for t in report["changes"]["matrix"]}
    rows = [[say("matrix_corner")] + acts]
    for a in acts:
        rows.append([a] + [say.n(cell[(a, b)]["count"]) if (a, b) in cell else "·" for b in acts])
    return [""] + _table(rows, set(range(1, len(acts) + 1)))


def _bad_line(b: dict, say: _Say, code: str = "") -> str:
    reason = from_json(b).render(say.lang) if "message_id" in b else b["message"]
    return say("bad_line", line=b["line"], column=b["column"], name=f"{code}{b['name']}{code}", message=reason)


def _bad_text(bad: dict, say: _Say) -> list[str]:
    if not bad["count"]:
        return []
    lines = ["", say("bad", n=say.n(bad["count"]))]
    for b in bad["listed"][:SHOWN]:
        lines.append("  " + _bad_line(b, say))
    if bad["count"] > SHOWN:
        lines.append("  " + say("more", n=say.n(bad["count"] - SHOWN)))
    return lines


# -- markdown -----------------------------------------------------------------------

def _md_table(rows: list[list[str]], right: set[int]) -> list[str]:
    def esc(c: str) -> str:
        return c.replace("|", "\\|")
    head = "| " + " | ".join(esc(c) for c in rows[0]) + " |"
    rule = "|" + "|".join("---:" if i in right else "---" for i in range(len(rows[0]))) + "|"
    return [head, rule] + ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows[1:]]


def markdown(report: dict, lang: str = "en") -> str:
    say = _Say(lang)
    ev = report["events"]
    p = report["policy"]
    lines = [say("md.title", file=p["file"] or "", name=p["name"]), "",
             say("md.lines", lines=say.n(ev["lines"]), events=ev["file"], decided=say.n(ev["decided"]),
                 bad=say.n(ev["bad"]), blank=say.n(ev["blank"]), money=say.yuan(ev["money"]))]
    if report["baseline"]:
        b = report["baseline"]
        lines[-1] += say("md.baseline", file=b["file"] or "", name=b["name"])
    lines += ["", "### " + say("md.by_action"), ""]
    rows = [_heads(say, "action", "requests", "share", "money")]
    rows += [[f"`{a['action']}`", say.n(a["count"]), say.pct(a["share"]), say.yuan(a["money"])]
             for a in report["actions"]]
    lines += _md_table(rows, {1, 2, 3})
    lines += ["", "### " + say("md.by_rule"), ""]
    rows = [_heads(say, "rule", "action", "requests", "share", "money", "note")]
    for r in report["rules"]:
        if r["kind"] == "guard":
            rows.append([say("guard", rule=f"`{r['rule']}`"), say("guard_action"), say.n(r["matched"]),
                         say.pct(r["share"]), "", say("guard_note", forbids=say.sep().join(f"`{f}`" for f in r["forbids"]),
                                                      forbade=say.count(r["forbade"], "decisions"))])
            continue
        note = say("md.forbidden_note", n=say.n(r["forbidden"])) if r.get("forbidden") else ""
        name = say("rule", rule=f"`{r['rule']}`") if r["kind"] == "rule" else say(r["kind"])
        rows.append([name, f"`{r['action']}`", say.n(r["decided"]), say.pct(r["share"]), say.yuan(r["money"]), note])
    lines += _md_table(rows, {2, 3, 4})
    changes = report["changes"]
    if changes is not None:
        lines += ["", "### " + say("md.changes"), "",
                  say("md.changed", requests=say.count(changes["count"], "requests"), share=say.pct(changes["share"]),
                      money=say.yuan(changes["money"])), ""]
        acts = _matrix_actions(report)
        if acts:
            cell = {(t["from"], t["to"]): t for t in changes["matrix"]}
            rows = [[say("md.matrix_corner")] + [f"`{a}`" for a in acts]]
            for a in acts:
                rows.append([f"`{a}`"] + [say.n(cell[(a, b)]["count"]) if (a, b) in cell else "·" for b in acts])
            lines += _md_table(rows, set(range(1, len(acts) + 1)))
        moved = [t for t in changes["matrix"] if t["from"] != t["to"]]
        if moved:
            lines += [""] + _md_table([_heads(say, "change", "requests", "money", "examples")], {1, 2})
            for t in moved:
                lines.append(f"| `{t['from']}` → `{t['to']}` | {say.n(t['count'])} | {say.yuan(t['money'])} |"
                             f" {say.examples(t['examples'])} |")
        if changes["rules"]:
            lines += [""] + _md_table([_heads(say, "rule_change", "requests", "money", "examples")], {1, 2})
            for r in changes["rules"][:SHOWN]:
                lines.append(f"| {say.rule_name(r['from_rule'], r['from_decided_by'])} (`{r['from_action']}`) →"
                             f" {say.rule_name(r['to_rule'], r['to_decided_by'])}"
                             f" (`{r['to_action']}`) | {say.n(r['count'])} | {say.yuan(r['money'])} |"
                             f" {say.examples(r['examples'][:3])} |")
            if len(changes["rules"]) > SHOWN:
                lines.append("\n" + say("md.more_json", n=say.n(len(changes["rules"]) - SHOWN)))
    bad = report["bad_lines"]
    if bad["count"]:
        lines += ["", "### " + say("md.bad", n=say.n(bad["count"])), ""]
        lines += ["- " + _bad_line(b, say, "`") for b in bad["listed"][:SHOWN]]
        if bad["count"] > SHOWN:
            lines.append("- " + say("more", n=say.n(bad["count"] - SHOWN)))
    return "\n".join(lines) + "\n"
