"""The static type of an expression as records and the compiled path see it.

Records hold no sentences any more (schema_version 2): what used to be
written here as English facts and needs is now a fact code (`facts.py`),
worded by `aftersale.explain` in the reader's language.
"""
from __future__ import annotations

from .. import rules as ir
from ..events.fields import ITEM_FIELDS
from ..values import Type


def type_of(e: ir.Expr) -> Type:
    from ..syntax.lower import static_type

    if isinstance(e, ir.Field) and e.path[0] == "item":
        info = ITEM_FIELDS.get(".".join(e.path[1:]))
        return info.type if info else Type.ANY
    return static_type(e)
