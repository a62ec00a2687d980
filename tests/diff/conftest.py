from tests.hardening import conftest  # noqa: F401 - the hardening hypothesis profile (no deadline)
