"""The diff document (facts.py) in words, English or Chinese: text for a terminal, markdown for a
pull-request comment. Every word comes from the locale catalogs; money from Babel."""
from __future__ import annotations

import json

from ..locale import Msg, from_json, has, message, say
from ..locale.formats import duration, money


def _list(lang: str, items: list[str], joiner: str = "or") -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return message(lang, f"list.{joiner}", head=message(lang, "list.sep").join(items[:-1]), last=items[-1])


#: Catalog sections that name a field's values where `enum.<field>` does not.
_VALUE_WORDS = {"request.status": "lint.applies.status"}


def _value(lang: str, field: str | None, v) -> str:
    if isinstance(v, bool):
        return message(lang, f"value.{'true' if v else 'false'}")
    for section in (f"enum.{field}", _VALUE_WORDS.get(field)):
        if field and section and has(lang, f"{section}.{v}"):
            return message(lang, f"{section}.{v}")
    return f"`{v}`"


def _bound(lang: str, unit: str, text: str, currency: str) -> str:
    if unit == "money":
        return money({"amount": text, "currency": currency}, lang)
    if unit == "duration":
        return duration({"seconds": text}, lang, digits=1)
    return text


def _label(lang: str, field: str) -> str:
    return message(lang, f"field.{field}") if has(lang, f"field.{field}") else f"`{field}`"


def _subject(lang: str, s: dict) -> str:
    if "expression" in s:
        return f"`{s['expression']}`"
    if s.get("measure") == "span":
        return message(lang, "measure.span", **{"from": _label(lang, s["from"]), "to": _label(lang, s["to"])})
    label = _label(lang, s["field"])
    if s.get("measure") == "age":
        return message(lang, "measure.age", field=label)
    if "function" in s:
        return message(lang, f"diff.function.{s['function']}", field=label)
    return label


def constraint(lang: str, c: dict, currency: str) -> str:
    """One constraint in words: `amount ¥300.00–¥499.99`, `opened outside service hours`."""
    subject = _subject(lang, c["subject"])
    function = c["subject"].get("function")
    if has(lang, f"diff.holds.{function}") and len(c.get("values", ())) == 1 and not c.get("missing"):
        return message(lang, f"diff.{'holds' if c['values'][0] else 'fails'}.{function}",
                       field=_label(lang, c["subject"]["field"]))
    field = c["subject"].get("field") if set(c["subject"]) == {"field"} else None
    shown: list[str] = []
    if "ranges" in c:
        unit = c["unit"]
        for r in c["ranges"]:
            lo = None if r["low"] is None else _bound(lang, unit, r["low"], currency)
            hi = None if r["high"] is None else _bound(lang, unit, r["high"], currency)
            if lo is not None and hi is not None:
                shown.append(lo if lo == hi else message(lang, "diff.range.between", low=lo, high=hi))
            elif hi is not None:
                shown.append(message(lang, "diff.range.under" if not r["high_closed"] else "diff.range.up_to", high=hi))
            elif lo is not None:
                shown.append(message(lang, "diff.range.over" if not r["low_closed"] else "diff.range.from", low=lo))
            else:
                shown.append(message(lang, "diff.range.any"))
    else:
        shown = [_value(lang, field, v) for v in c.get("values", [])]
        if c.get("all_but"):
            shown = [message(lang, "diff.range.all_but", values=_list(lang, shown, "and") or "—")]
    if c.get("missing"):
        shown.append(message(lang, "value.missing"))
    return message(lang, "diff.constraint", subject=subject, values=_list(lang, shown))


def where(lang: str, region: dict, currency: str) -> str:
    parts = [message(lang, "diff.facts_sep").join(constraint(lang, c, currency) for c in part) for part in region["where"]]
    text = message(lang, "diff.parts_sep").join(p or message(lang, "diff.any_request") for p in parts)
    return text + (message(lang, "diff.more") if region["more"] else "")


def outcome(lang: str, o: dict) -> str:
    rule = o["rule"] if o["rule"] is not None else message(lang, "diff.otherwise")
    if o["forbidden_by"]:
        return message(lang, "diff.outcome_forbidden", action=o["action"], rule=rule, guard=o["forbidden_by"])
    return message(lang, "diff.outcome", action=o["action"], rule=rule)


def _history(lang: str, h: dict, currency: str) -> str:
    return message(lang, "diff.history", requests=h["requests"],
                   money=money({"amount": h["money"], "currency": currency}, lang))


def _summary(lang: str, doc: dict) -> str:
    if not doc["changed"]:
        return message(lang, "diff.none")
    actions = sum(r["old"]["action"] != r["new"]["action"] for r in doc["regions"])
    which = "diff.summary_all" if actions == len(doc["regions"]) else "diff.summary"
    return message(lang, which, regions=len(doc["regions"]), actions=actions, undecided=len(doc["undecided"]))


def _undecided_lines(lang: str, doc: dict) -> list[str]:
    """One line per reason: the rules it leaves undecided (the pairs of decisions are in the JSON)."""
    by_reason: dict[Msg | str, list[dict]] = {}
    for u in doc["undecided"]:
        by_reason.setdefault(_reason(u), []).append(u)
    lines = []
    for reason, group in by_reason.items():
        if len(group) == 1:
            lines.append(_undecided(lang, group[0]))
            continue
        rules = dict.fromkeys(r for u in group for r in u["rules"])
        lines.append(message(lang, "diff.undecided_group", rules=_rules(lang, rules), pairs=len(group),
                             reason=say(reason, lang)))
    return lines


def _reason(u: dict) -> Msg | str:
    """Why a pair is undecided: its message (a document written before reasons had ids: the English text)."""
    if "reason_id" not in u:
        return u["reason"]
    return from_json({"message_id": u["reason_id"], "args": u.get("reason_args", {})})


def _rules(lang: str, rules) -> str:
    return message(lang, "list.sep").join(f"`{r}`" for r in rules)


def _undecided(lang: str, u: dict) -> str:
    return message(lang, "diff.undecided", rules=_rules(lang, u["rules"]),
                   old=outcome(lang, u["old"]), new=outcome(lang, u["new"]), reason=say(_reason(u), lang))


def _totals(lang: str, doc: dict) -> list[str]:
    h = doc.get("history")
    if h is None:
        return []
    return [message(lang, "diff.history_total", decided=h["decided"], changed=h["changed"],
                    money=money({"amount": h["money"], "currency": doc["currency"]}, lang), bad=h["bad"],
                    outside=h["outside_regions"])]


def text(doc: dict, lang: str) -> str:
    cur = doc["currency"]
    lines = [message(lang, "diff.title", old=doc["old"]["file"], new=doc["new"]["file"]), _summary(lang, doc)]
    for n, r in enumerate(doc["regions"], 1):
        lines += ["", message(lang, "diff.region", n=n, where=where(lang, r, cur)),
                  f"   {outcome(lang, r['old'])} → {outcome(lang, r['new'])}",
                  "   " + message(lang, "diff.example", event=json.dumps(r["example"], ensure_ascii=False))]
        if "history" in r:
            lines.append("   " + _history(lang, r["history"], cur))
    if doc["undecided"]:
        lines.append("")
        lines += _undecided_lines(lang, doc)
    totals = _totals(lang, doc)
    if totals:
        lines += [""] + totals
    return "\n".join(lines) + "\n"


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def markdown(doc: dict, lang: str) -> str:
    cur = doc["currency"]
    lines = ["### " + message(lang, "diff.title", old=f"`{doc['old']['file']}`", new=f"`{doc['new']['file']}`"), "",
             _summary(lang, doc), ""]
    if doc["regions"]:
        hist = "history" in doc
        head = [message(lang, "diff.col.n"), message(lang, "diff.col.where"), message(lang, "diff.col.old"),
                message(lang, "diff.col.new")] + ([message(lang, "diff.col.history")] if hist else [])
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for n, r in enumerate(doc["regions"], 1):
            row = [str(n), where(lang, r, cur), outcome(lang, r["old"]), outcome(lang, r["new"])]
            if hist:
                row.append(_history(lang, r["history"], cur))
            lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
        lines += ["", "<details><summary>" + message(lang, "diff.examples") + "</summary>", ""]
        for n, r in enumerate(doc["regions"], 1):
            lines += [f"{n}.", "```json", json.dumps(r["example"], ensure_ascii=False, indent=1), "```"]
        lines += ["</details>"]
    if doc["undecided"]:
        lines += ([""] if lines[-1] else []) + ["- " + line for line in _undecided_lines(lang, doc)]
    totals = _totals(lang, doc)
    if totals:
        lines += [""] + totals
    return "\n".join(lines) + "\n"


__all__ = ["text", "markdown", "constraint", "outcome", "where"]
