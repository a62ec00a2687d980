"""Events: the one reader that validates and types them (product.md, "Events").

- `fields.py`   the field table, derived from `schema/event.json`
- `text.py`     JSON text → objects (JSON, arrays, JSON Lines; no key twice; limits)
- `typed.py`    typed values (`Event`), and what no event may hold
- `compiled.py` the schema compiled once into Python: whole events, and one field alone
- `reader.py`   `parse_event`: compiled check first, the exact path (messages with JSON paths) otherwise
- `structs.py`  `decode`: msgspec Structs from the schema check an event's text in C; the exact path otherwise
- `lazy.py`     per-field reads for the compiled backend, through the same compiled checks
"""
from .reader import amount_problem, json_type, parse_event
from .structs import decode
from .text import MAX_EVENT_BYTES, EventInput, read_events, source_for
from .typed import Event

__all__ = ["Event", "decode", "EventInput", "MAX_EVENT_BYTES", "amount_problem", "json_type", "parse_event",
           "read_events", "source_for"]
