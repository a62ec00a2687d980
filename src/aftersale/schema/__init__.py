"""The JSON Schemas the project publishes: event, policy (YAML), decision record, tests."""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from importlib import resources

NAMES = ("event", "policy", "decision", "tests", "diff")


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    """The schema called `name` (one of NAMES), parsed once."""
    if name not in NAMES:
        raise KeyError(name)
    text = resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def event_node(path: tuple[str, ...], item: bool = False) -> dict:
    """The event schema's node of a field (of an item's field with `item`), `{}` where there is none."""
    schema = load_schema("event")
    node = schema["properties"]["order"]["properties"]["items"]["items"] if item else schema
    for key in path:
        node = node.get("properties", {}).get(key, {})
    return node


@lru_cache(maxsize=None)
def number_bounds(path: tuple[str, ...]) -> tuple[object, object, bool]:
    """(minimum, maximum, whole numbers only) of a number field (path starting `item` for an item's)."""
    item = bool(path) and path[0] == "item"
    node = event_node(path[1:] if item else path, item)
    return node.get("minimum"), node.get("maximum"), node.get("type") == "integer"


def multiple_of(value, step) -> bool:
    """`multipleOf` as JSON Schema defines it: exact, on the numbers as written (0.29 is a multiple of 0.01).

    Binary floats would say otherwise (0.29 / 0.01 == 28.999999999999996), so both
    sides are read as the decimals they print as.

    >>> multiple_of(0.29, 0.01), multiple_of(299.999, 0.01), multiple_of(Decimal("7.10"), 0.01)
    (True, False, True)
    """
    if isinstance(value, bool):
        return True
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        return False
    step = Decimal(str(step))
    try:
        return number % step == 0
    except InvalidOperation:  # a quotient past Decimal's precision: exact fractions instead
        return (Fraction(number) / Fraction(step)).denominator == 1


def _multiple_of_keyword(validator, step, instance, schema):
    from jsonschema import ValidationError

    if validator.is_type(instance, "number") and not multiple_of(instance, step):
        yield ValidationError(f"{instance!r} is not a multiple of {step}")


@lru_cache(maxsize=None)
def validator(name: str):
    """A jsonschema validator for the schema called `name`, built once (with an exact `multipleOf`)."""
    from jsonschema import Draft202012Validator
    from jsonschema.validators import extend

    exact = extend(Draft202012Validator, {"multipleOf": _multiple_of_keyword})
    return exact(load_schema(name))
