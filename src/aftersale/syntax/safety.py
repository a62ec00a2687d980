"""Source text that would read as something other than what it means (issue 9, item 4).

Shared by the front end (time zones, digits in numbers) and lint's `confusable-text` check.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

#: Keys zoneinfo accepts that are not places: they make a decision depend on the host's settings.
HOST_ZONES = frozenset({"localtime", "posixrules", "Factory"})

#: Full-width digits `０`-`９`, which Chinese input methods type: read as 0-9 without a word.
FULLWIDTH_DIGITS = {0xFF10 + i: str(i) for i in range(10)}


@lru_cache(maxsize=1)
def canonical_zones() -> frozenset[str]:
    """The IANA zone names of the `tzdata` package (the same on every host), without the host's own keys."""
    try:
        from importlib.resources import files

        names = files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    except (ImportError, OSError):  # pragma: no cover - tzdata is a dependency; the OS list is the fallback
        from zoneinfo import available_timezones

        names = available_timezones()
    return frozenset(names) - HOST_ZONES


def ascii_digits(text: str) -> str:
    """`text` with full-width digits made ASCII; ValueError for any other digit that is not 0-9.

    Python reads `৪00` (Bengali) as 400 while it looks like 800: such digits are refused, not guessed.
    """
    text = text.translate(FULLWIDTH_DIGITS)
    for ch in text:
        if ch.isdigit() and not ch.isascii():
            name = unicodedata.name(ch, f"U+{ord(ch):04X}").lower()
            raise ValueError(f"`{text}` has the digit `{ch}` ({name}), which is not 0-9: write numbers with "
                             f"the digits 0-9")
    return text
