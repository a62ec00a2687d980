"""aftersale: a policy language for e-commerce after-sales auto-resolution.

>>> import aftersale
>>> policy = aftersale.compile('policy "demo"\\nrule small: auto-refund refunds up to ¥30\\n')
>>> policy.decide({"id": "A1", "platform": "douyin", "at": "2026-11-21T10:00:00+08:00",
...     "request": {"kind": "refund_only", "reason": "lost", "amount": "12.00",
...                 "created_at": "2026-11-21T09:00:00+08:00", "status": "pending_merchant"},
...     "order": {"paid_amount": "12.00"}}).action
'approve_refund'
"""
from .diagnostics import AftersaleError, Diagnostic
from .policy import Policy, compile, load

__version__ = "0.1.0"


def lint(*paths, **options):
    """Lint policy files or folders; returns the findings (Diagnostic objects) as lint prints them."""
    from .lint import lint_paths

    return lint_paths(list(paths), **options)


__all__ = ["AftersaleError", "Diagnostic", "Policy", "compile", "load", "lint", "__version__"]
