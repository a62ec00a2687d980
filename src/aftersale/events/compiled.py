"""The event schema compiled once into plain Python checks: the reader's usual path.

`parse_event` could validate with jsonschema (generic, a few hundred
microseconds an event) and then type the values. Deciding a million events
needs the same answer much faster, so `schema/event.json` is compiled once
into one function that validates and types in one pass (`compiled_check`),
and the same generator compiles the check of one field alone for the lazy
reads of the compiled backend (`field_check`): one definition, three users.

The compiled code only ever *accepts*: an event it accepts is exactly one that
jsonschema accepts, typed by `typed.convert` as the exact path types it.
Anything it rejects, or is unsure about (an integer written `1.0`, a keyword
it does not know), goes to the exact path in `reader.py`, which writes the
diagnostics. A schema keyword this module does not implement turns the
compiled path off altogether rather than guess.

>>> check = compiled_check()
>>> data = check({"id": "A", "platform": "douyin", "at": "2026-11-21T22:14:00+08:00",
...     "request": {"kind": "refund_only", "reason": "lost", "amount": "12.50",
...                 "created_at": "2026-11-21T22:00:00+08:00", "status": "pending_merchant"},
...     "order": {"paid_amount": 30}})
>>> data["request"]["amount"], data["order"]["paid_amount"]
(Decimal('12.50'), Decimal('30'))
>>> field_check(("order", "paid_amount"))(299.999) is FAIL
True
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Callable

from functools import lru_cache

from ..schema import load_schema, multiple_of
from ..values import MONEY, NUMBER, TIMESTAMP, parse_timestamp
from .fields import FIELDS, ITEM_FIELDS
from .typed import convert, typed as _typed

FAIL = object()          # "not accepted here": the caller asks parse_event
_ABSENT = object()       # an optional key that is not there
Check = Callable[[Any], Any]

#: Keywords that say nothing about validity.
ANNOTATIONS = {"description", "title", "$schema", "$id", "$defs", "examples", "default", "$comment"}
SUPPORTED = ANNOTATIONS | {"type", "enum", "required", "properties", "additionalProperties", "$ref", "anyOf",
                           "pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems",
                           "items", "multipleOf"}


class Unsupported(Exception):
    """The schema uses something the fast path does not implement."""


TYPE_TESTS = {
    "string": "type({v}) is str",
    "object": "type({v}) is dict",
    "array": "type({v}) is list",
    "boolean": "type({v}) is bool",
    "null": "{v} is None",
    "number": "type({v}) in _NUMBERS",   # bool is not a number; subclasses are left to jsonschema
    "integer": "type({v}) is int",       # an integer written 1.0 is left to jsonschema
}


def _converter(type_) -> Callable[[Any], Any]:
    """`typed.convert` for a leaf of this field type, FAIL where it raises; a plain money text directly."""
    def leaf(v):
        try:
            return convert(v, type_, "")
        except (ValueError, ArithmeticError):
            return FAIL
    if type_ is MONEY:
        def money(v):  # called once the schema's checks held: a text matched the pattern (at most 2 places)
            return Decimal(v) if type(v) is str else leaf(v)
        return money
    return leaf


class _Generator:
    """Writes one Python function that validates (and types) an event, from the schema.

    Each subschema becomes straight-line code on one variable; `anyOf`
    branches become helper functions returning a bool.
    """

    def __init__(self, root: dict):
        self.root = root
        self.lines: list[str] = []
        self.helpers: list[str] = []
        self.consts: dict[str, Any] = {"FAIL": FAIL, "Decimal": Decimal, "_NUMBERS": (int, float, Decimal),
                                       "_typed": _typed, "FIELDS": FIELDS, "ITEM_FIELDS": ITEM_FIELDS,
                                       "_timestamp": parse_timestamp, "_ABSENT": _ABSENT,
                                       "_multiple": multiple_of}
        self.counter = 0

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def const(self, value, prefix: str = "K") -> str:
        n = self.name(prefix)
        self.consts[n] = value
        return n

    def resolve(self, target: str) -> dict:
        if not target.startswith("#/"):
            raise Unsupported(target)
        node: Any = self.root
        for part in target[2:].split("/"):
            node = node[part]
        return node

    @staticmethod
    def field_type(path: str | None):
        if not path:
            return None
        info = ITEM_FIELDS.get(path[5:]) if path.startswith("item.") else FIELDS.get(path)
        return info.type if info is not None else None

    def emit(self, out: list[str], schema: dict, v: str, path: str | None, ind: str, fail: str,
             assume: str | None = None) -> str | None:
        """Code checking variable `v` against `schema`; in typed mode (path not None) `v` ends typed.

        Returns the JSON type the code proved `v` has (before typing), or None.
        """
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema))
        unknown = set(schema) - SUPPORTED
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        known = None
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if any(n not in TYPE_TESTS for n in names):
                raise Unsupported(f"type {names}")
            if names != [assume]:   # `assume`: the caller already tested this type
                out.append(f"{ind}if not ({' or '.join(TYPE_TESTS[n].format(v=v) for n in names)}): {fail}")
            known = names[0] if len(names) == 1 else None
        if "enum" in schema:
            options = schema["enum"]
            if not all(type(o) is str for o in options):
                raise Unsupported("enum of non-strings")
            out.append(f"{ind}if type({v}) is not str or {v} not in {self.const(frozenset(options), 'E')}: {fail}")
            known = "string"
        if "$ref" in schema:
            known = self.emit(out, self.resolve(schema["$ref"]), v, None, ind, fail) or known
        if "anyOf" in schema:
            if self._by_type(schema["anyOf"]):
                # branches of different JSON types: at most one can hold, so pick it by the value's type
                for i, branch in enumerate(schema["anyOf"]):
                    test = TYPE_TESTS[branch["type"]].format(v=v)
                    out.append(f"{ind}{'if' if i == 0 else 'elif'} {test}:")
                    self.emit(out, branch, v, None, ind + "    ", fail, assume=branch["type"])
                    out.append(f"{ind}    pass")
                out.append(f"{ind}else: {fail}")
            else:
                calls = [f"{self.helper(b)}({v})" for b in schema["anyOf"]]
                out.append(f"{ind}if not ({' or '.join(calls)}): {fail}")
        self.string(out, schema, v, ind, fail, known)
        self.number(out, schema, v, ind, fail, known)
        if {"items", "minItems", "maxItems"} & set(schema):
            self.array(out, schema, v, path, ind, fail, known)
        if {"properties", "required", "additionalProperties"} & set(schema):
            self.object(out, schema, v, path, ind, fail, known)
        type_ = self.field_type(path)
        if type_ is TIMESTAMP and known == "string":
            # parse_timestamp itself (not a copy of it), so its rules (offsets, year range) stay the only ones
            out.append(f"{ind}try: {v} = _timestamp({v})")
            out.append(f"{ind}except ValueError: {fail}")
        elif type_ in (MONEY, TIMESTAMP, NUMBER) and known not in ("object", "array"):
            conv = self.const(_converter(type_), "C")
            # events._typed converts leaves only: a dict is typed as an object whatever its field
            guard = "" if known is not None else f"if type({v}) is not dict: "
            out.append(f"{ind}{guard}{v} = {conv}({v})")
            out.append(f"{ind}if {v} is FAIL: {fail}")
        return known

    @staticmethod
    def _by_type(branches: list) -> bool:
        """Whether anyOf branches each have one JSON type, no two of them overlapping."""
        groups = {"number": "number", "integer": "number"}
        seen = set()
        for b in branches:
            if not isinstance(b, dict) or not isinstance(b.get("type"), str) or b["type"] not in TYPE_TESTS:
                return False
            group = groups.get(b["type"], b["type"])
            if group in seen:
                return False
            seen.add(group)
        return True

    def helper(self, schema: dict) -> str:
        """A function `name(x) -> bool` validating one anyOf branch."""
        name = self.name("_branch")
        body: list[str] = []
        self.emit(body, schema, "x", None, "    ", "return False")
        self.helpers.append(f"def {name}(x):\n" + "\n".join(body + ["    return True"]))
        return name

    def string(self, out, schema, v, ind, fail, known) -> None:
        conds = []
        if "pattern" in schema:
            conds.append(f"{self.const(re.compile(schema['pattern']).search, 'P')}({v}) is None")
        if "minLength" in schema:
            conds.append(f"len({v}) < {int(schema['minLength'])}")
        if "maxLength" in schema:
            conds.append(f"len({v}) > {int(schema['maxLength'])}")
        if conds:
            guard = "" if known == "string" else f"type({v}) is str and "
            out.append(f"{ind}if {guard}({' or '.join(conds)}): {fail}")

    def number(self, out, schema, v, ind, fail, known) -> None:
        conds = []
        if "minimum" in schema:
            conds.append(f"{v} < {self.const(schema['minimum'])}")
        if "maximum" in schema:
            conds.append(f"{v} > {self.const(schema['maximum'])}")
        if "multipleOf" in schema:
            conds.append(f"not _multiple({v}, {self.const(schema['multipleOf'])})")
        if conds:
            guard = "" if known in ("number", "integer") else f"type({v}) in _NUMBERS and "
            out.append(f"{ind}if {guard}({' or '.join(conds)}): {fail}")

    def array(self, out, schema, v, path, ind, fail, known) -> None:
        inner = ind
        if known != "array":
            out.append(f"{ind}if type({v}) is list:")
            inner = ind + "    "
        conds = []
        if "minItems" in schema:
            conds.append(f"len({v}) < {int(schema['minItems'])}")
        if "maxItems" in schema:
            conds.append(f"len({v}) > {int(schema['maxItems'])}")
        if conds:
            out.append(f"{inner}if {' or '.join(conds)}: {fail}")
        if "items" not in schema:
            if path == "order.items":
                raise Unsupported("order.items without an item schema")
            out.append(f"{inner}pass")
            return
        item_path = None if path is None else ("item" if path == "order.items" else path + "[]")
        if item_path is not None and path != "order.items" and not self.changes(schema["items"], item_path):
            item_path = None   # the items stay as they are: validate only
        w, acc = self.name("v"), self.name("a")
        if item_path is not None:
            out.append(f"{inner}{acc} = []")
        out.append(f"{inner}for {w} in {v}:")
        self.emit(out, schema["items"], w, item_path, inner + "    ", fail)
        if item_path is not None:
            # events._typed keeps only the dict items of order.items (the schema makes them all dicts)
            keep = f"if type({w}) is dict: " if path == "order.items" else ""
            out.append(f"{inner}    {keep}{acc}.append({w})")
            out.append(f"{inner}{v} = {acc}")

    def changes(self, schema: dict, path: str | None) -> bool:
        """Whether typing gives a new value here (a converted leaf, or a rebuilt object or list)."""
        if path is None or not isinstance(schema, dict):
            return False
        if self.field_type(path) in (MONEY, TIMESTAMP, NUMBER):
            return True
        if "$ref" in schema and self.changes(self.resolve(schema["$ref"]), path):
            return True
        if {"properties", "required", "additionalProperties"} & set(schema):
            return True
        if "items" in schema:
            item_path = "item" if path == "order.items" else path + "[]"
            return path == "order.items" or self.changes(schema["items"], item_path)
        return False

    def object(self, out, schema, v, path, ind, fail, known) -> None:
        inner = ind
        if known != "object":
            out.append(f"{ind}if type({v}) is dict:")
            inner = ind + "    "
        required = list(schema.get("required", ()))
        extra = schema.get("additionalProperties", True)
        if extra not in (True, False):
            raise Unsupported("additionalProperties with a schema")
        props = schema.get("properties", {})
        if [k for k in required if k not in props]:
            raise Unsupported("required keys without properties")
        if required:
            out.append(f"{inner}if {' or '.join(f'{k!r} not in {v}' for k in required)}: {fail}")
        if not extra:
            out.append(f"{inner}if not {v}.keys() <= {self.const(frozenset(props), 'N')}: {fail}")
        typed = path is not None
        o = self.name("o")
        if typed:
            out.append(f"{inner}{o} = {v}.copy()")   # leaves that typing keeps are shared, as in events._typed
        for key, sub in props.items():
            child = None if path is None else (f"item.{key}" if path == "item" else (f"{path}.{key}" if path else key))
            w = self.name("v")
            body = inner
            if key in required:
                out.append(f"{body}{w} = {v}[{key!r}]")
            else:
                out.append(f"{inner}{w} = {v}.get({key!r}, _ABSENT)")
                out.append(f"{inner}if {w} is not _ABSENT:")
                body = inner + "    "
            self.emit(out, sub, w, child, body, fail)
            if self.changes(sub, child):
                out.append(f"{body}{o}[{key!r}] = {w}")
            elif body != inner:
                out.append(f"{body}pass")
        if extra and typed:
            # undeclared keys are allowed here: type them as events._typed does
            prefix = "" if path in ("", "item") else path + "."
            catalog = "ITEM_FIELDS" if path == "item" else "FIELDS"
            names = self.const(frozenset(props), "N")
            k, probs = self.name("k"), self.name("p")
            out.append(f"{inner}{probs} = []")
            out.append(f"{inner}for {k} in {v}:")
            out.append(f"{inner}    if {k} not in {names}: "
                       f"{o}.update(_typed({{{k}: {v}[{k}]}}, {prefix!r}, {catalog}, {probs}, []))")
            out.append(f"{inner}if {probs}: {fail}")
        if typed:
            out.append(f"{inner}{v} = {o}")

    def build(self, schema: dict | None = None, path: str = "") -> tuple[str, Check]:
        """The check of the whole event, or of `schema` at the field `path` (`order.items`, `request.amount`)."""
        body: list[str] = []
        self.emit(body, self.root if schema is None else schema, "x", path, "    ", "return FAIL")
        source = "\n\n".join(self.helpers + ["def check(x):\n" + "\n".join(body + ["    return x"])]) + "\n"
        namespace = dict(self.consts)
        exec(compile(source, "<aftersale event schema>", "exec"), namespace)  # noqa: S102 - our own schema
        return source, namespace["check"]


def _guarded(check: Check) -> Check:
    def run(value):
        try:
            return check(value)
        except (ArithmeticError, ValueError, TypeError, RecursionError):
            return FAIL
    return run


@lru_cache(maxsize=None)
def compiled_check() -> Check:
    """The whole-event check: the typed event (a dict), or FAIL where the exact path must decide."""
    try:
        return _guarded(_Generator(load_schema("event")).build()[1])
    except Unsupported:
        return lambda obj: FAIL


@lru_cache(maxsize=None)
def field_check(path: tuple[str, ...]) -> Check:
    """The same generator's check of one field's value alone: typed, or FAIL."""
    root = load_schema("event")
    generator = _Generator(root)
    schema: Any = root
    for key in path:
        schema = schema["properties"][key]
    try:
        return _guarded(generator.build(schema, ".".join(path))[1])
    except Unsupported:
        return lambda value: FAIL
