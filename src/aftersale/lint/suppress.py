"""Suppression comments: `# aftersale: ignore[shadowed-rule]` silences that finding on its line.

Several names may be listed, separated by commas. The comment works in DSL and
YAML alike (both use `#`), and only for the names it lists: there is no
blanket ignore, so a new kind of finding is never hidden by an old comment.

>>> sorted(ignored("rule a: escalate requests  # aftersale: ignore[shadowed-rule, conflicting-rules]\\n")[1])
['conflicting-rules', 'shadowed-rule']
"""
from __future__ import annotations

import re

COMMENT = re.compile(r"#.*?\baftersale\s*:\s*ignore\s*\[([^\]]*)\]")


def ignored(text: str) -> dict[int, set[str]]:
    """Line number → finding names silenced on that line."""
    out: dict[int, set[str]] = {}
    if "aftersale" not in text:
        return out
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        for m in COMMENT.finditer(line):
            names = {n.strip() for n in m.group(1).split(",") if n.strip()}
            if names:
                out.setdefault(number, set()).update(names)
    return out
