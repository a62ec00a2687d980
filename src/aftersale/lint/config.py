"""Lint settings from `[tool.aftersale.lint]` in pyproject.toml, or `[lint]` in aftersale.toml.

The nearest file above a linted file wins (aftersale.toml before pyproject.toml
in the same folder; a pyproject.toml without the table is passed over):

```toml
[tool.aftersale.lint]
disable = ["conflicting-rules"]          # findings not to report
max-findings = 50                        # findings shown at most (0: all)
exclude = ["legacy/*.policy"]            # paths (globs, from this file's folder) not to lint
[tool.aftersale.lint.severity]
redundant-condition = "error"            # error, warning, info, or "off"
```
A bad setting is an input error (exit code 2) that names the file and the key.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import AftersaleError, Diagnostic, ERROR, did_you_mean, did_you_mean_msg
from ..locale import Msg, msg
from ..source import Span
from .registry import CHECKS, SEVERITIES

KEYS = ("disable", "severity", "max-findings", "exclude", "solver-budget")
DEFAULT_MAX_FINDINGS = 100


@dataclass(frozen=True)
class Config:
    severity: dict = field(default_factory=dict)   # name -> severity or "off"
    max_findings: int = DEFAULT_MAX_FINDINGS
    exclude: tuple[str, ...] = ()
    root: Path | None = None                         # the folder of the file it came from
    file: str | None = None
    solver_budget: int | None = None                 # solver resource units per policy (None: the default)

    def level(self, name: str) -> str | None:
        """The severity a finding is reported with, or None when it is switched off."""
        level = self.severity.get(name)
        if level == "off":
            return None
        if level is not None:
            return level
        check = CHECKS.get(name)
        return check.severity if check else ERROR

    def enabled(self) -> list[str]:
        return [n for n in CHECKS if self.level(n) is not None]

    def excludes(self, path: Path) -> bool:
        if not self.exclude or self.root is None:
            return False
        try:
            rel = path.resolve().relative_to(self.root.resolve())
        except ValueError:
            return False
        return any(rel.match(g) or rel.as_posix() == g.rstrip("/") or
                   any(part == g.rstrip("/") for part in rel.parts[:-1]) for g in self.exclude)


def _bad(file: str, message: Msg, help_: Msg | None = None) -> AftersaleError:
    return AftersaleError(Diagnostic("invalid-config", ERROR, message, Span(file, 1, 1, 1, 1), help=help_))


def _unknown(file: str, message: Msg, word: str, known, kind: str) -> AftersaleError:
    """A bad setting that names something unknown: the nearest known name, else the list of them."""
    hint = did_you_mean(word, known)
    return _bad(file, message, did_you_mean_msg(hint) if hint else msg(f"config.known_{kind}", names=", ".join(known)))


def _name(file: str, key: str, name) -> str:
    if not isinstance(name, str) or name not in CHECKS:
        raise _unknown(file, msg("config.not_a_finding", key=key, name=str(name)), str(name), CHECKS, "findings")
    return name


def parse(table: dict, file: str, root: Path | None) -> Config:
    """A Config from the lint table's contents (raises AftersaleError for bad settings)."""
    if not isinstance(table, dict):
        raise _bad(file, msg("config.not_table"))
    for key in table:
        if key not in KEYS:
            raise _unknown(file, msg("config.unknown_setting", key=key), key, KEYS, "settings")
    severity: dict[str, str] = {}
    disable = table.get("disable", [])
    if not isinstance(disable, list):
        raise _bad(file, msg("config.disable"))
    for name in disable:
        severity[_name(file, "disable", name)] = "off"
    levels = table.get("severity", {})
    if not isinstance(levels, dict):
        raise _bad(file, msg("config.severity_table"))
    for name, level in levels.items():
        _name(file, "severity", name)
        if level not in SEVERITIES + ("off",):
            raise _bad(file, msg("config.severity", level=str(level), name=name))
        severity.setdefault(name, level)
    cap = table.get("max-findings", DEFAULT_MAX_FINDINGS)
    if not isinstance(cap, int) or isinstance(cap, bool) or cap < 0:
        raise _bad(file, msg("config.max_findings"))
    exclude = table.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(g, str) for g in exclude):
        raise _bad(file, msg("config.exclude"))
    budget = table.get("solver-budget")
    if budget is not None and (not isinstance(budget, int) or isinstance(budget, bool) or budget < 1):
        raise _bad(file, msg("config.budget"), msg("config.budget_help"))
    return Config(severity, cap, tuple(exclude), root, file, solver_budget=budget)


def _from_folder(folder: Path) -> Config | None:
    for name, getter in (("aftersale.toml", lambda d: d.get("lint")),
                         ("pyproject.toml", lambda d: d.get("tool", {}).get("aftersale", {}).get("lint"))):
        path = folder / name
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise _bad(str(path), msg("error.cannot_read", path=str(path), reason=str(exc))) from None
        table = getter(data)
        if table is None:
            if name == "aftersale.toml":
                return Config(root=folder, file=str(path))
            continue
        return parse(table, str(path), folder)
    return None


def find(start: Path) -> Config:
    """The settings for a file or folder: from the nearest config file above it, else the defaults."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for d in (folder, *folder.parents):
        found = _from_folder(d)
        if found is not None:
            return found
    return Config()
