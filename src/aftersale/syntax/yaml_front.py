"""The YAML front end: YAML text → (validated) data with positions → rule tree.

YAML is composed with PyYAML's safe loader (no tags execute), converted to
plain data by our own walk (which caps alias expansion and nesting and keeps
every node's position), validated against `schema/policy.json`, and lowered
with the same checks and the same expression grammar as the DSL.
"""
from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

import yaml

from .. import rules as ir
from ..diagnostics import AftersaleError, Diagnostic, ERROR, did_you_mean
from ..limits import MAX_NESTING, MAX_RULES, MAX_SENTENCE_CHARS, MAX_SOURCE_CHARS, MAX_TERMS, MAX_YAML_DEPTH, MAX_YAML_VALUES
from ..locale import Msg, msg
from ..schema import validator
from ..source import Source, Span
from ..values import BOOL
from .check import check_policy
from .lower import Lowering, nesting_depth, sentence_length, sentence_text
from .parser import TERMS_HELP, count_terms
from .sentences import lower_sentence

#: The limits (aftersale/limits.py) under their older names here.
MAX_NODES, MAX_DEPTH = MAX_YAML_VALUES, MAX_YAML_DEPTH
#: The only tags a policy's YAML may carry (explicit `!!python/...` or `!custom` tags are refused).
PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in
                       ("str", "int", "float", "bool", "null", "seq", "map", "timestamp"))


class _Built:
    """YAML nodes turned into data, with each container's and scalar's node by path."""

    def __init__(self, source: Source, limit: int = MAX_NODES):
        self.source = source
        self.limit = limit
        self.nodes: dict[tuple, yaml.Node] = {}
        self.keys: dict[tuple, yaml.Node] = {}  # mapping keys' nodes, by the path of their value
        self.count = 0
        self.scalars: dict[int, Any] = {}  # by node id: an alias repeats a node, build its value once

    def span(self, path: tuple) -> Span:
        while path not in self.nodes and path:
            path = path[:-1]
        node = self.nodes.get(path)
        if node is None:
            return self.source.span(0, 0)
        return self.source.span(node.start_mark.index, node.end_mark.index)

    def data(self, node: yaml.Node, path: tuple, active: frozenset) -> Any:
        self.count += 1
        if self.count > self.limit:
            raise _Refused(msg("yaml.expands", limit=self.limit), node)
        if len(path) > MAX_DEPTH:
            raise _Refused(_TOO_DEEP, node)
        if id(node) in active:
            raise _Refused(msg("yaml.alias_loop"), node)
        if node.tag not in PLAIN_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise _Refused(msg("yaml.tag", tag=tag), node)
        self.nodes[path] = node
        inner = active | {id(node)}
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                key = _scalar(key_node)
                if not isinstance(key, str):
                    raise _Refused(msg("yaml.key_not_text"), key_node)
                if key in out:
                    raise _Refused(msg("yaml.key_twice", key=key), key_node)
                self.keys[path + (key,)] = key_node
                out[key] = self.data(value_node, path + (key,), inner)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.data(v, path + (i,), inner) for i, v in enumerate(node.value)]
        if id(node) not in self.scalars:
            self.scalars[id(node)] = _scalar(node)
        return self.scalars[id(node)]


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


def _schema_message(err, data) -> Msg:
    path = list(err.absolute_path)
    where = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))
    owner = where or msg("yaml.the_policy")
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        hint = did_you_mean(extra[0], err.schema.get("properties", {})) if extra else None
        key = extra[0] if extra else "?"
        return msg("yaml.unknown_key_hint", key=key, where=owner, hint=hint) if hint else \
            msg("yaml.unknown_key", key=key, where=owner)
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else "?"
        return msg("yaml.lacks", where=owner, key=missing)
    if err.validator == "oneOf" and path and path[0] == "rules":
        rid = err.instance.get("id", "?") if isinstance(err.instance, dict) else "?"
        return msg("yaml.rule_body", rule=rid)
    where = where or "(the policy)"
    if err.validator == "anyOf" and "when" in path:
        return msg("yaml.when", where=where)
    if err.validator == "type":
        return msg("yaml.type", where=where, want=str(err.validator_value), got=type(err.instance).__name__)
    if err.validator == "pattern":
        return msg("yaml.pattern", where=where, value=str(err.instance))
    return msg("event.schema", where=where, message=err.message)


#: No YAML list in a policy may hold more items: the rules, or the terms of an `all:`/`any:`.
MAX_ITEMS = max(MAX_RULES, MAX_TERMS)


class _TooBig(Exception):
    def __init__(self, message: Msg, mark, help_: Msg):
        super().__init__(message)
        self.message, self.mark, self.help = message, mark, help_


class _Loader(yaml.SafeLoader):
    """The safe loader, stopping as soon as a list is longer, or the file holds more nodes, than any
    policy may: composing (pure Python) a 20,000-entry `any:` alone would take a second."""

    def compose_node(self, parent, index):
        self._nodes = getattr(self, "_nodes", 0) + 1
        if self._nodes > MAX_NODES:
            raise _TooBig(_TOO_MANY_VALUES, self.peek_event().start_mark, _TOO_MANY_VALUES_HELP)
        if isinstance(parent, yaml.SequenceNode) and index >= MAX_ITEMS:
            raise _TooBig(_LONG_LIST, self.peek_event().start_mark, _LONG_LIST_HELP)
        return super().compose_node(parent, index)


_TOO_DEEP = msg("yaml.too_deep", limit=MAX_DEPTH)
_TOO_MANY_VALUES = msg("yaml.too_many_values", limit=MAX_NODES)
_TOO_MANY_VALUES_HELP = msg("yaml.too_many_values_help")
_LONG_LIST = msg("yaml.long_list", limit=MAX_ITEMS)
_LONG_LIST_HELP = msg("yaml.long_list_help", rules=MAX_RULES, terms=MAX_TERMS)


def _over_limits(text: str) -> tuple[Msg, int, int, Msg | None] | None:
    """(message, start, end, help) for YAML over a limit, found by libyaml's event stream (C, no
    recursion, ~50 times faster than composing in Python), or None. Only a quick refusal: what
    libyaml cannot read is left to the safe loader, which says why."""
    if not getattr(yaml, "__with_libyaml__", False):
        return None
    nodes, open_ = 0, []  # open_: [is a list, children so far] of each open collection
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.CollectionEndEvent):
                open_.pop()
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            at = event.start_mark.index
            nodes += 1
            if nodes > MAX_NODES:
                return _TOO_MANY_VALUES, at, at + 1, _TOO_MANY_VALUES_HELP
            if open_:
                open_[-1][1] += 1
                if open_[-1][0] and open_[-1][1] > MAX_ITEMS:
                    return _LONG_LIST, at, at + 1, _LONG_LIST_HELP
            if isinstance(event, yaml.ScalarEvent):
                if len(event.value) > MAX_TERMS and count_terms(event.value) > MAX_TERMS:
                    return (msg("error.too_many_terms", what=msg("error.a_condition"), limit=MAX_TERMS), at, at + 1,
                            TERMS_HELP)
            elif isinstance(event, yaml.CollectionStartEvent):
                open_.append([isinstance(event, yaml.SequenceStartEvent), 0])
                if len(open_) > MAX_DEPTH:
                    return _TOO_DEEP, at, at + 1, None
    except yaml.YAMLError:
        return None
    return None


#: Flow brackets outside quoted scalars and comments, for the scan before composing.
_FLOW = re.compile(r"""
    (?:(?<=[\s\[{,:])|^)(?:'(?:[^']|'')*'|"(?:[^"\\]|\\.)*")   # a quoted scalar
  | (?:(?<=\s)|^)\#[^\n]*                                     # a comment
  | (?P<open>[\[{]) | (?P<close>[\]}])
""", re.MULTILINE | re.VERBOSE)


def _flow_too_deep_at(text: str) -> int | None:
    """Where flow brackets (`[[[...`) first nest deeper than MAX_DEPTH, found before PyYAML composes
    them (its composer recurses and slows down with depth), or None."""
    depth = 0
    for m in _FLOW.finditer(text):
        if m.lastgroup == "open":
            depth += 1
            if depth > MAX_DEPTH:
                return m.start()
        elif m.lastgroup == "close":
            depth = max(0, depth - 1)
    return None


def _too_deep_at(text: str) -> int:
    """Where YAML nesting first goes deeper than MAX_DEPTH (PyYAML's event stream needs no recursion)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.index
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass
    return 0


def _schema_span(err, built: _Built) -> Span:
    """Where a schema error points: the offending key itself for an unknown key."""
    path = tuple(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        key = built.keys.get(path + (extra[0],)) if extra else None
        if key is not None:
            return built.source.span(key.start_mark.index, key.end_mark.index)
    return built.span(path)


def lower_yaml(text: str, filename: str = "<string>") -> tuple[ir.Policy | None, list[Diagnostic]]:
    """The rule tree (None when it cannot be built) and every diagnostic."""
    source = Source(text, filename)

    def fail(message: Msg, start: int = 0, end: int = 0, help_: Msg | None = None):
        return None, [Diagnostic("syntax-error", ERROR, message, source.span(start, end), help=help_,
                                 source=source)]

    if len(text) > MAX_SOURCE_CHARS:
        return fail(msg("error.too_large", limit=MAX_SOURCE_CHARS))
    deep = _flow_too_deep_at(text)
    if deep is not None:
        return fail(_TOO_DEEP, deep, deep + 1)
    over = _over_limits(text)
    if over is not None:
        return fail(*over)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except _TooBig as exc:
        return fail(exc.message, exc.mark.index, exc.mark.index + 1, exc.help)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        offset = mark.index if mark else 0
        return fail(yaml_problem(exc.problem or exc.context), offset, offset + 1)
    except yaml.YAMLError as exc:
        return fail(yaml_problem(str(exc)))
    except RecursionError:
        offset = _too_deep_at(text)
        return fail(_TOO_DEEP, offset, offset + 1)
    if node is None:
        return fail(msg("lint.empty"), help_=msg("yaml.shape_help"))
    built = _Built(source)
    try:
        data = built.data(node, (), frozenset())
    except _Refused as exc:
        return fail(exc.args[0], exc.node.start_mark.index, exc.node.end_mark.index)
    if not isinstance(data, dict):
        return fail(msg("yaml.shape"), node.start_mark.index, node.end_mark.index)
    if isinstance(data.get("rules"), list) and len(data["rules"]) > MAX_RULES:
        extra = built.nodes[("rules", MAX_RULES)]
        return fail(msg("error.too_many_rules", limit=MAX_RULES), extra.start_mark.index, extra.end_mark.index,
                    msg("error.too_many_rules_help", limit=MAX_RULES))
    problems = [Diagnostic("syntax-error", ERROR, _schema_message(e, data), _schema_span(e, built),
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

    def scalar_text(self, *path) -> tuple[str, int]:
        """(text, offset in the file) of a string scalar, so that positions point into the YAML file.

        Multi-line, block (`|`, `>`) and quoted scalars differ from their value only in
        whitespace (which the grammar and sentences ignore), so the text as it stands in
        the file is parsed. A double-quoted scalar with escapes is the exception: its
        value is parsed, placed just past the opening quote.
        """
        node = self.built.nodes[tuple(path)]
        value = node.value
        text = self.source.text
        start, end = node.start_mark.index, node.end_mark.index
        style = getattr(node, "style", None)
        if style in ("|", ">"):
            start = text.find("\n", start, end) + 1 or end  # past the header line (`|-`, `>2 # note`)
        elif style in ("'", '"'):
            start, end = start + 1, end - 1
        raw = text[start:end].rstrip()
        while raw[:1].isspace():
            raw, start = raw[1:], start + 1
        # ASCII whitespace only: PyYAML also folds U+0085 and U+2028, so text holding them is not the same
        same = _words(raw.replace("''", "'")) == _words(value)
        quoted_lines = any("\n" in m for m in re.findall(r'"[^"]*"', raw))
        if same and not quoted_lines and not (style == '"' and "\\" in raw):
            return raw, start
        return value, node.start_mark.index + (1 if style in ("'", '"') else 0)

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
        if "language" in data:
            header["language"] = self.check_choice(data["language"], ("zh", "en"), "language", self.at("language"))
        if "otherwise" in data:
            header["otherwise"] = self.check_action(data["otherwise"], self.at("otherwise"))
        for name, file in (data.get("lists") or {}).items():  # before the rules, which use them
            self.named_list(name, file, self.at("lists", name), self.at("lists", name))
        if self.lists:
            header["lists"] = tuple(self.lists.values())
        rules = [r for i, entry in enumerate(data["rules"]) if (r := self.rule(entry, i)) is not None]
        self.check_rule_ids(rules)
        spans = {k: self.at(k) for k in data}
        policy = ir.Policy(header.pop("name"), tuple(rules), **{k: v for k, v in header.items() if v is not None},
                           source=self.source, spans=spans, span=self.source.span(0, len(self.source.text)))
        return policy, self.diagnostics + check_policy(policy, self.source)

    def rule(self, entry: dict, i: int) -> ir.Rule | None:
        rule_id = entry["id"]
        span, id_span = self.at("rules", i), self.at("rules", i, "id")
        title = entry.get("title") or None  # an empty title is no title (as fmt writes it)
        if "sentence" in entry:
            text = entry["sentence"]
            if "#" in text:  # the DSL could not say it: there `#` starts a comment
                self.error("syntax-error", msg("yaml.hash"), self.at("rules", i, "sentence"),
                           help=msg("yaml.hash_help"), rule=rule_id)
                return None
            if sentence_length(text) > MAX_SENTENCE_CHARS:
                self.error("syntax-error", msg("error.long_sentence", limit=MAX_SENTENCE_CHARS),
                           self.at("rules", i, "sentence"), help=msg("error.long_sentence_help"), rule=rule_id)
                return None
            lowered = lower_sentence(self, *self.scalar_text("rules", i, "sentence"), rule_id)
            if lowered is None:
                return None
            action, forbids, when = lowered
            return ir.Rule(rule_id, when, action, forbids, title, sentence_text(text),
                           span=span, id_span=id_span)
        terms = _terms(entry["when"])
        if terms > MAX_TERMS:
            self.error("syntax-error", msg("error.too_many_terms", what=msg("lint.who.rule", rule=rule_id),
                                           limit=MAX_TERMS), self.at("rules", i, "when"), rule=rule_id,
                       help=TERMS_HELP)
            return None
        when = self.condition(entry["when"], ("rules", i, "when"))
        if when is not None and nesting_depth(when) > MAX_NESTING:  # `not:`/`all:`/`any:` and expressions
            self.error("syntax-error", msg("error.too_deep", limit=MAX_NESTING), self.at("rules", i, "when"),
                       rule=rule_id, help=msg("error.split_help"))
            return None
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
            return self.expression_text(*self.scalar_text(*path))
        key, inner = next(iter(value.items()))
        if key == "not":
            operand = self.condition(inner, path + ("not",))
            return None if operand is None else ir.Not(operand, span=span)
        parts = [self.condition(v, path + (key, j)) for j, v in enumerate(inner)]
        if any(p is None for p in parts):
            return None
        # `all: [x]` is x and `all: []` is true, as the DSL can only say them (so fmt round-trips)
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return ir.Literal(key == "all", BOOL, "true" if key == "all" else "false", span=span)
        return (ir.And if key == "all" else ir.Or)(tuple(parts), span=span)


def _words(text: str) -> list[str]:
    return re.split(r"[ \t\r\n]+", text.strip(" \t\r\n"))


def _terms(condition) -> int:
    """Terms joined by and/or in a YAML condition: its strings' terms, added up (iteratively)."""
    total, stack = 0, [condition]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            total += count_terms(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        else:
            total += 1
    return total


def check_yaml(text: str, max_values: int = MAX_NODES) -> tuple[Msg, int] | None:
    """(message, offset) when YAML text other than a policy (a test file) breaks the limits every YAML
    read must keep, or None: flow nesting deeper than MAX_YAML_DEPTH, more than `max_values` values
    once aliases are expanded (billion laughs), aliases to themselves, tags other than plain data.
    What the safe loader itself refuses is left to the caller's loader to report."""
    deep = _flow_too_deep_at(text)
    if deep is not None:
        return _TOO_DEEP, deep
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    if node is None:
        return None
    try:
        _Built(Source(text), max_values).data(node, (), frozenset())
    except _Refused as exc:
        return exc.args[0], exc.node.start_mark.index
    return None


#: PyYAML's commonest problems (by how they start), as message ids (`yaml.problem.*`); any other is shown
#: as PyYAML words it.
YAML_PROBLEMS = {
    "expected ',' or ']'": "unclosed_list",
    "expected ',' or '}'": "unclosed_mapping",
    "mapping values are not allowed here": "mapping_values",
    "could not find expected ':'": "expected_colon",
    "found character that cannot start any token": "bad_character",
    "found undefined tag handle": "tag_handle",
    "found unexpected end of stream": "end_of_stream",
    "did not find expected key": "expected_key",
    "did not find expected node content": "expected_node",
    "found duplicate anchor; first occurrence": "duplicate_anchor",
    "found undefined alias": "undefined_alias",
}


def yaml_problem_words(problem: str | None) -> Msg | str:
    """A PyYAML problem in our words where it is a known one (else as PyYAML says it)."""
    text = (problem or "").strip()
    known = next((v for k, v in YAML_PROBLEMS.items() if text.startswith(k)), None)
    return msg(f"yaml.problem.{known}") if known else (problem or "?")


def yaml_problem(problem: str | None) -> Msg:
    """`invalid YAML: ...` for a PyYAML problem."""
    return msg("yaml.invalid", problem=yaml_problem_words(problem))


def compile_yaml(text: str, filename: str = "<string>") -> ir.Policy:
    policy, diagnostics = lower_yaml(text, filename)
    if policy is None or any(d.severity == ERROR for d in diagnostics):
        raise AftersaleError(diagnostics)
    return policy
