"""Typed record values → text, by the locale's own conventions (Babel, CLDR data).

Values come as a record stores them (`{"type": "money", "amount": "129.00",
"currency": "CNY"}`); `digits` says how precise a duration or time of day must
be shown (0 minutes, 1 seconds, 2 microseconds) so that a comparison never
reads false because of rounding.

>>> money({"amount": "129.00", "currency": "CNY"}, "zh"), money({"amount": "1300", "currency": "CNY"}, "en")
('¥129.00', '¥1,300')
>>> duration({"seconds": "184440"}, "zh"), duration({"seconds": "184440"}, "en")
('2天3小时14分', '2d 3h 14m')
>>> timestamp({"value": "2026-11-21T22:14:00+08:00", "zone": "Asia/Shanghai"}, "zh")
'11月21日 周六 22:14'
"""
from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, get_day_names
from babel.numbers import format_decimal, get_currency_symbol

from . import message

#: Babel locales, parsed once: Babel parses a locale given by name on every call, which was most of
#: the time an explanation took (62,000 amounts for a policy of 1,000 rules: 12 s of 13).
LOCALES = {"en": Locale.parse("en_US"), "zh": Locale.parse("zh_CN")}

#: The symbol people use for each currency whatever the language (CLDR's English `CN¥` is for
#: texts that mix currencies; a shop's texts name one).
_SYMBOL_LOCALE = {"CNY": LOCALES["zh"]}


def money(value: dict, lang: str) -> str:
    amount = Decimal(value["amount"])
    currency = value.get("currency") or "CNY"
    symbol = get_currency_symbol(currency, _SYMBOL_LOCALE.get(currency, LOCALES[lang]))
    pattern = "#,##0" if amount == amount.to_integral() and amount.as_tuple().exponent >= 0 else "#,##0.00"
    sign = "-" if amount < 0 else ""
    return sign + symbol + format_decimal(abs(amount), format=pattern, locale=LOCALES[lang])


def number(value: dict, lang: str) -> str:
    text = value["value"]
    if value.get("percent"):
        return format_decimal(Decimal(text) * 100, locale=LOCALES[lang]) + "%"
    return format_decimal(Decimal(text), locale=LOCALES[lang], decimal_quantization=False)


def duration(value: dict, lang: str, digits: int = 0) -> str:
    total = Decimal(value["seconds"])
    sign = "-" if total < 0 else ""
    total = abs(total)
    whole = int(total)
    d, rest = divmod(whole, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    parts = [(d, "day"), (h, "hour"), (m, "minute")]
    if digits >= 1:
        sec = Decimal(s) + (total - whole if digits >= 2 else 0)
        parts.append((sec, "second"))
    shown = [message(lang, f"unit.{unit}", n=format_decimal(n, locale=LOCALES[lang], decimal_quantization=False))
             for n, unit in parts if n]
    if not shown:
        shown = [message(lang, "unit.day" if digits < 0 else "unit.minute", n="0")]
    return sign + message(lang, "unit.join").join(shown)


def time_of_day(value: dict, lang: str, digits: int = 0) -> str:
    text = value["value"]
    if text.startswith("24:00"):
        return "24:00"
    t = time.fromisoformat(text)
    if digits >= 2 and t.microsecond:
        return t.isoformat()
    return t.strftime("%H:%M:%S" if digits >= 1 else "%H:%M")


def timestamp(value: dict, lang: str, digits: int = 0) -> str:
    moment = datetime.fromisoformat(value["value"])
    if value.get("zone"):
        moment = moment.astimezone(ZoneInfo(value["zone"]))
    clock = "HH:mm:ss" if digits >= 1 else "HH:mm"
    pattern = message(lang, "format.timestamp", clock=clock)
    return format_datetime(moment, pattern, locale=LOCALES[lang])


def day(value: dict, lang: str) -> str:
    from datetime import date

    return format_date(date.fromisoformat(value["value"]), message(lang, "format.date"), locale=LOCALES[lang])


def weekday(index: int, lang: str) -> str:
    """Short weekday name, 0 = Monday: `Mon` / `周一`."""
    return get_day_names("abbreviated", locale=LOCALES[lang])[index]


def decimal(value, lang: str) -> str:
    return format_decimal(value, locale=LOCALES[lang])
