"""`--lang en|zh` for every command, and the language each command's text output is in.

The order is product.md's ("Languages (version 2)", "Output"): `--lang`, then the
language line of the command's one policy, then `LANG`/`LC_ALL`, then English.
The flag and the policy's line are kept in the click context's `meta` (shared by
the group and the command), so errors that end a command are reported in the
same language as its output. JSON and SARIF never change with the language.
"""
from __future__ import annotations

import click

from ..locale import LANGUAGES
from ..terminal import FLAG, POLICY, language, policy_language  # noqa: F401 - the commands import them from here


def _remember(ctx: click.Context, _param, value):
    ctx.meta[FLAG] = value
    return value


def lang_option(f):
    """The `--lang` option; the command reads the language with `language()`."""
    return click.option("--lang", type=click.Choice(LANGUAGES), default=None, callback=_remember, is_eager=True,
                        expose_value=False,
                        help="Language of the text output and messages: en or zh (default: the policy's "
                             "language line, else LANG, else en). JSON never changes.")(f)


__all__ = ["lang_option", "language", "policy_language"]
