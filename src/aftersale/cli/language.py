"""`--lang en|zh` for every command, and the language each command's text output is in.

The order is product.md's ("Languages (version 2)", "Output"): `--lang`, then the
language line of the command's one policy, then `LANG`/`LC_ALL`, then English.
The flag and the policy's line are kept in the click context's `meta` (shared by
the group and the command), so errors that end a command are reported in the
same language as its output. JSON and SARIF never change with the language.
"""
from __future__ import annotations

import os

import click

from ..locale import LANGUAGES, resolve

FLAG, POLICY = "aftersale.lang", "aftersale.policy_lang"


def _remember(ctx: click.Context, _param, value):
    ctx.meta[FLAG] = value
    return value


def lang_option(f):
    """The `--lang` option; the command reads the language with `language()`."""
    return click.option("--lang", type=click.Choice(LANGUAGES), default=None, callback=_remember, is_eager=True,
                        expose_value=False,
                        help="Language of the text output and messages: en or zh (default: the policy's "
                             "language line, else LANG, else en). JSON never changes.")(f)


def policy_language(value: str | None) -> None:
    """The language line of the policy the command has loaded (it counts after `--lang`)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and value:
        ctx.meta[POLICY] = value


def language(ctx: click.Context | None = None) -> str:
    """The language of the current command's text output."""
    ctx = ctx or click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    return resolve(meta.get(FLAG), meta.get(POLICY), os.environ)


__all__ = ["lang_option", "language", "policy_language"]
