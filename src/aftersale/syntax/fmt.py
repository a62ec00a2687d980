"""The formatter: rule tree → canonical DSL or YAML text.

Re-parsing the output gives an equal tree (tests/test_fmt.py proves it on
every shipped policy). Expressions print with the fewest parentheses their
precedence allows.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta
from functools import lru_cache
from typing import assert_never

from .. import rules as ir
from .vocabulary import (ACTION_ROWS, EN_HOURS_ZH, HEADER, HOLIDAY_ROWS, LANGUAGE_ROWS, PLATFORM_ROWS,
                                zh_word)
from ..values import (BOOL, DATE, DURATION, ENUM, LIST, MONEY, NUMBER, TEXT, TIME, format_duration,
                     format_number, format_time, parse_duration)

def quote(text: str) -> str:
    r"""A DSL string literal for `text`: JSON escapes, and every character that is not printable
    (U+2028, U+0085, controls) escaped too, so that no tool sees a line break inside it.

    >>> print(quote('say "hi"\u2028now'))
    "say \"hi\"\u2028now"
    """
    out = json.dumps(text, ensure_ascii=False)
    if out.isprintable():
        return out
    return "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in out)


# Binding strength: higher binds tighter.
_OR, _AND, _NOT, _CMP, _SUM, _ATOM = range(6)
_PRODUCT = _SUM + 0.5  # `*` and `/` bind tighter than `+` and `-` (added between them, not renumbered)


def literal_text(lit: ir.Literal) -> str:
    v, t = lit.value, lit.type
    if t is MONEY:
        return "¥" + format_number(v)
    if t is NUMBER:
        if lit.text.endswith("%"):
            return lit.text
        return format_number(v)
    if t is DURATION:
        if lit.text and _same_duration(lit.text, v):
            return lit.text  # keep 48h as written rather than 2d
        return format_duration(v).replace(" ", "") if isinstance(v, timedelta) else str(v)
    if t is TIME:
        return format_time(v)
    if t is DATE:
        return v.isoformat()
    if t is TEXT:
        return quote(v)
    if t is BOOL:
        return "true" if v else "false"
    if t is ENUM:
        return str(v)
    return lit.text or str(v)


def _same_duration(text: str, value) -> bool:
    try:
        return parse_duration(text) == value
    except ValueError:
        return False


def _prec(e: ir.Expr) -> int:
    match e:
        case ir.Or():
            return _OR if len(e.operands) > 1 else _ATOM
        case ir.And():
            return _AND if len(e.operands) > 1 else _ATOM
        case ir.Not():
            return _NOT
        case ir.Compare() | ir.Between() | ir.InList() | ir.Presence():
            return _CMP
        case ir.Call() if _holds(e):
            return _CMP
        case ir.Arith():
            return _PRODUCT if e.op in ir.SCALINGS else _SUM
        case ir.Field() | ir.Literal() | ir.Call() | ir.Quantifier():
            return _ATOM
        case _:
            assert_never(e)


def _holds(e: ir.Expr) -> bool:
    """`contains(item.tags, "x")`, printed as the language reads it: `"x" in item.tags`."""
    return isinstance(e, ir.Call) and e.function == "contains" and len(e.args) == 2 \
        and isinstance(e.args[0], ir.Field) and e.args[0].type is LIST


def expr_text(e: ir.Expr) -> str:
    """Canonical DSL text of an expression."""

    def sub(x: ir.Expr, min_prec: int) -> str:
        text = expr_text(x)
        return f"({text})" if _prec(x) < min_prec else text

    match e:
        case ir.Field():
            return e.dotted
        case ir.Literal():
            return literal_text(e)
        case ir.And() | ir.Or():
            if not e.operands:
                return "true" if isinstance(e, ir.And) else "false"
            word = " and " if isinstance(e, ir.And) else " or "
            own = _prec(e)
            return word.join(sub(x, own + 1) for x in e.operands)
        case ir.Not():
            return "not " + sub(e.operand, _NOT)
        case ir.Compare():
            return f"{sub(e.left, _SUM)} {e.op} {sub(e.right, _SUM)}"
        case ir.Between():
            return f"{sub(e.subject, _SUM)} between {sub(e.low, _SUM)} and {sub(e.high, _SUM)}"
        case ir.InList() if e.name is not None:
            return f"{sub(e.subject, _SUM)} {'not in' if e.negated else 'in'} {e.name}"
        case ir.InList():
            opts = ", ".join(expr_text(x) for x in e.options)
            return f"{sub(e.subject, _SUM)} {'not in' if e.negated else 'in'} [{opts}]"
        case ir.Presence():
            return f"{sub(e.subject, _SUM)} is {'present' if e.present else 'missing'}"
        case ir.Arith():
            own = _prec(e)  # the right operand of `+`/`-` may be a product; of `*`/`/` only an atom
            return f"{sub(e.left, own)} {e.op} {sub(e.right, _PRODUCT if own == _SUM else _ATOM)}"
        case ir.Call() if _holds(e):
            return f"{sub(e.args[1], _SUM)} in {e.args[0].dotted}"
        case ir.Call():
            return f"{e.function}({', '.join(expr_text(a) for a in e.args)})"
        case ir.Quantifier():
            args = [expr_text(e.collection)] + ([expr_text(e.condition)] if e.condition is not None else [])
            return f"{e.kind}({', '.join(args)})"
        case _:
            assert_never(e)


def _outcome(rule: ir.Rule) -> str:
    return f"forbid {', '.join(rule.forbids)}" if rule.is_guard else str(rule.action)


#: A block rule's condition stays on its `when` line up to this width.
WHEN_WIDTH = 80


def when_parts(rule: ir.Rule) -> tuple[ir.Expr, ...]:
    """The conditions a block rule prints one per line: its `and` operands, unless all fit on one line."""
    when = rule.when
    if isinstance(when, ir.And) and len(when.operands) > 1 and len(f"  when {expr_text(when)}") > WHEN_WIDTH:
        return when.operands
    return (when,)


def condition_lines(rule: ir.Rule) -> list[str]:
    """The text of each condition line of a block rule (`when` first, then `and` lines)."""
    parts = when_parts(rule)
    if len(parts) == 1:
        return [expr_text(parts[0])]
    return [expr_text(x) if _prec(x) > _AND else f"({expr_text(x)})" for x in parts]


def written_language(policy: ir.Policy) -> str:
    """The language a DSL policy's header is written in (`zh` when it starts `策略`), else `en`."""
    span = policy.spans.get("policy_name")
    if policy.source is None or span is None:
        return "en"
    return "zh" if policy.source.text.startswith(HEADER["policy_name"]["zh"], span.start) else "en"


_DAYS = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)(?:-(mon|tue|wed|thu|fri|sat|sun))?\b|, ")


def hours_text(policy: ir.Policy, lang: str) -> str:
    """Service hours in `lang`: `周一至周五 09:00-18:00，周六 10:00-16:00`."""
    text = policy.service_hours.to_dsl()
    if lang == "en":
        return text

    def zh(m: re.Match) -> str:
        if m.group() == ", ":
            return EN_HOURS_ZH[","]
        return EN_HOURS_ZH[m.group(1)] + (EN_HOURS_ZH["-"] + EN_HOURS_ZH[m.group(2)] if m.group(2) else "")
    return _DAYS.sub(zh, text)


def _sentence(rule: ir.Rule, lang: str | None) -> str:
    """A sentence in `lang`: one already in that language (or without a language asked) is kept as
    written, as fmt keeps every sentence; one in the other language is rewritten in canonical words."""
    from .sentences import language_of, translate

    return rule.sentence if lang is None or language_of(rule.sentence) == lang else translate(rule.sentence, lang)


def meaning(policy: ir.Policy) -> ir.Policy:
    """The policy with each sentence in canonical English: two policies that say the same thing,
    in whatever language, have equal meanings (`fmt --lang` converts without changing it)."""
    from dataclasses import replace

    from .sentences import translate

    return replace(policy, rules=tuple(replace(r, sentence=translate(r.sentence, "en")) if r.sentence is not None else r
                                       for r in policy.rules))


def to_dsl(policy: ir.Policy, lang: str | None = None) -> str:
    """The policy as canonical DSL: header and sentence rules in `lang` (en or zh); without one, the
    header in the language it was written in and each sentence as written."""
    words = lang or written_language(policy)
    key = lambda k: HEADER[k][words]  # noqa: E731
    value = (lambda rows, v: zh_word(rows, v)) if words == "zh" else (lambda rows, v: v)  # noqa: E731
    colon = "：" if words == "zh" else ": "
    lines = [f"{key('policy_name')} {quote(policy.name)}"]
    if policy.platform:
        lines.append(f"{key('platform')} {value(PLATFORM_ROWS, policy.platform)}")
    lines.append(f"{key('timezone')} {policy.timezone}")
    lines.append(f"{key('currency')} {policy.currency}")
    if policy.service_hours is not None:
        lines.append(f"{key('service_hours')} {hours_text(policy, words)}")
    if policy.holidays:
        lines.append(f"{key('holidays')} {value(HOLIDAY_ROWS, policy.holidays)}")
    if policy.language:
        lines.append(f"{key('language')} {value(LANGUAGE_ROWS, policy.language)}")
    for named in policy.lists:
        lines.append(f"{key('named_list')} {named.name} {key('list_from')} {quote(named.file)}")
    previous: ir.Rule | None = None
    for rule in policy.rules:
        # One-line sentence rules stand together; a block rule is set apart by blank lines.
        if previous is None or rule.sentence is None or previous.sentence is None:
            lines.append("")
        previous = rule
        title = f" {quote(rule.title)}" if rule.title else ""
        if rule.sentence is not None:
            lines.append(f"{key('rule')} {rule.id}{title}{colon}{_sentence(rule, lang)}")
            continue
        lines.append(f"{key('rule')} {rule.id}{title}:")
        first, *rest = condition_lines(rule)
        lines.append(f"  when {first}")
        lines.extend(f"   and {x}" for x in rest)
        lines.append(f"  then {_outcome(rule)}")
    lines.append("")
    lines.append(f"{key('otherwise')} {value(ACTION_ROWS, policy.otherwise)}")
    return "\n".join(lines) + "\n"


def _when_yaml(e: ir.Expr):
    match e:
        case ir.And() if len(e.operands) > 1:
            return {"all": [_when_yaml(x) for x in e.operands]}
        case ir.Or() if len(e.operands) > 1:
            return {"any": [_when_yaml(x) for x in e.operands]}
        case ir.Not():
            return {"not": _when_yaml(e.operand)}
        case ir.And() | ir.Or() | ir.Compare() | ir.Between() | ir.InList() | ir.Presence() | ir.Field() \
                | ir.Literal() | ir.Arith() | ir.Call() | ir.Quantifier():
            return expr_text(e)
        case _:
            assert_never(e)


def to_data(policy: ir.Policy, lang: str | None = None) -> dict:
    """The policy as the data of its YAML form (sentences in `lang`, else as written)."""
    data: dict = {"name": policy.name}
    if policy.platform:
        data["platform"] = policy.platform
    data["timezone"] = policy.timezone
    data["currency"] = policy.currency
    if policy.service_hours is not None:
        data["service_hours"] = _Flow(policy.service_hours.to_mapping())
    if policy.holidays:
        data["holidays"] = policy.holidays
    if policy.language:
        data["language"] = policy.language
    if policy.lists:
        data["lists"] = {named.name: named.file for named in policy.lists}
    rules = []
    for rule in policy.rules:
        entry: dict = {"id": rule.id}
        if rule.title:
            entry["title"] = rule.title
        if rule.sentence is not None:
            entry["sentence"] = _sentence(rule, lang)
        else:
            entry["when"] = _when_yaml(rule.when)
            entry["then"] = {"forbid": list(rule.forbids)} if rule.is_guard else rule.action
        rules.append(entry)
    data["rules"] = rules
    data["otherwise"] = policy.otherwise
    return data


def to_yaml(policy: ir.Policy, lang: str | None = None) -> str:
    """The policy as canonical YAML."""
    import yaml

    return yaml.dump(to_data(policy, lang), Dumper=_dumper(), sort_keys=False, allow_unicode=True, width=100)


@lru_cache(maxsize=1)
def _dumper():
    import yaml

    class Dumper(yaml.SafeDumper):
        """Text holding a character that is not printable is written double-quoted, where YAML
        escapes it: in other styles PyYAML folds U+0085 and U+2028 and reads back another value."""

        def increase_indent(self, flow=False, indentless=False):
            return super().increase_indent(flow, False)  # lists indented under their key

    def represent_str(dumper, value: str):
        style = None if value.isprintable() else '"'
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    def represent_flow(dumper, value: "_Flow"):
        # Values double-quoted: YAML 1.1 would read some unquoted times ("09:00") as numbers.
        def quoted(v):
            if isinstance(v, list):
                return yaml.SequenceNode("tag:yaml.org,2002:seq", [quoted(x) for x in v], flow_style=True)
            return dumper.represent_scalar("tag:yaml.org,2002:str", v, style='"')

        pairs = [(dumper.represent_str(k), quoted(v)) for k, v in value.items()]
        return yaml.MappingNode("tag:yaml.org,2002:map", pairs, flow_style=True)

    Dumper.add_representer(str, represent_str)
    Dumper.add_representer(_Flow, represent_flow)
    return Dumper


class _Flow(dict):
    """A small mapping written on one line: `service_hours: {mon-fri: "09:00-18:00"}`."""


# -- comments ----------------------------------------------------------------------
def keep_comments(policy: ir.Policy, formatted: str, to: str = "dsl") -> str:
    """`formatted` (the policy in format `to`) with the comments of the policy's source, DSL or
    YAML, put back where they were (aftersale/comments.py says where). Raises
    `comments.LostComment` rather than drop one."""
    from .comments import carry

    return carry(policy, formatted, to)
