"""Lint files and folders: read, lower, run the checks, filter, sort, cap, print.

Folders are searched for `*.policy`, `*.yaml` and `*.yml`; policy test files
(`*.tests.yaml`), `events/` folders and hidden folders are not policies and are
skipped. Findings are collected for every file, silenced by comments and
settings, sorted by position and capped; examples are built for the findings
that are kept (all errors and warnings, and the info findings that are shown).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from ..diagnostics import AftersaleError, Diagnostic, ERROR, INFO, WARNING, sort_key
from ..locale import message, msg
from ..policy import format_for, lower, read_text
from ..source import Source, Span
from . import config as settings
from .context import Context, Finding
from .registry import tree_checks
from .suppress import ignored

SUFFIXES = (".policy", ".yaml", ".yml")
TEST_SUFFIXES = (".tests.yaml", ".tests.yml")
SKIPPED_DIRS = ("events",)


def is_policy_file(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(SUFFIXES) and not name.endswith(TEST_SUFFIXES)


def discover(paths: list[str]) -> list[Path]:
    """The policy files named or found under the folders named, in a stable order."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise _io_error(raw, f"`{raw}` does not exist")
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and is_policy_file(f) and not any(
                part.startswith(".") or part in SKIPPED_DIRS for part in f.relative_to(p).parts[:-1]))
            if not found:
                raise _io_error(raw, f"no policy files (*.policy, *.yaml, *.yml) under `{raw}`")
            out.extend(found)
        elif is_policy_file(p) or not p.name.lower().endswith(TEST_SUFFIXES):
            out.append(p)
    seen, unique = set(), []
    for f in out:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def _io_error(path: str, message: str) -> AftersaleError:
    return AftersaleError(Diagnostic("io-error", ERROR, message, Span(path, 0, 0, 0, 0)))


@dataclass
class Result:
    shown: list[Diagnostic] = field(default_factory=list)
    hidden: int = 0
    files: int = 0
    errors: int = 0
    warnings: int = 0
    internal: list[str] = field(default_factory=list)
    languages: set[str] = field(default_factory=set)  # the language lines of the policies linted


def findings_for(text: str, fmt: str, filename: str, cfg: settings.Config, internal: list[str] | None = None,
                 languages: set[str] | None = None) -> list[Finding]:
    """Every finding of one policy text, silenced and with the configured severities (examples not built);
    the policy's language line, if any, is added to `languages`."""
    tree, diags = lower(text, fmt, filename)
    if tree is not None and tree.language and languages is not None:
        languages.add(tree.language)
    found = [Finding(d) for d in diags]
    if tree is not None and not any(d.severity == ERROR for d in diags):
        if not tree.rules and not tree.spans:
            src = tree.source or Source(text, filename)
            found.append(Finding(Diagnostic("syntax-error", ERROR, msg("lint.empty"), src.span(0, 0),
                                            help=msg("lint.empty_help"), source=src)))
        else:
            ctx = Context(tree, tree.source, filename, solver_budget=cfg.solver_budget)
            for check in tree_checks(cfg.enabled()):
                try:
                    found.extend(check.run(ctx))
                except RecursionError:
                    continue
                except Exception as exc:  # noqa: BLE001 - a bug in one check must not hide the others
                    if internal is not None:
                        internal.append(f"{filename}: check `{check.name}` failed: {type(exc).__name__}: {exc}")
    return _filter(found, text, cfg)


def _filter(found: list[Finding], text: str, cfg: settings.Config) -> list[Finding]:
    silenced = ignored(text)
    out = []
    for f in found:
        level = cfg.level(f.name)
        if level is None or f.name in silenced.get(f.span.line, ()):
            continue
        if level != f.diagnostic.severity:
            f = Finding(replace(f.diagnostic, severity=level), f.example, f.example_fields)
        out.append(f)
    return out


def _file_findings(path: Path, cfg: settings.Config, internal: list[str], languages: set[str]) -> list[Finding]:
    try:
        text = read_text(path)
    except AftersaleError as err:
        if any(d.name == "io-error" for d in err.diagnostics):
            raise
        return _filter([Finding(d) for d in err.diagnostics], "", cfg)
    return findings_for(text, format_for(path), str(path), cfg, internal, languages)


def run(paths: list[str], *, config: settings.Config | None = None, max_findings: int | None = None) -> Result:
    files = discover([str(p) for p in paths])
    result = Result()
    first = config or settings.find(Path(paths[0]) if paths else Path.cwd())
    cap = first.max_findings if max_findings is None else max_findings
    pending: list[Finding] = []
    for f in files:
        cfg = config or settings.find(f)
        if cfg.excludes(f):
            continue
        result.files += 1
        pending.extend(_file_findings(f, cfg, result.internal, result.languages))
    pending.sort(key=lambda f: sort_key(f.diagnostic))
    kept: list[Finding | Diagnostic] = []
    for f in pending:  # errors and warnings decide the exit code: build their examples now
        if f.diagnostic.severity == INFO:
            kept.append(f)
            continue
        d = f.materialize()
        if d is not None:
            kept.append(d)
    for item in kept:
        d = item if isinstance(item, Diagnostic) else None
        if d is None:
            if cap and len(result.shown) >= cap:
                result.hidden += 1
                continue
            d = item.materialize()
            if d is None:
                continue
        if d.severity == ERROR:
            result.errors += 1
        elif d.severity == WARNING:
            result.warnings += 1
        if cap and len(result.shown) >= cap:
            result.hidden += 1
        else:
            result.shown.append(d)
    return result


def lint_paths(paths: list[str], *, config: dict | None = None, max_findings: int | None = None
               ) -> list[Diagnostic]:
    """The findings for policy files and folders, as `aftersale lint` prints them.

    `config` is a lint table like `[tool.aftersale.lint]` (default: found next to the files).
    """
    cfg = settings.parse(config, "<config>", None) if config is not None else None
    return run(paths, config=cfg, max_findings=max_findings).shown


def lint_text(text: str, format: str = "dsl", filename: str = "<string>", *, config: dict | None = None
              ) -> list[Diagnostic]:
    """Every finding of one policy text, sorted, with examples (no cap)."""
    cfg = settings.parse(config, "<config>", None) if config is not None else settings.Config()
    internal: list[str] = []
    found = findings_for(text, format, filename, cfg, internal)
    if internal:
        raise RuntimeError("; ".join(internal))
    out = [d for d in (f.materialize() for f in sorted(found, key=lambda f: sort_key(f.diagnostic)))
           if d is not None]
    return out


def cli_main(paths: list[str], fmt: str, strict: bool, lang: str | None = None) -> int:
    """`aftersale lint`: print the findings; 1 on errors (and warnings with --strict), else 0.

    Text and GitHub output are in `lang` (`--lang`), else the language line of the one policy linted,
    else LANG; JSON and SARIF never change with the language."""
    import os

    import click

    from ..locale import resolve
    from . import output

    result = run(paths)
    lang = resolve(lang, next(iter(result.languages)) if len(result.languages) == 1 and result.files == 1
                   else None, os.environ)
    if fmt == "json":
        click.echo(output.to_json(result.shown))
    elif fmt == "sarif":
        import json

        click.echo(json.dumps(output.sarif(result.shown), ensure_ascii=False, indent=2))
    elif fmt == "github":
        text = output.github(result.shown, lang)
        if text:
            click.echo(text)
        click.echo(output.summary(result.shown, result.files, result.hidden, lang), err=True)
    else:
        from ..terminal import color_wanted

        click.echo(output.text(result.shown, result.files, result.hidden, color=color_wanted(None), lang=lang))
    for problem in result.internal:
        click.echo(message(lang, "lint.internal", problem=problem), err=True)
    if result.errors or (strict and result.warnings):
        return 1
    return 2 if result.internal else 0


__all__ = ["lint_paths", "lint_text", "cli_main", "run", "discover"]
