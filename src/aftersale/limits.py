"""Every limit aftersale enforces, in one place.

A policy or an event over a limit is refused with an `AftersaleError` whose
message names the limit; nothing is truncated silently. The limits keep the
front ends fast and free of deep recursion on hostile input: each check runs
before the expensive step it protects (a cheap scan before the LALR parse, a
byte count before JSON decoding). Values are far above what real policies and
events use. The YAML policy schema (`schema/policy.json`) repeats the ones a
schema can say; a test keeps the two in step.

>>> MAX_NESTING, MAX_TERMS, MAX_RULES
(64, 1000, 1000)
"""
from __future__ import annotations

# -- policies -------------------------------------------------------------------

#: Characters in one policy file (DSL or YAML).
MAX_SOURCE_CHARS = 1_000_000
#: Rules (guards included) in one policy.
MAX_RULES = 1_000
#: Terms in one rule's condition: each `and`, `or`, `not`, `+`, `-` and `,` (between a function's
#: arguments) adds one; the items of a list `[...]` are data and do not count; in a sentence its joining words, dashes and commas count too. Counted before
#: parsing, so that a huge condition is refused at once instead of costing the parser seconds.
MAX_TERMS = 1_000
#: Levels of nesting in one condition: parentheses and brackets, `not`, and/or
#: inside each other, chains of `+` and `-`.
MAX_NESTING = 64
#: Characters in one number literal (digits and the decimal point), money, percent and durations included.
MAX_NUMBER_CHARS = 30
#: Characters in one quoted string literal.
MAX_STRING_CHARS = 1_000
#: Characters in a policy's name, a rule's title, a rule's id and a sentence rule's sentence
#: (the same as schema/policy.json, so both formats accept the same policies).
MAX_NAME_CHARS = 200
MAX_TITLE_CHARS = 300
MAX_ID_CHARS = 100
MAX_SENTENCE_CHARS = 2_000

#: Bytes in one list file (`list NAME from "FILE"`): about a million SKUs. Its values are set
#: members, not terms; each is at most MAX_STRING_CHARS characters.
MAX_LIST_CHARS = 16_000_000

# -- YAML -----------------------------------------------------------------------

#: Values a YAML policy may hold once its aliases are expanded (a billion-laughs file is refused).
MAX_YAML_VALUES = 100_000
#: Levels of YAML mappings and lists inside each other: room for a condition nested MAX_NESTING
#: levels, each `all:`/`any:` a mapping and a list (so any DSL policy converts to YAML).
MAX_YAML_DEPTH = 2 * MAX_NESTING + 8

# -- events ---------------------------------------------------------------------

#: Years a timestamp may have (an event's, or one a policy computes with `+`/`-`): far enough from
#: 1 and 9999 that reading it in any time zone never overflows. Computed ones outside are missing.
MIN_YEAR, MAX_YEAR = 2, 9998
#: Bytes (UTF-8) in one event: one JSON Lines line, or a whole JSON document.
MAX_EVENT_BYTES = 1_000_000
#: Problems reported for one invalid event (the rest are counted, not listed).
MAX_EVENT_PROBLEMS = 20


def describe() -> list[tuple[str, str]]:
    """(limit, what it bounds) for documentation and `--help` text."""
    return [
        (f"{MAX_SOURCE_CHARS:,} characters", "in a policy file"),
        (f"{MAX_RULES:,} rules", "in a policy"),
        (f"{MAX_TERMS:,} terms", "in one rule's condition (each and, or, not, +, -, `,` adds one)"),
        (f"{MAX_NESTING} levels", "of nesting in one condition"),
        (f"{MAX_NUMBER_CHARS} characters", "in a number"),
        (f"{MAX_STRING_CHARS:,} characters", "in a quoted string"),
        (f"{MAX_NAME_CHARS} / {MAX_TITLE_CHARS} / {MAX_ID_CHARS} / {MAX_SENTENCE_CHARS:,} characters",
         "in a policy name / rule title / rule id / sentence"),
        (f"{MAX_YAML_VALUES:,} values", "in a YAML policy after alias expansion"),
        (f"{MAX_YAML_DEPTH} levels", "of YAML nesting"),
        (f"{max(MAX_RULES, MAX_TERMS):,} items", "in a YAML list"),
        (f"{MAX_EVENT_BYTES:,} bytes", "in one event"),
        (f"years {MIN_YEAR} to {MAX_YEAR}", "in a timestamp (one computed outside is missing)"),
    ]
