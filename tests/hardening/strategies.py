"""Hypothesis strategies for hardening: generated policies (rule trees) and events.

Policies are built as rule trees (`aftersale.rules`) from the tables the
language is defined by: the fields and their types (derived from the event
schema), the functions table, the comparison and arithmetic rules of the
checker, and the sentence vocabulary. The formatter turns a tree into DSL or
YAML text, so every generated tree is also generated text. Events are built by
walking `schema/event.json`, with values drawn near the thresholds policies use
(¥300, 48h, service-hour edges, holidays) so that conditions go both ways.

Every generated tree is one the front ends accept: the tests prove that
`compile(to_dsl(tree)).tree == tree`.
"""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from functools import lru_cache

from hypothesis import strategies as st

import aftersale
from aftersale import rules as ir
from aftersale.events.fields import FIELDS, ITEM_FIELDS
from aftersale.functions import FUNCTIONS
from aftersale.hours import ServiceHours
from aftersale.schema import load_schema
from aftersale.syntax.vocabulary import MODIFIERS, NOUNS, QUALIFIERS, VERBS
from aftersale.values import (ANY, BOOL, DATE, DURATION, ENUM, LIST, MONEY, NUMBER, TEXT, TIME, TIMESTAMP,
                              WEEKDAYS, Type)

ORDERED = (MONEY, NUMBER, DURATION, TIMESTAMP, TIME, DATE)

# -- value pools: near the thresholds policies use --------------------------------

AMOUNTS = ("0", "0.01", "29.99", "30", "129.00", "299.99", "300", "300.00", "300.01", "1000", "99999.99")
WORDS = ("food", "apparel", "medicine", "tea", "electronics", "gift", "fresh", "x_1")
TEXTS = ("", "SF", "SF123", "a b", "quote \" inside", "back\\slash", "hash # sign", "new\nline", "tab\there",
         "rule x: escalate requests", " and or not ", "茶叶", "emoji 🍵", "line\u2028sep", "nel\x85", "ctl\x01",
         "x" * 60)
DURATIONS = ("0m", "30m", "1h", "24h", "40h", "48h", "2d", "7d", "1d12h", "90m", "999999d")
TIMES = (time(0, 0), time(8, 59), time(9, 0), time(12, 30), time(17, 59), time(18, 0), time(22, 14), time.max)
DATES = (date(2026, 10, 1), date(2026, 11, 11), date(2026, 2, 14), date(2027, 1, 1))
BASE = datetime(2026, 11, 21, 22, 14, tzinfo=timezone(timedelta(hours=8)))  # a Saturday night
MOMENTS = tuple(datetime(2026, m, d, h, mi, tzinfo=timezone(timedelta(hours=8)))
                for m, d, h, mi in ((10, 1, 10, 0), (9, 28, 9, 0), (2, 14, 9, 30), (11, 20, 17, 59),
                                    (11, 20, 18, 0), (11, 23, 8, 59), (11, 23, 9, 0), (11, 21, 22, 14))) + (
    datetime(2, 1, 2, 12, 0, tzinfo=timezone.utc), datetime(9998, 12, 30, 12, 0, tzinfo=timezone.utc))  # the ends
OFFSETS = (timedelta(hours=8), timedelta(0), timedelta(hours=-5), timedelta(hours=5, minutes=30),
           timedelta(hours=14), timedelta(hours=-12))
ZONES = ("Asia/Shanghai", "UTC", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati", "Europe/London")
HOURS_SPECS = (None, "mon-fri 09:00-18:00", "mon-fri 09:00-18:00, sat 10:00-16:00",
               "mon-fri 09:00-12:00 13:30-18:00, sat-sun 10:00-16:00", "daily 00:00-24:00", "sun 22:00-24:00",
               "fri-mon 08:00-09:00")
NAMES = ("Tea House after-sales", "", "名字", "quote \" and \\ back", "hash # not a comment", "x" * 200,
         "trailing space ", "line\u2028sep")


# -- expressions, by type ------------------------------------------------------------

def _field_paths(type_: Type, item: bool) -> list[tuple[str, ...]]:
    paths = [tuple(p.split(".")) for p, info in FIELDS.items() if info.type is type_]
    if item:
        paths += [("item", *p.split(".")) for p, info in ITEM_FIELDS.items() if info.type is type_]
    return sorted(paths)


def _enum_values(path: tuple[str, ...]) -> tuple[str, ...]:
    info = ITEM_FIELDS.get(".".join(path[1:])) if path[0] == "item" else FIELDS.get(".".join(path))
    return info.values if info else ()


@lru_cache(maxsize=None)  # strategies are built once: building them is what costs
def fields(type_: Type, item: bool = False):
    paths = _field_paths(type_, item)
    return st.sampled_from(paths).map(lambda p: ir.Field(p, type_)) if paths else st.nothing()


@lru_cache(maxsize=None)  # strategies are built once: building them is what costs
def literals(type_: Type):
    """Literals as the front ends build them (`text` is display only and never compared)."""
    if type_ is MONEY:
        return st.sampled_from(AMOUNTS).map(lambda a: ir.Literal(Decimal(a), MONEY, "¥" + a))
    if type_ is NUMBER:
        plain = st.sampled_from(("0", "1", "2", "3", "0.5", "12", "1000")).map(
            lambda n: ir.Literal(Decimal(n), NUMBER, n))
        percent = st.sampled_from(("0", "12", "60", "100", "0.5")).map(
            lambda n: ir.Literal(Decimal(n) / 100, NUMBER, n + "%"))
        return plain | percent
    if type_ is DURATION:
        from aftersale.values import parse_duration

        return st.sampled_from(DURATIONS).map(lambda d: ir.Literal(parse_duration(d), DURATION, d))
    if type_ is TIME:
        return st.sampled_from(TIMES).map(lambda t: ir.Literal(t, TIME, ""))
    if type_ is DATE:
        return st.sampled_from(DATES).map(lambda d: ir.Literal(d, DATE, d.isoformat()))
    if type_ is TEXT:
        return st.sampled_from(TEXTS + WORDS).map(lambda s: ir.Literal(s, TEXT, json.dumps(s)))
    if type_ is BOOL:
        return st.booleans().map(lambda b: ir.Literal(b, BOOL, str(b).lower()))
    return st.nothing()


@lru_cache(maxsize=None)  # strategies are built once: building them is what costs
def _calls(returns: Type, item: bool, depth: int):
    options = []
    for fn in FUNCTIONS.values():
        if fn.returns is returns:
            args = st.tuples(*(values(p, item, depth - 1) for p in fn.params))
            options.append(args.map(lambda a, name=fn.name: ir.Call(name, a)))
    return st.one_of(options) if options else st.nothing()


_ARITH = {  # result type → (op, left type, right type) the lowering accepts
    MONEY: (("+", MONEY, MONEY), ("-", MONEY, MONEY), ("+", MONEY, NUMBER), ("-", NUMBER, MONEY)),
    NUMBER: (("+", NUMBER, NUMBER), ("-", NUMBER, NUMBER)),
    DURATION: (("+", DURATION, DURATION), ("-", TIMESTAMP, TIMESTAMP)),
    TIMESTAMP: (("+", TIMESTAMP, DURATION), ("-", TIMESTAMP, DURATION)),
}


@lru_cache(maxsize=None)  # strategies are built once: building them is what costs
def values(type_: Type, item: bool = False, depth: int = 2):
    """Expressions whose static type is `type_`."""
    options = [fields(type_, item)] if _field_paths(type_, item) else []
    if type_ is not TIMESTAMP:
        options.append(literals(type_))
    if depth > 0:
        options.append(_calls(type_, item, depth))
        if type_ in _ARITH:
            options.extend(st.builds(lambda a, b, op=op: ir.Arith(op, a, b, type_),
                                     values(lt, item, depth - 1), values(rt, item, depth - 1))
                           for op, lt, rt in _ARITH[type_])
        if type_ is NUMBER and not item:
            options.append(st.builds(lambda c: ir.Quantifier("count", ir.Field(("order", "items"), LIST), c),
                                     st.none() | conditions(True, depth - 1)))
    return st.one_of([o for o in options if not o.is_empty])


@lru_cache(maxsize=None)  # strategies are built once: building them is what costs
def _enum_compare(item: bool, depth: int):
    paths = [p for p in _field_paths(ENUM, item) if _enum_values(p)]
    by_field = st.one_of([st.tuples(st.just(ir.Field(p, ENUM)),
                                    st.lists(st.sampled_from(_enum_values(p)), min_size=1, max_size=3))
                          for p in paths])
    weekday = st.tuples(st.builds(lambda ts: ir.Call("weekday", (ts,)), values(TIMESTAMP, item, 0)),
                        st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=3))

    def build(pair, op, negated):
        subject, options = pair
        lits = tuple(ir.Literal(v, ENUM, v) for v in options)
        if len(lits) == 1:
            return ir.Compare(op, subject, lits[0])
        return ir.InList(subject, lits, negated)

    return st.builds(build, by_field | weekday, st.sampled_from(("==", "!=")), st.booleans())


@lru_cache(maxsize=None)  # strategies are built once: building them is what costs
def comparisons(item: bool, depth: int):
    ordered = st.one_of([st.builds(ir.Compare, st.sampled_from(("==", "!=", "<", "<=", ">", ">=")),
                                   values(t, item, depth), values(t, item, depth)) for t in ORDERED]
                        + [st.builds(ir.Between, values(t, item, depth), values(t, item, depth),
                                     values(t, item, depth)) for t in ORDERED])
    money_number = st.builds(ir.Compare, st.sampled_from(("<", ">=")), values(MONEY, item, depth),
                             values(NUMBER, item, depth))
    text = st.one_of(
        st.builds(ir.Compare, st.sampled_from(("==", "!=")), values(TEXT, item, depth), values(TEXT, item, depth)),
        st.builds(lambda s, ws, neg: ir.InList(s, tuple(ir.Literal(w, ENUM, w) for w in ws), neg),
                  fields(TEXT, item), st.lists(st.sampled_from(WORDS), min_size=1, max_size=3), st.booleans()),
        st.builds(lambda s, w: ir.Compare("==", s, ir.Literal(w, ENUM, w)), fields(TEXT, item),
                  st.sampled_from(WORDS)),
    )
    presence = st.builds(ir.Presence, st.sampled_from(
        [ir.Field(p, info.type) for p, info in ((tuple(k.split(".")), v) for k, v in FIELDS.items())
         if info.type not in (ANY, LIST)]), st.booleans())
    return st.one_of(ordered, money_number, text, _enum_compare(item, depth), presence)


@lru_cache(maxsize=None)  # strategies are built once: building them is what costs
def conditions(item: bool = False, depth: int = 3):
    """Expressions that are true or false (static type BOOL), `depth` levels of and/or/not at most."""
    leaves = [comparisons(item, 1), fields(BOOL, item), _calls(BOOL, item, 1)]
    if depth <= 0:
        return st.one_of(leaves)
    inner = conditions(item, depth - 1)
    options = leaves + [
        st.lists(inner, min_size=2, max_size=4).map(lambda xs: ir.And(tuple(xs))),
        st.lists(inner, min_size=2, max_size=4).map(lambda xs: ir.Or(tuple(xs))),
        inner.map(ir.Not),
    ]
    if not item:
        options.append(st.builds(lambda k, c: ir.Quantifier(k, ir.Field(("order", "items"), LIST), c),
                                 st.sampled_from(("any", "all")), conditions(True, depth - 1)))
    return st.one_of(options)


# -- sentences ----------------------------------------------------------------------------

def _fill(pattern: str, draw) -> str:
    out = []
    for word in pattern.split():
        if word == "{money}":
            a = draw(st.sampled_from(("1", "30", "299.99", "300", "1000")))
            out.append(draw(st.sampled_from((f"¥{a}", a, f"{a} CNY", f"{a}元"))))
        elif word == "{count}":
            out.append(str(draw(st.integers(0, 30))))
        elif word == "{duration}":
            out.append(draw(st.sampled_from(DURATIONS)))
        elif word == "{word}":
            out.append(draw(st.sampled_from(WORDS)))
        elif word == "{words}":
            ws = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
            out.append(draw(st.sampled_from((", ", " or "))).join(ws))
        elif word == "{expr}":
            from aftersale.syntax.fmt import expr_text

            text = expr_text(draw(conditions(depth=1)))
            if "#" in text or "\n" in text:  # a sentence is one line; `#` would start a comment
                text = "buyer.risk_passed"
            out.append(text)
        else:
            out.append(word)
    return " ".join(out)


@st.composite
def sentences(draw) -> str:
    """Sentence text from the vocabulary: [never] VERB QUALIFIER* NOUN MODIFIER*."""
    guard = draw(st.booleans())
    verb = draw(st.sampled_from(sorted(v for v in VERBS if not guard or VERBS[v].forbids)))
    words = (["never"] if guard else []) + [verb]
    reasons = draw(st.lists(st.sampled_from(sorted(QUALIFIERS)), max_size=3, unique=True))
    if reasons:
        words.append(draw(st.sampled_from((" or ", ", "))).join(reasons))
    nouns = sorted(n for n in NOUNS if guard or VERBS[verb].action is not None or NOUNS[n] is not None)
    words.append(draw(st.sampled_from(nouns)))
    mods = draw(st.lists(st.sampled_from([m for m in MODIFIERS if "{expr}" not in m.pattern]), max_size=3))
    for i, m in enumerate(mods):
        words.append(("and " if i and draw(st.booleans()) else "") + _fill(m.pattern, draw))
    if draw(st.integers(0, 4)) == 0:
        words.append(_fill("where {expr}", draw))
    return " ".join(words)


@lru_cache(maxsize=4096)
def sentence_rule(sentence: str) -> ir.Rule | None:
    """The rule tree of a sentence, as the DSL front end lowers it (None if the sentence is refused)."""
    try:
        return aftersale.compile(f"rule s: {sentence}\n").tree.rules[0]
    except aftersale.AftersaleError:
        return None


# -- rules and policies ---------------------------------------------------------------------

@st.composite
def block_rules(draw, rule_id: str) -> ir.Rule:
    title = draw(st.none() | st.sampled_from(NAMES[1:]))
    when = draw(conditions())
    if draw(st.integers(0, 3)) == 0:
        forbids = tuple(draw(st.lists(st.sampled_from(ir.ACTIONS), min_size=1, max_size=3, unique=True)))
        return ir.Rule(rule_id, when, None, forbids, title or None)
    return ir.Rule(rule_id, when, draw(st.sampled_from(ir.ACTIONS)), (), title or None)


@st.composite
def sentence_rules(draw, rule_id: str) -> ir.Rule:
    text = draw(sentences())
    rule = sentence_rule(text)
    if rule is None:  # a combination the vocabulary refuses: a plain sentence instead
        rule = sentence_rule("escalate requests")
    title = draw(st.none() | st.sampled_from(NAMES[1:]))
    return ir.Rule(rule_id, rule.when, rule.action, rule.forbids, title or None, rule.sentence)


def hours(spec: str | None):
    return None if spec is None else ServiceHours.parse(spec)


@st.composite
def policies(draw, max_rules: int = 6) -> ir.Policy:
    """A rule tree that both front ends accept."""
    n = draw(st.integers(0, max_rules))
    ids = draw(st.lists(st.from_regex(r"[a-z][a-z0-9_-]{0,12}", fullmatch=True), min_size=n, max_size=n,
                        unique=True))
    rules = tuple(draw(st.one_of(block_rules(i), sentence_rules(i))) for i in ids)
    return ir.Policy(
        name=draw(st.sampled_from(NAMES)) or "unnamed",
        rules=rules,
        platform=draw(st.none() | st.sampled_from(("douyin", "kuaishou", "other"))),
        timezone=draw(st.sampled_from(ZONES)),
        service_hours=hours(draw(st.sampled_from(HOURS_SPECS))),
        holidays=draw(st.none() | st.just("cn")),
        otherwise=draw(st.sampled_from(ir.ACTIONS)),
    )


# -- events, from the event schema ------------------------------------------------------------

def _timestamp(draw) -> str:
    moment = draw(st.sampled_from(MOMENTS + (BASE,)))
    if moment.year in (2, 9998):  # the ends of the range events may use: no step past them
        return moment.astimezone(timezone(draw(st.sampled_from(OFFSETS)))).isoformat()
    moment += timedelta(minutes=draw(st.sampled_from((0, 1, -1, 60, -60 * 24, -60 * 41, -60 * 49, 60 * 24 * 8))))
    offset = draw(st.sampled_from(OFFSETS))
    local = moment.astimezone(timezone(offset))
    text = local.isoformat()
    if offset == timedelta(0) and draw(st.booleans()):
        text = text.replace("+00:00", "Z")
    return text


def _money(draw):
    a = draw(st.sampled_from(AMOUNTS))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return Decimal(a)
    if kind == 1 and "." not in a:
        return int(a)
    return a


def _from_schema(draw, schema: dict, root: dict, name: str):
    if "$ref" in schema:
        ref = schema["$ref"].rsplit("/", 1)[-1]
        if ref == "money":
            return _money(draw)
        if ref == "timestamp":
            return _timestamp(draw)
        return _from_schema(draw, root["$defs"][ref], root, name)
    if "enum" in schema:
        return draw(st.sampled_from(schema["enum"]))
    kind = schema.get("type")
    if kind == "object":
        out = {}
        required = set(schema.get("required", ()))
        for key, sub in schema.get("properties", {}).items():
            if key in required or draw(st.integers(0, 3)) > 0:
                out[key] = _from_schema(draw, sub, root, key)
        return out
    if kind == "array":
        n = draw(st.integers(0, min(4, schema.get("maxItems", 4))))
        return [_from_schema(draw, schema["items"], root, name) for _ in range(n)]
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "integer":
        return draw(st.integers(schema.get("minimum", 0), min(schema.get("maximum", 100), 100)))
    if kind == "number":
        return draw(st.sampled_from((0, 0.12, 0.6, 1, Decimal("0.6"), Decimal("0.59"), 0.61)))
    if kind == "string":
        if name in ("category",):
            return draw(st.sampled_from(WORDS))
        if name == "id":
            return draw(st.sampled_from(("AS-1001", "E", "名字", "x" * 200, "quote \"")))
        return draw(st.sampled_from(TEXTS[:7] + WORDS))[: schema.get("maxLength", 100)]
    raise AssertionError(f"no strategy for schema {schema}")


@st.composite
def events(draw) -> dict:
    """An event the schema accepts, with values near the thresholds policies use."""
    schema = load_schema("event")
    event = _from_schema(draw, schema, schema, "")
    if draw(st.booleans()):  # often opened shortly before `at`, so that ages are meaningful
        event["request"]["created_at"] = event["at"]
    amount, paid = (Decimal(str(event[k][f])) for k, f in (("request", "amount"), ("order", "paid_amount")))
    if amount > paid:  # the reader refuses a request for more than was paid (product.md)
        event["order"]["paid_amount"] = event["request"]["amount"]
    return event


def event_json(event: dict) -> str:
    """The event as JSON text (Decimals as JSON numbers, as a file would hold them)."""
    return json.dumps(event, default=float, ensure_ascii=False)
