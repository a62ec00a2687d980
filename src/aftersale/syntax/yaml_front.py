"""The YAML front end: YAML text → (validated) data with positions → rule tree.

YAML is composed with PyYAML's safe loader (no tags execute), converted to
plain data by our own walk (which caps alias expansion and nesting and keeps
every node's position), validated against `schema/policy.json`, and lowered
with the same checks and the same expression grammar as the DSL.
"""
from __future__ import annotations

from pathlib import PurePath
from typing import Any

import yaml

from .. import rules as ir
from ..diagnostics import AftersaleError, Diagnostic, ERROR, did_you_mean
from ..schema import validator
from ..source import Source, Span
from ..values import BOOL
from .check import check_policy
from .lower import Lowering
from .parser import MAX_SOURCE_CHARS
from .sentences import lower_sentence

#: Values built from one YAML file at the most (caps alias expansion: billion laughs).
MAX_NODES = 200_000
MAX_DEPTH = 64


class _Built:
    """YAML nodes turned into data, with each container's and scalar's node by path."""

    def __init__(self, source: Source):
        self.source = source
        self.nodes: dict[tuple, yaml.Node] = {}
        self.count = 0

    def span(self, path: tuple) -> Span:
        while path not in self.nodes and path:
            path = path[:-1]
        node = self.nodes.get(path)
        if node is None:
            return self.source.span(0, 0)
        return self.source.span(node.start_mark.index, node.end_mark.index)

    def data(self, node: yaml.Node, path: tuple, active: frozenset) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Refused("the YAML expands to more than 200,000 values (aliases?)", node)
        if len(path) > MAX_DEPTH:
            raise _Refused(f"the YAML is nested deeper than {MAX_DEPTH} levels", node)
        if id(node) in active:
            raise _Refused("the YAML refers to itself through an alias", node)
        self.nodes[path] = node
        inner = active | {id(node)}
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                key = _scalar(key_node)
                if not isinstance(key, str):
                    raise _Refused("mapping keys must be text", key_node)
                if key in out:
                    raise _Refused(f"key `{key}` is given twice", key_node)
                out[key] = self.data(value_node, path + (key,), inner)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.data(v, path + (i,), inner) for i, v in enumerate(node.value)]
        return _scalar(node)


class _Refused(Exception):
    def __init__(self, message: str, node: yaml.Node):
        super().__init__(message)
        self.node = node


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return None
    return yaml.SafeLoader.construct_scalar_value(node) if hasattr(yaml.SafeLoader, "construct_scalar_value") \
        else _construct(node)


def _construct(node: yaml.ScalarNode) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError:
        return node.value
    finally:
        loader.dispose()


def _schema_message(err, data) -> str:
    path = list(err.absolute_path)
    where = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path)) or "the policy"
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        hint = did_you_mean(extra[0], err.schema.get("properties", {})) if extra else None
        return f"unknown key `{extra[0] if extra else '?'}` in {where}" + (f"; did you mean `{hint}`?" if hint else "")
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else "?"
        return f"{where} lacks `{missing}`"
    if err.validator == "oneOf" and path and path[0] == "rules":
        rid = err.instance.get("id", "?") if isinstance(err.instance, dict) else "?"
        return f"rule `{rid}` needs either `sentence:` or both `when:` and `then:`"
    if err.validator == "type":
        return f"`{where}` should be {err.validator_value}, not {type(err.instance).__name__}"
    if err.validator == "pattern":
        return f"`{where}` is `{err.instance}`: ids use letters, digits, `-` and `_`"
    return f"`{where}`: {err.message}"


def lower_yaml(text: str, filename: str = "<string>") -> tuple[ir.Policy | None, list[Diagnostic]]:
    """The rule tree (None when it cannot be built) and every diagnostic."""
    source = Source(text, filename)

    def fail(message: str, start: int = 0, end: int = 0, help_: str | None = None):
        return None, [Diagnostic("syntax-error", ERROR, message, source.span(start, end), help=help_,
                                 source=source)]

    if len(text) > MAX_SOURCE_CHARS:
        return fail(f"the policy is larger than {MAX_SOURCE_CHARS:,} characters")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        offset = mark.index if mark else 0
        return fail(f"invalid YAML: {exc.problem or exc.context}", offset, offset + 1)
    except yaml.YAMLError as exc:
        return fail(f"invalid YAML: {exc}")
    except RecursionError:
        return fail(f"the YAML is nested deeper than {MAX_DEPTH} levels")
    if node is None:
        return fail("the policy is empty", help_="a YAML policy has `name:`, `rules:` and `otherwise:`")
    built = _Built(source)
    try:
        data = built.data(node, (), frozenset())
    except _Refused as exc:
        return fail(str(exc), exc.node.start_mark.index, exc.node.end_mark.index)
    if not isinstance(data, dict):
        return fail("a YAML policy is a mapping with `name:`, `rules:` and `otherwise:`",
                    node.start_mark.index, node.end_mark.index)
    problems = [Diagnostic("syntax-error", ERROR, _schema_message(e, data), built.span(tuple(e.absolute_path)),
                           source=source) for e in validator("policy").iter_errors(data)]
    if problems:
        return None, problems
    return _YamlLowering(source, built).policy(data, PurePath(filename).stem or "policy")


class _YamlLowering(Lowering):
    def __init__(self, source: Source, built: _Built):
        super().__init__(source)
        self.built = built

    def at(self, *path) -> Span:
        return self.built.span(tuple(path))

    def text_base(self, *path) -> int:
        """Offset of a scalar's text in the file (past its opening quote)."""
        node = self.built.nodes[tuple(path)]
        return node.start_mark.index + (1 if getattr(node, "style", None) in ("'", '"') else 0)

    def policy(self, data: dict, default_name: str):
        header: dict = {"name": data.get("name", default_name)}
        if "platform" in data:
            header["platform"] = self.check_choice(data["platform"], ("douyin", "kuaishou", "other"),
                                                   "platform", self.at("platform"))
        if "timezone" in data:
            header["timezone"] = self.check_timezone(data["timezone"], self.at("timezone"))
        if "currency" in data:
            header["currency"] = self.check_choice(data["currency"], ("CNY",), "currency", self.at("currency"))
        if "service_hours" in data:
            header["service_hours"] = self.check_hours("", None, self.at("service_hours"),
                                                       mapping=data["service_hours"])
        if "holidays" in data:
            header["holidays"] = self.check_holidays(data["holidays"], self.at("holidays"))
        if "otherwise" in data:
            header["otherwise"] = self.check_action(data["otherwise"], self.at("otherwise"))
        rules = [r for i, entry in enumerate(data["rules"]) if (r := self.rule(entry, i)) is not None]
        self.check_rule_ids(rules)
        spans = {k: self.at(k) for k in data}
        policy = ir.Policy(header.pop("name"), tuple(rules), **{k: v for k, v in header.items() if v is not None},
                           source=self.source, spans=spans, span=self.source.span(0, len(self.source.text)))
        return policy, self.diagnostics + check_policy(policy, self.source)

    def rule(self, entry: dict, i: int) -> ir.Rule | None:
        rule_id = entry["id"]
        span, id_span = self.at("rules", i), self.at("rules", i, "id")
        title = entry.get("title")
        if "sentence" in entry:
            text = entry["sentence"]
            lowered = lower_sentence(self, text, self.text_base("rules", i, "sentence"), rule_id)
            if lowered is None:
                return None
            action, forbids, when = lowered
            return ir.Rule(rule_id, when, action, forbids, title, " ".join(text.split()),
                           span=span, id_span=id_span)
        when = self.condition(entry["when"], ("rules", i, "when"))
        then = entry["then"]
        if isinstance(then, dict):
            forbids = tuple(self.check_action(a, self.at("rules", i, "then", "forbid", j))
                            for j, a in enumerate(then["forbid"]))
            action = None
        else:
            action, forbids = self.check_action(then, self.at("rules", i, "then")), ()
        if when is None:
            return None
        return ir.Rule(rule_id, when, action, forbids, title, None, span=span, id_span=id_span)

    def condition(self, value, path: tuple) -> ir.Expr | None:
        span = self.at(*path)
        if isinstance(value, bool):
            return ir.Literal(value, BOOL, "true" if value else "false", span=span)
        if isinstance(value, str):
            return self.expression_text(value, self.text_base(*path))
        key, inner = next(iter(value.items()))
        if key == "not":
            operand = self.condition(inner, path + ("not",))
            return None if operand is None else ir.Not(operand, span=span)
        parts = [self.condition(v, path + (key, j)) for j, v in enumerate(inner)]
        if any(p is None for p in parts):
            return None
        return (ir.And if key == "all" else ir.Or)(tuple(parts), span=span)


def compile_yaml(text: str, filename: str = "<string>") -> ir.Policy:
    policy, diagnostics = lower_yaml(text, filename)
    if policy is None or any(d.severity == ERROR for d in diagnostics):
        raise AftersaleError(diagnostics)
    return policy
