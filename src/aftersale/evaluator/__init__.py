"""Rule tree + event → decision: the interpreter, the compiled backend, traces and records."""
