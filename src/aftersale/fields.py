"""Moved to `aftersale.events.fields`; this name stays for the modules that import it from here."""
from .events.fields import ENUM_VALUES, FIELDS, ITEM_FIELDS, ITEM_ROOT, LABELS, ROOTS, FieldInfo  # noqa: F401
