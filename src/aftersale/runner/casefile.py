"""Policy test files: a policy, an optional base event, and cases with expected decisions.

    policy: tea-house.policy          # relative to the test file; a list runs every case on each
    base_event: events/base.json      # optional
    cases:
      - name: night return approved
        event: events/AS-1001.json    # a path, an inline mapping, or omitted (the base event)
        set: {request.amount: "299.99", order.delivered_at: null}   # overrides; null removes
        expect: {action: approve_return, rule: off-hours, guards: []}

`expect` needs `action`; `rule` (null: decided by otherwise), `guards` (the
guards that matched, in any order) and `decided_by` (rule, otherwise or
forbidden) are checked when given.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..diagnostics import AftersaleError, Diagnostic, ERROR
from ..events.text import json_problem
from ..locale import Msg, msg
from ..source import Span

TEST_SUFFIXES = (".tests.yaml", ".tests.yml")
#: What a test file may name: a file with another name is refused before it is read, so a test file
#: naming `../.env` or `~/.ssh/id_rsa` never gets any of its text into an error message.
POLICY_SUFFIXES = (".policy", ".yaml", ".yml")
EVENT_SUFFIXES = (".json",)


@dataclass
class Case:
    name: str
    event: dict
    expect: dict
    line: int
    index: int


@dataclass
class CaseFile:
    path: Path
    policy_path: Path
    cases: list[Case] = field(default_factory=list)
    policy_paths: list[Path] = field(default_factory=list)  # every policy the cases run on (policy_path first)

    def __post_init__(self):
        if not self.policy_paths:
            self.policy_paths = [self.policy_path]


def is_case_file(path: Path) -> bool:
    return path.name.endswith(TEST_SUFFIXES)


def _fail(path: Path, message: Msg, line: int = 1) -> AftersaleError:
    return AftersaleError(Diagnostic("invalid-test", ERROR, message, Span(str(path), line, 1, line, 1)))


def apply_overrides(event: dict, overrides: dict, path: Path, line: int) -> dict:
    """A copy of `event` with dotted-path overrides applied (None removes the field)."""
    out = copy.deepcopy(event)
    for dotted, value in overrides.items():
        keys = str(dotted).split(".")
        target = out
        for key in keys[:-1]:
            nxt = target.get(key)
            if nxt is None:
                nxt = target[key] = {}
            if not isinstance(nxt, dict):
                raise _fail(path, msg("case.not_object", dotted=dotted, key=key), line)
            target = nxt
        if value is None:
            target.pop(keys[-1], None)
        else:
            target[keys[-1]] = value
    return out


def _event_from(ref: Any, base_dir: Path, path: Path, line: int) -> dict:
    if isinstance(ref, dict):
        return ref
    if isinstance(ref, str):
        if not ref.lower().endswith(EVENT_SUFFIXES):
            raise _fail(path, msg("case.not_json_file", ref=ref), line)
        file = base_dir / ref
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise _fail(path, msg("case.cannot_read_event", ref=str(ref), reason=str(exc.strerror)), line) from None
        except json.JSONDecodeError as exc:
            raise _fail(path, msg("case.event_json", ref=str(ref), problem=json_problem(exc.msg),
                                  line=str(exc.lineno)), line) from None
        except (ValueError, RecursionError) as exc:  # not UTF-8, a 5,000-digit integer, nested too deeply
            reason = msg("case.too_deep") if isinstance(exc, RecursionError) else str(exc).split(";")[0][:100]
            raise _fail(path, msg("case.event_unreadable", ref=str(ref), reason=reason), line) from None
    raise _fail(path, msg("case.event_shape"), line)


def _key_line(root, key: str) -> int:
    node = next((k for k, _ in getattr(root, "value", ()) if getattr(k, "value", None) == key), None)
    return node.start_mark.line + 1 if node is not None else 1


def load_case_file(path: str | Path) -> CaseFile:
    """Read and check a test file (schema/tests.json); events are built but not yet validated."""
    from ..schema import validator

    path = Path(path)
    from ..syntax.yaml_front import check_yaml, yaml_problem

    try:
        text = path.read_text(encoding="utf-8")
        refused = check_yaml(text)  # billion laughs, deep nesting, !!python tags: refused as in policies
        if refused is not None:
            raise _fail(path, refused[0], text.count("\n", 0, refused[1]) + 1)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except OSError as exc:
        raise _fail(path, msg("error.cannot_read", path=str(path), reason=str(exc.strerror))) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise _fail(path, yaml_problem(exc.problem), mark.line + 1 if mark else 1) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise _fail(path, yaml_problem(str(exc))) from None
    errors = list(validator("tests").iter_errors(data))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        raise _fail(path, msg("event.schema", where=where, message=e.message))
    case_nodes = next((v for k, v in root.value if k.value == "cases"), None)
    lines = [n.start_mark.line + 1 for n in case_nodes.value] if case_nodes is not None else []
    base_dir = path.parent
    base = _event_from(data["base_event"], base_dir, path, 1) if "base_event" in data else None
    policies = data["policy"] if isinstance(data["policy"], list) else [data["policy"]]
    for p in policies:
        if not str(p).lower().endswith(POLICY_SUFFIXES) or str(p).lower().endswith(TEST_SUFFIXES):
            raise _fail(path, msg("case.not_policy", policy=str(p)), _key_line(root, "policy"))
    out = CaseFile(path, base_dir / policies[0], policy_paths=[base_dir / p for p in policies])
    for i, raw in enumerate(data["cases"]):
        line = lines[i] if i < len(lines) else 1
        if "event" in raw:
            event = _event_from(raw["event"], base_dir, path, line)
        elif base is not None:
            event = base
        else:
            raise _fail(path, msg("case.no_event", case=raw["name"]), line)
        event = apply_overrides(event, raw.get("set") or {}, path, line)
        out.cases.append(Case(raw["name"], event, raw["expect"], line, i))
    return out
