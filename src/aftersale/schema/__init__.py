"""The JSON Schemas the project publishes: event, policy (YAML), decision record, tests."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

NAMES = ("event", "policy", "decision", "tests")


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    """The schema called `name` (one of NAMES), parsed once."""
    if name not in NAMES:
        raise KeyError(name)
    text = resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def validator(name: str):
    """A jsonschema validator for the schema called `name`, built once."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(name))
