"""`aftersale diff`: what changes for which requests between two versions of a policy."""
from __future__ import annotations

import click


def _renames(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        old, sep, new = v.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise click.BadParameter(f"`{v}` is not OLD=NEW", param_hint="--rename")
        out[old.strip()] = new.strip()
    return out


@click.command()
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--events", "events_file", type=click.Path(dir_okay=False),
              help="History as JSON Lines, plain or gzipped: requests and money per region.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--exit-code", is_flag=True, help="Exit 1 when any request is decided differently (or undecided).")
@click.option("--rename", multiple=True, metavar="OLD=NEW", help="A rule renamed in NEW (repeatable).")
@click.option("--lang", type=click.Choice(["en", "zh"]), help="Language of text and markdown output.")
def diff(old, new, events_file, fmt, exit_code, rename, lang):
    """List each region of requests whose decision changes, with a proven example request.

    \b
    aftersale diff policies/douyin-assistant.policy new.policy
    aftersale diff old.policy new.yaml --events history.jsonl.gz --format markdown --exit-code
    """
    import json
    import os
    import sys

    from ..diff import diff_files
    from ..diff.render import markdown, text
    from ..locale import resolve
    from ..policy import load
    from ..terminal import printable_data

    doc = diff_files(old, new, _renames(rename), events_file)
    if fmt == "json":
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    else:
        language = resolve(lang, load(new).tree.language, os.environ)
        render = markdown if fmt == "markdown" else text
        sys.stdout.write(render(printable_data(doc), language))
    if events_file and doc["history"]["bad"]:
        raise SystemExit(2)
    raise SystemExit(1 if exit_code and doc["changed"] else 0)
