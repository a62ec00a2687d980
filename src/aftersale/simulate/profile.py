"""A store profile: a small YAML file that shapes `aftersale generate` to one store.

Every key is optional; what a profile leaves out keeps the built-in mix
(`generate.py`). Amounts are yuan, read exactly (`59.90` stays 59.90).

```yaml
platform: kuaishou                     # douyin, kuaishou or mixed
categories:                            # name: weight, or name: {weight, typical, min, max}
  food: {weight: 85, typical: 59.90, min: 19.90, max: 399}
reasons: {quality: 30, damaged: 25}    # reason: weight (replaces the whole mix)
kinds: {refund_only: 3}                # kind: weight (multiplies each reason's own mix)
risk: {low: 85, medium: 11, high: 4}
hours: {service: "08:00-22:00", off_hours_share: 0.15}
missing: 0.05                          # share of each optional field left out
express_refund: 0.3                    # share of stores with express refund on
```

A bad profile is an input error naming the file, line and column.

>>> p = parse("platform: douyin\\ncategories: {tea: 3}\\n", "p.yaml")
>>> p.platform, p.categories
('douyin', (('tea', 3.0),))
>>> parse("platfrom: douyin\\n", "p.yaml")
Traceback (most recent call last):
...
aftersale.diagnostics.AftersaleError: p.yaml:1:1: error[invalid-profile]: unknown key `platfrom`
  1 | platfrom: douyin
    | ^^^^^^^^
  = help: did you mean `platform`?
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from ..diagnostics import AftersaleError, Diagnostic, ERROR, did_you_mean, did_you_mean_msg
from ..locale import Msg, msg
from ..source import Source

PLATFORMS = ("douyin", "kuaishou", "mixed")
KINDS = ("return_refund", "refund_only", "exchange")
REASONS = ("no_reason_7d", "quality", "not_as_described", "wrong_item", "missing_parts", "damaged", "lost",
           "late_delivery", "other")
RISKS = ("low", "medium", "high")
KEYS = ("platform", "categories", "reasons", "kinds", "risk", "hours", "missing", "express_refund")
CATEGORY_KEYS = ("weight", "typical", "min", "max")
HOURS_KEYS = ("service", "off_hours_share")
#: The largest item price a profile may ask for (yuan): three items of it stay far inside the event schema.
MAX_PRICE = Decimal(1_000_000)
CATEGORY = re.compile(r"[a-z][a-z0-9_-]{0,39}\Z")
SERVICE = re.compile(r"([01][0-9]|2[0-4]):00-([01][0-9]|2[0-4]):00\Z")


@dataclass(frozen=True)
class Price:
    """Item prices of a category: log-normal around `typical`, kept within [low, high] (yuan)."""
    typical: Decimal
    low: Decimal | None = None
    high: Decimal | None = None


@dataclass(frozen=True)
class Profile:
    platform: str | None = None
    categories: tuple[tuple[str, float], ...] | None = None
    prices: tuple[tuple[str, Price], ...] = ()
    reasons: tuple[tuple[str, float], ...] | None = None
    kinds: tuple[tuple[str, float], ...] | None = None
    risk: tuple[tuple[str, float], ...] | None = None
    service_hours: tuple[int, int] | None = None      # [start, end) hours of the day
    off_hours_share: float | None = None
    missing: float | None = None
    express_refund: float | None = None


#: How messages name the whole profile (`unknown key` there says no "in ...").
THE_PROFILE = msg("profile.the_profile")


class _Reader:
    """Walks the composed YAML nodes, so every complaint points at its line and column."""

    def __init__(self, text: str, file: str):
        self.source = Source(text, file)
        self.file = file

    def fail(self, node: yaml.Node | None, message: Msg, help_: Msg | None = None) -> AftersaleError:
        span = self.source.span(node.start_mark.index, node.end_mark.index) if node is not None \
            else self.source.span(0, 0)
        return AftersaleError(Diagnostic("invalid-profile", ERROR, message, span, help=help_, source=self.source))

    def mapping(self, node: yaml.Node, what: Msg | str, known=None) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """`what` names the mapping in messages: `hours` (a key, in backticks) or a message."""
        top = what == THE_PROFILE
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, msg("profile.mapping", what=what))
        out, seen = [], set()
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag != "tag:yaml.org,2002:str":
                raise self.fail(key, msg("profile.key_names", what=what))
            if key.value in seen:
                raise self.fail(key, msg("profile.twice", key=key.value, what=what))
            seen.add(key.value)
            if known is not None and key.value not in known:
                hint = did_you_mean(key.value, known)
                raise self.fail(key, msg("profile.unknown_key", key=key.value) if top else
                                msg("profile.unknown_key_in", key=key.value, what=what),
                                did_you_mean_msg(hint) if hint else msg("profile.keys", keys=", ".join(known)))
            out.append((key.value, key, value))
        return out

    def number(self, node: yaml.Node, what: Msg | str, low: float = 0.0, high: float | None = None) -> float:
        if not isinstance(node, yaml.ScalarNode) or node.tag not in ("tag:yaml.org,2002:int",
                                                                     "tag:yaml.org,2002:float"):
            raise self.fail(node, msg("profile.number", what=what))
        value = float(node.value.replace("_", ""))
        if not (value >= low and (high is None or value <= high)):
            raise self.fail(node, msg("profile.between", what=what, low=f"{low:g}", high=f"{high:g}")
                            if high is not None else msg("profile.at_least", what=what, low=f"{low:g}"))
        return value

    def yuan(self, node: yaml.Node, what: str) -> Decimal:
        if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:bool":
            raise self.fail(node, msg("profile.yuan", what=what))
        try:
            value = Decimal(node.value.replace("_", ""))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value <= 0 or value > MAX_PRICE \
                or value != value.quantize(Decimal("0.01")):
            raise self.fail(node, msg("profile.yuan_range", what=what, value=node.value, limit=MAX_PRICE))
        return value.quantize(Decimal("0.01"))

    def weights(self, node: yaml.Node, what: str, names) -> tuple[tuple[str, float], ...]:
        out = tuple((name, self.number(value, msg("profile.weight_of", name=name)))
                    for name, _, value in self.mapping(node, what, names))
        if not any(w > 0 for _, w in out):
            raise self.fail(node, msg("profile.weights", what=what))
        return out


def parse(text: str, file: str) -> Profile:
    """A Profile from YAML text (raises AftersaleError, with the line and column, for anything wrong)."""
    from ..syntax.yaml_front import yaml_problem_words

    reader = _Reader(text, file)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        span = reader.source.span(mark.index, mark.index + 1) if mark else reader.source.span(0, 0)
        raise AftersaleError(Diagnostic("invalid-profile", ERROR, msg("profile.yaml", problem=yaml_problem_words(
            exc.problem)), span, source=reader.source)) from None
    except yaml.YAMLError as exc:
        raise reader.fail(None, msg("profile.yaml", problem=yaml_problem_words(str(exc)))) from None
    if root is None:
        return Profile()
    fields: dict = {}
    for key, key_node, value in reader.mapping(root, THE_PROFILE, KEYS):
        if key == "platform":
            if not isinstance(value, yaml.ScalarNode) or value.value not in PLATFORMS:
                hint = did_you_mean(str(getattr(value, "value", "")), PLATFORMS)
                raise reader.fail(value, msg("profile.platform"), did_you_mean_msg(hint) if hint else None)
            fields["platform"] = value.value
        elif key == "categories":
            fields["categories"], fields["prices"] = _categories(reader, value)
        elif key in ("reasons", "kinds", "risk"):
            names = {"reasons": REASONS, "kinds": KINDS, "risk": RISKS}[key]
            fields[key] = reader.weights(value, f"`{key}`", names)
        elif key == "hours":
            for name, _, v in reader.mapping(value, "`hours`", HOURS_KEYS):
                if name == "service":
                    match = SERVICE.match(v.value) if isinstance(v, yaml.ScalarNode) else None
                    if match is None or int(match.group(1)) >= int(match.group(2)):
                        raise reader.fail(v, msg("profile.service"))
                    fields["service_hours"] = (int(match.group(1)), int(match.group(2)))
                else:
                    fields["off_hours_share"] = reader.number(v, "`hours.off_hours_share`", 0, 1)
            if ("service_hours" in fields) != ("off_hours_share" in fields):
                raise reader.fail(value, msg("profile.hours_both"))
            start, end = fields["service_hours"]
            if (end - start == 24 and fields["off_hours_share"] > 0) or \
                    (end - start == 0 and fields["off_hours_share"] < 1):
                raise reader.fail(value, msg("profile.no_hours_left"))
        else:
            fields[key] = reader.number(value, f"`{key}`", 0, 1)
    return Profile(**fields)


def _categories(reader: _Reader, node: yaml.Node):
    from .generate import PRICES

    weights, prices = [], []
    for name, key_node, value in reader.mapping(node, "`categories`"):
        if not CATEGORY.match(name):
            raise reader.fail(key_node, msg("profile.category_name", name=name))
        if isinstance(value, yaml.ScalarNode):
            weights.append((name, reader.number(value, msg("profile.weight_of", name=name))))
        else:
            got = {k: v for k, _, v in reader.mapping(value, msg("profile.category", name=name), CATEGORY_KEYS)}
            if "weight" not in got:
                raise reader.fail(value, msg("profile.lacks_weight", name=name))
            weights.append((name, reader.number(got["weight"], msg("profile.weight_of", name=name))))
            amounts = {k: reader.yuan(got[k], f"`{name}.{k}`") for k in ("typical", "min", "max") if k in got}
            if amounts:
                typical = amounts.get("typical")
                if typical is None:
                    if name not in PRICES:
                        raise reader.fail(value, msg("profile.needs_typical", name=name))
                    typical = Decimal(PRICES[name][0])
                low, high = amounts.get("min"), amounts.get("max")
                if (low is not None and low > typical) or (high is not None and high < typical):
                    raise reader.fail(value, msg("profile.min_max", name=name))
                prices.append((name, Price(typical, low, high)))
        if name not in PRICES and name not in dict(prices):
            raise reader.fail(key_node, msg("profile.unknown_category", name=name),
                              msg("profile.unknown_category_help", name=name, known=", ".join(PRICES)))
    if not any(w > 0 for _, w in weights):
        raise reader.fail(node, msg("profile.weights", what="`categories`"))
    return tuple(weights), tuple(prices)


def load(path: str) -> Profile:
    """The profile in a file (raises AftersaleError when it cannot be read or is wrong)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AftersaleError(Diagnostic("invalid-profile", ERROR, f"cannot read the profile `{path}`: "
                                        f"{getattr(exc, 'strerror', None) or exc}",
                                        Source("", path).span(0, 0))) from None
    return parse(text, path)
