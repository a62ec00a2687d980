"""Every word a person reads, per language (en, zh): message catalogs and CLDR formats.

Messages live in catalog files per language: `en.toml`/`zh.toml` (explanations)
and one file per family under `en/` and `zh/` (errors, events, lint, test,
simulate, cli): message ids with named `{placeholders}`, the same in both
languages (tested). Code that reports a problem builds a `Msg` (an id and
arguments) and renders it at the edge, in the language `resolve` chose. Money,
dates, weekdays and numbers are formatted by Babel from CLDR data (`formats.py`).

>>> message("en", "action.done.approve_return")
'Approved the return'
>>> resolve(None, None, {"LANG": "zh_CN.UTF-8"}), resolve("en", "zh", {}), resolve(None, "zh", {})
('zh', 'en', 'zh')
"""
from __future__ import annotations

import functools
import string
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

LANGUAGES = ("en", "zh")
DEFAULT = "en"

_HERE = Path(__file__).parent
_ALIASES = {"en": "en", "english": "en", "zh": "zh", "中文": "zh", "chinese": "zh"}


def _norm(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower()
    if value in _ALIASES:
        return _ALIASES[value]
    return value.split("_")[0].split("-")[0].split(".")[0] if value[:2] in LANGUAGES else None


def resolve(lang_flag: str | None, policy_lang: str | None, environ: Mapping[str, str]) -> str:
    """The output language, in product.md's order: `--lang`, the policy's `language` line,
    `LANG` (zh_* gives zh), else English."""
    for choice in (lang_flag, policy_lang):
        found = _norm(choice)
        if found in LANGUAGES:
            return found
    env = (environ.get("LC_ALL") or environ.get("LANG") or "").lower()
    return "zh" if env.startswith("zh") else DEFAULT


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


@functools.cache
def catalog(lang: str) -> dict[str, str]:
    """Message id → text for `lang`: `en.toml` (explanations) and the files of `en/` (errors, lint,
    reports, the CLI), one family each; an id defined twice is a bug."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language `{lang}`, known: {', '.join(LANGUAGES)}")
    out: dict[str, str] = {}
    for path in [_HERE / f"{lang}.toml", *sorted((_HERE / lang).glob("*.toml"))]:
        with open(path, "rb") as f:
            table = _flatten(tomllib.load(f))
        twice = out.keys() & table.keys()
        if twice:
            raise ValueError(f"{path.name}: message ids defined twice: {', '.join(sorted(twice))}")
        out.update(table)
    return out


def placeholders(text: str) -> set[str]:
    """The named placeholders of a message: `{amount} of {kind}` → {'amount', 'kind'}."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def has(lang: str, msgid: str) -> bool:
    return msgid in catalog(lang)


def message(lang: str, msgid: str, **values) -> str:
    """The message `msgid` in `lang`, placeholders filled (a missing id is a KeyError: catalogs are tested)."""
    return catalog(lang)[msgid].format_map(values)


@dataclass(frozen=True)
class Msg:
    """A message in no language yet: its id and named arguments, rendered at the edge.

    Arguments are values the user wrote and ids (kept as they are), numbers (formatted
    per locale by Babel), other messages (rendered in the same language), tuples of
    these (joined as a list), and functions of the language (another renderer's words).

    >>> m = msg("lint.who.rule", rule="off-hours")
    >>> m.render("en"), m.render("zh"), m.to_json()
    ('rule `off-hours`', '规则 `off-hours`', {'message_id': 'lint.who.rule', 'args': {'rule': 'off-hours'}})
    """
    id: str
    args: tuple[tuple[str, Any], ...] = ()

    def render(self, lang: str) -> str:
        return message(lang, self.id, **{k: say(v, lang) for k, v in self.args})

    def to_json(self) -> dict:
        """Stable data for machines: `{"message_id": ..., "args": {...}}`, arguments in English."""
        return {"message_id": self.id, "args": {k: _json_arg(v) for k, v in self.args}}

    def __str__(self) -> str:
        return self.render(DEFAULT)


def from_json(data: dict) -> Msg:
    """The `Msg` that `Msg.to_json()` gave (a stored report renders in either language)."""
    def arg(value):
        if isinstance(value, dict) and "message_id" in value:
            return from_json(value)
        if isinstance(value, list):
            return tuple(arg(v) for v in value)
        return value
    return Msg(data["message_id"], tuple((k, arg(v)) for k, v in data.get("args", {}).items()))


def msg(msgid: str, **args) -> Msg:
    """A `Msg`; list arguments become tuples (so messages stay hashable), None arguments are dropped."""
    return Msg(msgid, tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in args.items() if v is not None))


def plural_id(msgid: str, n: int) -> str:
    """`msgid.one` or `msgid.other`: English has two forms; Chinese writes both alike (CLDR: "other" only)."""
    return f"{msgid}.{'one' if n == 1 else 'other'}"


def plural(lang: str, msgid: str, n: int, **values) -> str:
    """The plural message for `n`, with `{n}` formatted by the locale's conventions (`1,000` / `1,000`)."""
    from .formats import decimal

    return message(lang, plural_id(msgid, n), n=decimal(n, lang), **values)


def and_list(items) -> Msg | str:
    """`a`, `b` and `c` in any language: one item as it is, more as the message `list.and`."""
    items = list(items)
    return items[0] if len(items) == 1 else msg("list.and", head=items[:-1], last=items[-1])


def say(value, lang: str) -> str:
    """Any message argument as text in `lang`."""
    if isinstance(value, Msg):
        return value.render(lang)
    if isinstance(value, bool):
        return message(lang, "value.true" if value else "value.false")
    if isinstance(value, (int, Decimal)):
        from .formats import decimal

        return decimal(value, lang)
    if isinstance(value, tuple):
        return message(lang, "list.sep").join(say(v, lang) for v in value)
    if callable(value):  # words another renderer makes per language (e.g. explain's `need`)
        return value(lang)
    return str(value)


def _json_arg(value):
    if isinstance(value, Msg):
        return value.to_json()
    if isinstance(value, tuple):
        return [_json_arg(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if callable(value):
        return value(DEFAULT)
    return value


__all__ = ["LANGUAGES", "Msg", "and_list", "catalog", "from_json", "plural", "plural_id", "has", "message", "msg", "placeholders", "resolve", "say"]
