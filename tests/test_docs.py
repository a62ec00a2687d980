"""Every module's doctests run, so the examples in docstrings stay true."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import aftersale


def modules() -> list[str]:
    names = ["aftersale"]
    for info in pkgutil.walk_packages(aftersale.__path__, prefix="aftersale."):
        if info.name != "aftersale.__main__":  # running it would start the command
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", modules())
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctests failed in {name}"


def test_the_public_api_is_documented():
    for name in aftersale.__all__:
        if name != "__version__":
            assert getattr(aftersale, name).__doc__, name
