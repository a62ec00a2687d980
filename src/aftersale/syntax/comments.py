"""Comments across `aftersale fmt`: found in a policy's DSL or YAML source, anchored to what they
annotate, and put back into the formatted text of either format.

An anchor is a statement (a header line, a rule, `otherwise`) and a slot in it. A header line is
one slot. A rule's slots are its first line (DSL `rule ID:`; YAML `- id:` with its `title:` and
`sentence:`), each condition line a block rule prints (DSL `when` and each `and`; YAML the `when:`
tree, or each item of its `all:` when the DSL prints one condition a line), and its `then` line.

- A comment on a line of its own goes before the slot it is in or precedes; outside any statement
  (between rules, before the header, before `otherwise`), before the statement after it, keeping a
  blank line that followed it.
- A comment at the end of a line stays at the end of that slot (several on one slot are joined).
- Comments after the last statement stay last.

Both formats have the same anchors, so a comment survives DSL → YAML → DSL in place (and a
language change, which keeps the statements). YAML comments are found exactly from PyYAML's token
stream (a `#` between two tokens is a comment; inside a quoted or block scalar it is text), so no
second YAML library is needed: the YAML fmt writes is rebuilt canonically, never round-tripped.
A comment that would have no place in the output is refused (`LostComment`), never dropped.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import yaml

from .. import rules as ir

#: A DSL comment, skipping string literals (where `#` is text).
_DSL_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|(#[^\n]*)')
#: The header line of a block scalar with a comment on it: `|-  # note`.
_BLOCK_HEADER = re.compile(r"[|>][-+0-9]*[ \t]+(#[^\r\n]*)")


@dataclass(frozen=True)
class Comment:
    line: int  # in its source, from 1
    text: str  # from `#`, trailing whitespace removed
    own_line: bool


@dataclass(frozen=True)
class Statement:
    key: object  # a header key as the DSL names it (`policy_name`, `otherwise`, ...) or ("rule", id)
    line: int
    end_line: int
    slots: tuple[tuple[int, int], ...]  # (first, last) line of each slot


@dataclass
class Anchored:
    """Comments by anchor: `before[(key, slot)]` (None: a blank line), `after[(key, slot)]`, `tail`."""
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    tail: list = field(default_factory=list)


class LostComment(Exception):
    """A comment the output has no place for."""

    def __init__(self, comment: Comment, to: str):
        super().__init__(f"line {comment.line}: the comment `{comment.text}` has no place in the {to} output")
        self.comment = comment


def source_format(policy: ir.Policy) -> str:
    """The format a rule tree was read from (YAML policies have a `rules` key span)."""
    return "yaml" if "rules" in policy.spans else "dsl"


def find_comments(text: str, format: str) -> list[Comment]:
    """Every comment of policy text, in order."""
    starts = _line_starts(text)
    found: list[tuple[int, str]] = []  # (offset, text)
    if format == "dsl":
        found = [(m.start(1), m.group(1)) for m in _DSL_COMMENT.finditer(text) if m.group(1)]
    else:
        end = 0
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            start = token.start_mark.index
            found += [(end + m.start(), m.group()) for m in re.finditer(r"#[^\r\n]*", text[end:start])]
            if isinstance(token, yaml.ScalarToken) and token.style in ("|", ">"):
                head = _BLOCK_HEADER.match(text, start)
                if head:
                    found.append((head.start(1), head.group(1)))
            end = max(end, token.end_mark.index)
    out = []
    for offset, body in found:
        line = _line_of(starts, offset)
        own = not text[starts[line - 1]:offset].strip()
        out.append(Comment(line, body.rstrip(), own))
    return out


def statements(policy: ir.Policy, format: str) -> list[Statement]:
    """The statements of a policy's source text, in source order."""
    out = _yaml_statements(policy) if format == "yaml" else _dsl_statements(policy)
    return sorted(out, key=lambda s: (s.line, s.end_line))


def _dsl_statements(policy: ir.Policy) -> list[Statement]:
    from .fmt import when_parts

    out = [Statement(key, span.line, span.end_line, ((span.line, span.end_line),))
           for key, span in policy.spans.items()]
    for rule in policy.rules:
        span = rule.span
        if rule.sentence is not None:
            slots = ((span.line, span.end_line),)
        else:
            slots = ((span.line, span.line), *((p.span.line, p.span.end_line) for p in when_parts(rule)),
                     (span.end_line, span.end_line))
        out.append(Statement(("rule", rule.id), span.line, span.end_line, slots))
    return out


def _yaml_statements(policy: ir.Policy) -> list[Statement]:
    from .fmt import when_parts

    text = policy.source.text
    starts = _line_starts(text)
    root = yaml.compose(text, Loader=yaml.SafeLoader)  # already read once: within every limit

    def first(node) -> int:
        return node.start_mark.line + 1

    def last(node) -> int:
        """The last line holding `node`'s text (a block collection's end mark lies past comments)."""
        while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
            node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
        end = node.end_mark.index
        while end > node.start_mark.index and text[end - 1] in " \t\r\n":
            end -= 1
        return _line_of(starts, max(end - 1, node.start_mark.index))

    rules = {r.id: r for r in policy.rules}
    out = []
    for key_node, value in root.value:
        if key_node.value != "rules":
            key = "policy_name" if key_node.value == "name" else key_node.value
            out.append(Statement(key, first(key_node), last(value), ((first(key_node), last(value)),)))
            continue
        for item in value.value:
            fields = {k.value: (k, v) for k, v in item.value}
            rule = rules[fields["id"][1].value]
            head = (first(item), max(last(fields[k][1]) for k in ("id", "title", "sentence") if k in fields))
            slots = [head]
            if rule.sentence is None:
                when_key, when = fields["when"]
                parts = when_parts(rule)
                items = when.value[0][1].value if isinstance(when, yaml.MappingNode) and \
                    when.value[0][0].value == "all" else None
                if len(parts) == 1:
                    slots.append((first(when_key), last(when)))
                elif items is not None and len(items) == len(parts):
                    slots += [(first(x), last(x)) for x in items]
                else:
                    slots += [(p.span.line, p.span.end_line) for p in parts]
                if len(parts) > 1:
                    slots[1] = (first(when_key), slots[1][1])
                    slots[-1] = (slots[-1][0], last(when))
                then_key, then = fields["then"]
                slots.append((first(then_key), last(then)))
            out.append(Statement(("rule", rule.id), first(item), max(b for _, b in slots), tuple(slots)))
    return out


def anchor(comments: list[Comment], stmts: list[Statement], text: str) -> Anchored:
    """Each comment attached to the slot it annotates (module docstring)."""
    lines = text.split("\n")
    blank = lambda n: n > len(lines) or not lines[n - 1].strip()  # noqa: E731
    out = Anchored()
    for c in comments:
        home = next((s for s in stmts if s.line <= c.line <= s.end_line), None)
        if home is not None:
            inside = next((i for i, (a, b) in enumerate(home.slots) if a <= c.line <= b), None)
            if not c.own_line and inside is not None:
                out.after.setdefault((home.key, inside), []).append(c)
                continue
            slot = next((i for i, (_, b) in enumerate(home.slots) if b >= c.line), len(home.slots) - 1)
            out.before.setdefault((home.key, slot), []).append(c)
            continue
        after = next((s for s in stmts if s.line > c.line), None)
        if after is None:
            out.tail.append(c)
            continue
        group = out.before.setdefault((after.key, 0), [])
        group.append(c)
        if c.own_line and blank(c.line + 1) and after.line > c.line + 1:
            group.append(None)  # a blank line after a comment block stays
    return out


def carry(policy: ir.Policy, formatted: str, to: str) -> str:
    """`formatted` (the policy in format `to`) with the comments of the policy's source put back.

    Raises LostComment if a comment has no place in it.
    """
    source = policy.source
    if source is None:
        return formatted
    origin = source_format(policy)
    comments = find_comments(source.text, origin)
    if not comments:
        return formatted
    anchored = anchor(comments, statements(policy, origin), source.text)
    from .dsl import lower_dsl
    from .yaml_front import lower_yaml

    tree, _ = (lower_yaml if to == "yaml" else lower_dsl)(formatted, "<formatted>")
    lines = formatted.rstrip("\n").split("\n")
    before: dict[int, list] = {}
    placed: set = set()
    for st in statements(tree, to):
        for i, (a, b) in enumerate(st.slots):
            if (st.key, i) in anchored.before:
                before.setdefault(a, []).extend(anchored.before[(st.key, i)])
                placed.add(("before", st.key, i))
            if (st.key, i) in anchored.after:
                lines[b - 1] += "  " + "  ".join(c.text for c in anchored.after[(st.key, i)])
                placed.add(("after", st.key, i))
    for where, table in (("before", anchored.before), ("after", anchored.after)):
        for (key, i), group in table.items():
            if (where, key, i) not in placed:
                raise LostComment(next(c for c in group if c is not None), to)
    rule_lines = {st.line for st in statements(tree, to) if isinstance(st.key, tuple)}
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        group = before.get(number, [])
        if group and to == "dsl" and number in rule_lines and out and out[-1] != "":
            out.append("")  # a rule's comment block is set apart from the rule before it
        indent = line[:len(line) - len(line.lstrip(" "))]
        out += ["" if c is None else indent + c.text for c in group]
        out.append(line)
    result = "\n".join(out + [c.text for c in anchored.tail]) + "\n"
    kept = comment_texts(result, to)
    lost = comment_texts(source.text, origin) - kept
    if lost:  # a formatter bug, never silent: name the first comment that did not come through
        raise LostComment(next(c for c in comments if any(t in lost for t in _split(c.text))), to)
    return result


def comment_texts(text: str, format: str) -> Counter:
    """The multiset of a policy's comment texts (comments fmt joined on one line counted apart)."""
    return Counter(t for c in find_comments(text, format) for t in _split(c.text))


def _split(text: str) -> list[str]:
    return [t.rstrip() for t in re.split(r"\s+(?=#)", text)]


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def _line_of(starts: list[int], offset: int) -> int:
    from bisect import bisect_right

    return bisect_right(starts, offset)
