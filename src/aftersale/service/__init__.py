"""The decision service (`aftersale serve`): decide where requests arrive, keep every decision.

- `core.py`    the service without HTTP: decide and store, rechecks, policy versions
- `app.py`     the FastAPI app: thin path functions, dependencies for the token, the store and the body
- `metrics.py` Prometheus metrics
- `tests.py`   a policy's tests sent with it, run before it is published

The web stack is the optional `serve` extra; `require()` says how to install it.
"""
from __future__ import annotations

from ..diagnostics import AftersaleError, Diagnostic, ERROR
from ..source import Span

EXTRA_MODULES = ("fastapi", "uvicorn", "sqlalchemy", "alembic", "prometheus_client")


def require() -> None:
    """Raise AftersaleError (exit 2) naming the extra to install when the web stack is missing."""
    import importlib.util

    missing = [m for m in EXTRA_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise AftersaleError(Diagnostic(
            "missing-extra", ERROR, f"the decision service needs {', '.join(missing)}: "
            "install aftersale[serve] (pip install 'aftersale[serve]')", Span("<install>", 1, 1, 1, 1)))
