"""Hypothesis settings for the hardening tests.

The default run keeps a few hundred generated inputs (a third of what AFTERSALE_EXAMPLES=full runs,
see tests/conftest.py); the tests marked `slow` (`pytest -m slow tests/hardening`) run 10,000 and more.
The example database lives in .hypothesis/ (git-ignored), so a failure found
once is replayed first next time.
"""
from hypothesis import HealthCheck, settings

settings.register_profile(
    "hardening",
    deadline=None,  # the first compile builds the Lark parser; timing is not what these tests check
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.load_profile("hardening")
