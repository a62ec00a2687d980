"""The events table: one nested struct column per part of the event, generated from `fields.FIELDS`.

The event schema is the one place where fields are declared; this module turns
its field table into SQL types, written for each dialect by sqlglot:

>>> print(column_types("duckdb")["buyer"])
STRUCT(risk_level TEXT, risk_passed BOOLEAN, return_rate DECIMAL(38, 18), id TEXT, requests_30d DECIMAL(38, 18))
>>> print(column_types("spark")["buyer"])
STRUCT<risk_level: STRING, risk_passed: BOOLEAN, return_rate: DECIMAL(38, 18), id: STRING, requests_30d: DECIMAL(38, 18)>

Money is DECIMAL(18, 2) (at most 12 digits and 2 places, as the schema allows),
numbers DECIMAL(38, 18), timestamps instants (TIMESTAMPTZ; Spark's TIMESTAMP).
"""
from __future__ import annotations

from functools import lru_cache

from sqlglot import exp

from ...events.fields import FIELDS, ITEM_FIELDS, FieldInfo
from ...values import BOOL, ENUM, LIST, MONEY, NUMBER, TEXT, TIMESTAMP, Type

MONEY_SQL = "DECIMAL(18, 2)"
NUMBER_SQL = "DECIMAL(38, 18)"
#: The collection of items quantifiers range over.
ITEMS = "order.items"

_SCALARS: dict[Type, str] = {MONEY: MONEY_SQL, NUMBER: NUMBER_SQL, TIMESTAMP: "TIMESTAMPTZ", ENUM: "TEXT",
                             TEXT: "TEXT", BOOL: "BOOLEAN"}


def _scalar(info: FieldInfo) -> exp.DataType:
    if info.type is LIST:  # order.items[].tags: a list of text
        return exp.DataType.build("TEXT[]", dialect="duckdb")
    return exp.DataType.build(_SCALARS[info.type], dialect="duckdb")


def _struct(members: list[tuple[str, exp.DataType]]) -> exp.DataType:
    return exp.DataType(this=exp.DataType.Type.STRUCT, nested=True,
                        expressions=[exp.ColumnDef(this=exp.to_identifier(name), kind=kind) for name, kind in members])


def _children(catalog: dict[str, FieldInfo], prefix: str) -> list[str]:
    depth = prefix.count(".")
    return [p for p in catalog if p.startswith(prefix) and p.count(".") == depth]


def _type(catalog: dict[str, FieldInfo], path: str) -> exp.DataType:
    info = catalog[path]
    if catalog is FIELDS and path == ITEMS:
        item = _struct([(name, _scalar(ITEM_FIELDS[name])) for name in _children(ITEM_FIELDS, "")])
        return exp.DataType(this=exp.DataType.Type.ARRAY, expressions=[item], nested=True)
    if info.type is Type.ANY:  # an object
        return _struct([(p.rsplit(".", 1)[-1], _type(catalog, p)) for p in _children(catalog, path + ".")])
    return _scalar(info)


@lru_cache(maxsize=None)
def column_types(dialect: str) -> dict[str, str]:
    """The events table's columns (the event's top-level fields) and their types in `dialect`."""
    return {path: _type(FIELDS, path).sql(dialect=dialect) for path in _children(FIELDS, "")}


def required_columns() -> tuple[str, ...]:
    return tuple(p for p in _children(FIELDS, "") if FIELDS[p].required)


__all__ = ["column_types", "required_columns", "MONEY_SQL", "NUMBER_SQL", "ITEMS"]


def _structure(t: exp.DataType):
    if t.this is exp.DataType.Type.STRUCT:
        return {c.name: _structure(c.args["kind"]) for c in t.expressions}
    if t.this is exp.DataType.Type.ARRAY:
        return [_structure(t.expressions[0])]
    return t.sql(dialect="duckdb")


@lru_cache(maxsize=None)
def json_structure() -> str:
    """The row as DuckDB's JSON structure (for `from_json` / `read_json`'s columns): absent keys are NULL."""
    import json

    return json.dumps({path: _structure(_type(FIELDS, path)) for path in _children(FIELDS, "")})
