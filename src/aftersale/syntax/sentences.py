"""Sentence rules: `[never] VERB QUALIFIER* NOUN MODIFIER*`, matched against the vocabulary.

Each word or phrase becomes a condition whose span is the words that say it,
so a trace can show "under ¥300" next to the value it compared.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .. import rules as ir
from ..diagnostics import did_you_mean
from ..values import ENUM, Type
from .vocabulary import GUARD_WORD, JOINERS, MODIFIERS, NOUN_ACTIONS, NOUNS, QUALIFIERS, VERBS, Phrase

TOKEN_RE = re.compile(r"""
    (?P<money>¥\s*\d+(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:CNY|元))
  | (?P<duration>\d+[dhm](?:\d+[hm])*(?![\w]))
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<word>[^\W\d][\w\-]*)
  | (?P<comma>,)
  | (?P<other>\S)
""", re.VERBOSE)


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str
    start: int  # offsets into the sentence
    end: int


def tokenize(text: str) -> list[Tok]:
    return [Tok(m.lastgroup or "other", m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


def _placeholder_value(name: str, toks: list[Tok]) -> str | None:
    """The expression text a placeholder stands for, or None if the tokens don't fit."""
    if name == "money":
        t = toks[0]
        if t.kind == "money":
            return t.text.replace(" ", "")
        if t.kind == "number":
            return "¥" + t.text
        return None
    if name == "count":
        return toks[0].text if toks[0].kind == "number" and toks[0].text.isdigit() else None
    if name == "duration":
        return toks[0].text if toks[0].kind == "duration" else None
    if name == "word":
        return json.dumps(toks[0].text, ensure_ascii=False) if toks[0].kind == "word" else None
    return None


def match_phrase(phrase: Phrase, toks: list[Tok], i: int, text: str):
    """Match `phrase` at token i: (next index, {placeholder: expression text}) or None."""
    values: dict[str, str] = {}
    j = i
    for slot in phrase.words:
        if slot == "{expr}":
            if j >= len(toks):
                return None
            values["expr"] = text[toks[j].start:]
            values["expr@"] = str(toks[j].start)
            return len(toks), values
        if slot == "{words}":
            words = []
            while j < len(toks) and toks[j].kind == "word":
                words.append(json.dumps(toks[j].text, ensure_ascii=False))
                j += 1
                if j + 1 < len(toks) and toks[j].text in (",", "or") and toks[j + 1].kind == "word":
                    j += 1
                    continue
                break
            if not words:
                return None
            values["words"] = ", ".join(words)
            continue
        if j >= len(toks):
            return None
        if slot.startswith("{"):
            name = slot[1:-1]
            value = _placeholder_value(name, toks[j:j + 1])
            if value is None:
                return None
            values[name + ("2" if name in values else "")] = value
            j += 1
        elif toks[j].text.lower() != slot:
            return None
        else:
            j += 1
    return j, values


def _fill(template: str, values: dict[str, str]) -> str:
    out = template
    for key in sorted(values, key=len, reverse=True):
        out = out.replace("{" + key + "}", values[key])
    return out


def lower_sentence(lw, text: str, base: int, rule_id: str):
    """(action, forbids, condition) for a sentence at offset `base`, or None after reporting errors."""
    toks = tokenize(text)
    span = lambda a, b: lw.source.span(base + a, base + b)  # noqa: E731
    whole = span(0, len(text))

    def fail(name: str, message: str, where, help_: str | None = None):
        lw.error(name, message, where, help=help_, rule=rule_id)
        return None

    i = 0
    guard = bool(toks) and toks[0].text.lower() == GUARD_WORD
    if guard:
        i += 1
    if i >= len(toks) or toks[i].text.lower() not in VERBS:
        word = toks[i].text if i < len(toks) else ""
        hint = did_you_mean(word, VERBS)
        where = span(toks[i].start, toks[i].end) if i < len(toks) else whole
        return fail("syntax-error", f"a sentence starts with a verb, not `{word}`" if word else
                    "the sentence has no verb", where,
                    f"did you mean `{hint}`?" if hint else "verbs: " + ", ".join(VERBS))
    verb = VERBS[toks[i].text.lower()]
    verb_tok = toks[i]
    i += 1

    conditions: list[ir.Expr] = []
    reasons: list[Tok] = []
    while i < len(toks) and toks[i].text.lower() in QUALIFIERS:
        reasons.append(toks[i])
        i += 1
        if i + 1 < len(toks) and toks[i].text.lower() in ("or", ",") and toks[i + 1].text.lower() in QUALIFIERS:
            i += 1
    if reasons:
        rspan = span(reasons[0].start, reasons[-1].end)
        field = ir.Field(("request", "reason"), ENUM, span=rspan)
        values = [ir.Literal(QUALIFIERS[t.text.lower()], ENUM, t.text, span=span(t.start, t.end)) for t in reasons]
        conditions.append(ir.Compare("==", field, values[0], span=rspan) if len(values) == 1
                          else ir.InList(field, tuple(values), span=rspan))

    if i >= len(toks) or toks[i].text.lower() not in NOUNS:
        word = toks[i].text if i < len(toks) else ""
        where = span(toks[i].start, toks[i].end) if i < len(toks) else span(len(text), len(text))
        hint = did_you_mean(word, list(NOUNS) + list(QUALIFIERS)) if word else None
        return fail("syntax-error", "expected what the rule is about (returns, refunds, exchanges or requests)"
                    + (f", not `{word}`" if word else ""), where,
                    f"did you mean `{hint}`?" if hint else "reasons come before the noun: "
                    + ", ".join(QUALIFIERS))
    noun_tok = toks[i]
    kind = NOUNS[noun_tok.text.lower()]
    i += 1
    if kind is not None:
        nspan = span(noun_tok.start, noun_tok.end)
        conditions.append(ir.Compare("==", ir.Field(("request", "kind"), ENUM, span=nspan),
                                     ir.Literal(kind, ENUM, kind, span=nspan), span=nspan))

    while i < len(toks):
        if toks[i].text.lower() in JOINERS and i + 1 < len(toks):
            i += 1
        best = None
        for phrase in MODIFIERS:
            m = match_phrase(phrase, toks, i, text)
            if m and (best is None or m[0] > best[1]):
                best = (phrase, m[0], m[1])
        if best is None:
            word = toks[i].text
            starts = sorted({p.words[0] for p in MODIFIERS})
            hint = did_you_mean(" ".join(t.text for t in toks[i:i + 2]), [p.pattern for p in MODIFIERS])
            return fail("syntax-error", f"unknown phrase at `{word}`", span(toks[i].start, toks[i].end),
                        f"did you mean `{hint}`?" if hint else
                        "modifiers start with: " + ", ".join(starts))
        phrase, j, values = best
        pspan = span(toks[i].start, toks[j - 1].end)
        if "expr" in values:
            offset = int(values.pop("expr@"))
            cond = lw.expression_text(values["expr"], base + offset)
        else:
            cond = lw.expression_text(_fill(phrase.template, values), 0, fixed=pspan)
        if cond is None:
            return None
        if isinstance(cond, ir.And) and "expr" not in values:
            conditions.extend(cond.operands)  # "pending for over 40h" adds two conditions
        else:
            conditions.append(cond)
        i = j

    when = ir.And(tuple(conditions), span=whole) if conditions else ir.And((), span=whole)
    if guard:
        if not verb.forbids:
            return fail("ambiguous-sentence", f"`never {verb.word}` forbids nothing", span(verb_tok.start, verb_tok.end),
                        "guards say what must not happen: "
                        + ", ".join(f"{GUARD_WORD} {v.word}" for v in VERBS.values() if v.forbids))
        return None, verb.forbids, when
    action = verb.action
    if action is None:
        if kind is None:
            return fail("ambiguous-sentence",
                        f"`{verb.word} {noun_tok.text}` does not say what to approve",
                        span(verb_tok.start, noun_tok.end),
                        "name returns (approve_return) or refunds (approve_refund) instead of requests")
        action = NOUN_ACTIONS[kind]
    return action, (), when


__all__ = ["lower_sentence", "tokenize", "Type"]
