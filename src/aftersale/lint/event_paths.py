"""Reading and changing one field of an event (a JSON object) by its path of keys.

>>> event = {"request": {"amount": "129.00"}}
>>> set_path(event, ("request", "tracking", "verified"), True)
>>> get_path(event, ("request", "tracking", "verified")), get_path(event, ("order", "paid_amount"))
(True, None)
>>> delete_path(event, ("request", "amount")); event
{'request': {'tracking': {'verified': True}}}
"""
from __future__ import annotations


def get_path(event: dict, path: tuple):
    """The value at the path, or None where the event does not have it."""
    node = event
    for k in path:
        if not isinstance(node, dict) or k not in node:
            return None
        node = node[k]
    return node


def set_path(event: dict, path: tuple, value) -> None:
    """Sets the value at the path, adding the objects on the way that are missing."""
    node = event
    for k in path[:-1]:
        node = node.setdefault(k, {})
    node[path[-1]] = value


def delete_path(event: dict, path: tuple) -> None:
    """Removes the field at the path, if the event has it."""
    node = event
    for k in path[:-1]:
        if not isinstance(node, dict) or k not in node:
            return
        node = node[k]
    if isinstance(node, dict):
        node.pop(path[-1], None)


__all__ = ["get_path", "set_path", "delete_path"]
