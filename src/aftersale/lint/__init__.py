"""`aftersale lint`: every mistake a policy can hold, found before it ships.

Checks, one module per family, registered by name in `registry.TABLE`:

- the front end (`syntax-error`, `unknown-field`, `type-mismatch`, ...) comes from lowering;
- `semantic.py`: shadowed, unsatisfiable and conflicting rules, redundant conditions, rules whose
  action never applies (`action-never-applies`),
  decided exactly (`analysis.py`: value sets, boxes, and z3 for what they cannot decide);
- `domain.py`: the policy against the platforms' published rules (`platforms.py`);
- `service_hours.py`: off-hours rules in a policy without service hours.

>>> import aftersale
>>> [d.name for d in lint_text('policy "p"\\nrule a: auto-refund refunds up to ¥30\\nrule b: auto-refund refunds up to ¥20\\n')]
['shadowed-rule']
"""
from __future__ import annotations

from .runner import cli_main, lint_paths, lint_text

__all__ = ["cli_main", "lint_paths", "lint_text"]


class _CallableModule(__import__("types").ModuleType):
    """`aftersale.lint(*paths)` keeps working once this package is imported.

    Importing `aftersale.lint` makes the package an attribute of `aftersale`,
    replacing the `aftersale.lint()` function of the contract's Python API; a
    callable module keeps both spellings (`aftersale.lint("policies/")` and
    `from aftersale.lint import lint_paths`).
    """

    def __call__(self, *paths, **options):
        return lint_paths(list(paths), **options)


__import__("sys").modules[__name__].__class__ = _CallableModule
