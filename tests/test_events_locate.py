"""Locating a value in an event's JSON text: the same positions PyYAML's composer gives (JSON is YAML),
which is what messages used before, at the cost of decoding the text once."""
from __future__ import annotations

import json
import random

import pytest
import yaml

from aftersale.events.locate import position, value_range


def yaml_marks(text: str, path):
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode):
            node = node.value[part] if isinstance(part, int) and part < len(node.value) else None
        if node is None:
            return None
    return (node.start_mark.line, node.start_mark.column), (node.end_mark.line, node.end_mark.column)


def paths(value, prefix=()):
    yield list(prefix)
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, prefix + (i,))


EVENT = {"id": "AS-1", "request": {"kind": "refund_only", "amount": "1.005", "note": "a \"quoted\" 退款"},
         "order": {"items": [{"sku": "A", "tags": []}, {"sku": "B", "tags": ["x", "y"]}]}, "n": 1e3}


@pytest.mark.parametrize("indent", [None, 2, 7])
def test_every_path_is_where_yaml_puts_it(indent):
    text = json.dumps(EVENT, ensure_ascii=False, indent=indent)
    for path in paths(EVENT):
        start, end = value_range(text, path)
        assert (position(text, start), position(text, end)) == yaml_marks(text, path), path


def test_paths_that_lead_nowhere():
    text = json.dumps(EVENT)
    for path in (["nope"], ["order", "items", 5], ["order", "items", "sku"], [0]):
        assert value_range(text, path) is None


def test_a_path_past_a_scalar_stops_at_the_scalar():
    text = json.dumps(EVENT)
    start, end = value_range(text, ["request", "kind", "more"])
    assert text[start:end] == '"refund_only"'


def test_blanked_array_element_text():
    """Elements of an array are located in their own text, blanked up to their column."""
    text = " " * 9 + json.dumps({"a": [1, {"b": "c"}]})
    start, end = value_range(text, ["a", 1, "b"])
    assert text[start:end] == '"c"' and position(text, start) == yaml_marks(text, ["a", 1, "b"])[0]


def test_random_shapes_agree_with_yaml():
    rng = random.Random(7)

    def make(depth):
        if depth == 0 or rng.random() < 0.3:
            return rng.choice([1, "s", "中文\\n", None, True, 2.5])
        if rng.random() < 0.5:
            return [make(depth - 1) for _ in range(rng.randrange(4))]
        return {f"k{i}": make(depth - 1) for i in range(rng.randrange(4))}

    for _ in range(200):
        value = {"root": make(4)}
        text = json.dumps(value, ensure_ascii=False, indent=rng.choice([None, 1, 3]))
        for path in paths(value):
            start, end = value_range(text, path)
            assert (position(text, start), position(text, end)) == yaml_marks(text, path)
