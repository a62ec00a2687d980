"""Every word a person reads, per language (en, zh): message catalogs and CLDR formats.

Messages live in one catalog file per language (`en.toml`, `zh.toml`): message
ids with named `{placeholders}`. Money, dates, weekdays and numbers are
formatted by Babel from CLDR data (see `formats.py`).

>>> message("en", "action.done.approve_return")
'Approved the return'
>>> resolve(None, None, {"LANG": "zh_CN.UTF-8"}), resolve("en", "zh", {}), resolve(None, "zh", {})
('zh', 'en', 'zh')
"""
from __future__ import annotations

import functools
import string
import tomllib
from pathlib import Path
from typing import Mapping

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
    """Message id → text for `lang` (`en.toml` or `zh.toml`)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language `{lang}`, known: {', '.join(LANGUAGES)}")
    with open(_HERE / f"{lang}.toml", "rb") as f:
        return _flatten(tomllib.load(f))


def placeholders(text: str) -> set[str]:
    """The named placeholders of a message: `{amount} of {kind}` → {'amount', 'kind'}."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def has(lang: str, msgid: str) -> bool:
    return msgid in catalog(lang)


def message(lang: str, msgid: str, **values) -> str:
    """The message `msgid` in `lang`, placeholders filled (a missing id is a KeyError: catalogs are tested)."""
    return catalog(lang)[msgid].format_map(values)


__all__ = ["LANGUAGES", "catalog", "has", "message", "placeholders", "resolve"]
