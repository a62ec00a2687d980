"""`aftersale schema`: print a published JSON Schema."""
from __future__ import annotations

import json

import click

from .language import lang_option


@click.command()
@click.argument("name", type=click.Choice(["event", "policy", "decision", "tests"]))
@lang_option
def schema(name):
    """Print a JSON Schema: event, policy (YAML), decision (record), tests (test files)."""
    from ..schema import load_schema

    click.echo(json.dumps(load_schema(name), indent=2, ensure_ascii=False))
