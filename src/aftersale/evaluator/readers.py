"""Moved to `aftersale.events.lazy` (the event reader's per-field reads); this name stays for the
compiled backend's imports."""
from ..events.lazy import *  # noqa: F401,F403
from ..events.lazy import FieldSpec, event_spec, float_bounds, float_compare, namespace, read_field  # noqa: F401
