"""Sentence rules, in English or Chinese, matched against the vocabulary.

English: `[never] VERB QUALIFIER* NOUN MODIFIER*`. Chinese: `[禁止] MODIFIER*
VERB MODIFIER* [的] QUALIFIER* NOUN [VERB] [，条件 EXPR]` (spaces optional).
Both are read into one `Sentence` (which row of the table each part is, and
its values), which lowers to the same rule tree and renders in either
language (`fmt --lang`). The conditions come in one order whatever the
language: reasons, kind, the modifiers after the verb, then those before it.
Each condition's span is the words that say it, so a trace can show "under
¥300" next to the value it compared.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .. import rules as ir
from ..diagnostics import did_you_mean, did_you_mean_msg
from ..locale import Msg, msg
from ..values import ENUM, Type
from .vocabulary import (CATEGORY_ROWS, GUARD, JOINERS, MODIFIERS, NOUN_ACTIONS, NOUN_ROWS, NOUNS, OR_WORDS,
                         PLACEHOLDERS, QUALIFIERS, REASON_ROWS, RISK_ROWS, VERBS, ZH_CATEGORIES, ZH_JOINERS,
                         Phrase, example)

_AMOUNT = r"\d(?:[\d,]*\d)?(?:\.\d+)?"
TOKEN_RE = re.compile(rf"""
    (?P<money>[¥￥]\s*{_AMOUNT}|{_AMOUNT}\s*(?:CNY(?!\w)|元|yuan(?!\w)))
  | (?P<duration>\d+[dhm](?:\d+[hm])*(?!\w)|\d+\s*(?:hours?|hrs?|h|minutes?|mins?|m)(?!\w))
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<word>[^\W\d][\w\-]*)
  | (?P<comma>,)
  | (?P<other>\S)
""", re.VERBOSE)

#: Full-width punctuation read as its ASCII twin (one character for one: offsets stay right).
FULL_WIDTH = str.maketrans({"：": ":", "，": ",", "（": "(", "）": ")", "￥": "¥", "；": ";"})
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str
    start: int  # offsets into the sentence
    end: int


def tokenize(text: str) -> list[Tok]:
    return [Tok(m.lastgroup or "other", m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


# -- values ---------------------------------------------------------------------------------

def money_value(text: str) -> str:
    """`¥1,000`, `￥300`, `300 CNY`, `500 yuan`, `300元` → `¥1000` (the block-rule literal)."""
    digits = re.sub(r"[¥￥,\s]|CNY|元|块|yuan", "", text)
    return "¥" + digits


_UNITS = {"hours": "h", "hour": "h", "hrs": "h", "hr": "h", "h": "h", "小时": "h", "minutes": "m", "minute": "m",
          "mins": "m", "min": "m", "m": "m", "分钟": "m", "天": "d", "d": "d", "days": "d", "day": "d"}


def duration_value(text: str) -> str:
    """`36 hours`, `40小时`, `1天12小时`, `48h` → `36h` … (the block-rule literal)."""
    return "".join(n + _UNITS[u] for n, u in re.findall(r"(\d+)\s*([^\d\s]+)", text))


def category_value(word: str) -> str:
    return ZH_CATEGORIES.get(word, word)


# -- the sentence read ----------------------------------------------------------------------

@dataclass
class Part:
    start: int
    end: int
    value: object = None              # a reason, a kind, a verb key, or the phrase's values
    phrase: Phrase | None = None


@dataclass
class Sentence:
    lang: str
    guard: Part | None
    verb: Part
    reasons: list[Part]
    noun: Part
    modifiers: list[Part] = field(default_factory=list)   # in the rule tree's order


class Problem(Exception):
    """A sentence that cannot be read: message, (start, end) in the sentence, help."""

    def __init__(self, name: str, message: Msg, start: int, end: int, help_: Msg | None):
        super().__init__(message)
        self.name, self.message, self.start, self.end, self.help = name, message, start, end, help_


def language_of(text: str) -> str:
    """A sentence is Chinese when its first word holds Chinese (`30元以内的仅退款转人工` too); an English
    sentence starts with an English verb or `never`."""
    first = text.split(maxsplit=1)[:1]
    return "zh" if first and _HAN.search(first[0]) else "en"


def read(text: str) -> Sentence:
    """The sentence `text` (full-width punctuation already made ASCII), or raise Problem."""
    return read_zh(text) if language_of(text) == "zh" else read_en(text)


# -- English --------------------------------------------------------------------------------

def _placeholder_value(name: str, toks: list[Tok]):
    """The value a placeholder stands for, or None if the tokens don't fit."""
    t = toks[0]
    if name == "money":
        if t.kind in ("money", "number"):
            return money_value(t.text)
        return None
    if name == "count":
        return t.text if t.kind == "number" and t.text.isdigit() else None
    if name == "duration":
        return duration_value(t.text) if t.kind == "duration" else None
    if name == "word":
        return category_value(t.text) if t.kind == "word" else None
    return None


_RISK_EN = {w: r.value for r in RISK_ROWS for w in r.en}


def match_phrase(phrase: Phrase, toks: list[Tok], i: int, text: str, pattern: str | None = None):
    """Match `phrase` (or one of its English patterns) at token i: (next index, values) or None."""
    values: dict[str, object] = {}
    j = i
    for slot in (pattern or phrase.pattern).split():
        if slot == "{expr}":
            if j >= len(toks):
                return None
            values["expr"] = text[toks[j].start:]
            values["expr@"] = toks[j].start
            return len(toks), values
        if slot in ("{words}", "{risks}"):
            words = []
            while j < len(toks) and toks[j].kind == "word" and (slot == "{words}" or toks[j].text.lower() in _RISK_EN):
                words.append(category_value(toks[j].text) if slot == "{words}" else _RISK_EN[toks[j].text.lower()])
                j += 1
                if j + 1 < len(toks) and toks[j].text in (",", "or") and toks[j + 1].kind == "word":
                    j += 1
                    continue
                break
            if not words or (slot == "{risks}" and len(words) < 2):
                return None
            values[slot[1:-1]] = words
            continue
        if j >= len(toks):
            return None
        if slot.startswith("{"):
            name = slot[1:-1]
            value = _placeholder_value(name, toks[j:j + 1])
            if value is None:
                return None
            values[name + ("2" if name in values else "")] = value
            j += 1
        elif toks[j].text.lower() != slot:
            return None
        else:
            j += 1
    return j, values


def _best_en(toks: list[Tok], i: int, text: str):
    best = None
    for phrase in MODIFIERS:
        for pattern in phrase.patterns("en"):
            m = match_phrase(phrase, toks, i, text, pattern)
            if m and (best is None or m[0] > best[1]):
                best = (phrase, m[0], m[1])
    return best


def _expects(toks: list[Tok], i: int) -> Problem | None:
    """When the words at i begin a phrase but its placeholder does not fit: say what it takes."""
    best = None
    for phrase in MODIFIERS:
        for pattern in phrase.patterns("en"):
            slots = pattern.split()
            n = 0
            while n < len(slots) and not slots[n].startswith("{") and i + n < len(toks) \
                    and toks[i + n].text.lower() == slots[n]:
                n += 1
            if n and n < len(slots) and slots[n].startswith("{") and slots[n] != "{expr}" \
                    and (best is None or n > best[0]):
                best = (n, pattern, slots[n])
    if best is None:
        return None
    n, pattern, slot = best
    words = " ".join(pattern.split()[:n])
    what = _placeholder(slot)
    at = toks[i + n] if i + n < len(toks) else toks[i + n - 1]
    message = msg("sentence.takes_not", words=words, what=what, got=at.text) if i + n < len(toks) else \
        msg("sentence.takes", words=words, what=what)
    return Problem("syntax-error", message, at.start, at.end, msg("sentence.write", example=example(pattern)))


def _placeholder(slot: str) -> Msg:
    """What a phrase's slot takes, in people's words (`an amount such as ¥300`)."""
    assert slot in PLACEHOLDERS, slot
    return msg(f"sentence.slot.{slot.strip('{}')}")


def read_en(text: str) -> Sentence:
    toks = tokenize(text)
    i = 0
    guard = None
    if toks and toks[0].text.lower() in GUARD["en"]:
        guard = Part(toks[0].start, toks[0].end)
        i += 1
    if i >= len(toks) or toks[i].text.lower() not in VERBS:
        word = toks[i].text if i < len(toks) else ""
        hint = did_you_mean(word, VERBS)
        start, end = (toks[i].start, toks[i].end) if i < len(toks) else (0, len(text))
        raise Problem("syntax-error", msg("sentence.verb_first", word=word) if word else msg("sentence.no_verb"),
                      start, end, did_you_mean_msg(hint) if hint else msg("sentence.verbs", verbs=", ".join(VERBS)))
    verb = Part(toks[i].start, toks[i].end, toks[i].text.lower())
    i += 1
    reasons: list[Part] = []
    while i < len(toks) and toks[i].text.lower() in QUALIFIERS:
        reasons.append(Part(toks[i].start, toks[i].end, QUALIFIERS[toks[i].text.lower()]))
        i += 1
        if i + 1 < len(toks) and toks[i].text.lower() in OR_WORDS["en"] and toks[i + 1].text.lower() in QUALIFIERS:
            i += 1
    if i >= len(toks) or toks[i].text.lower() not in NOUNS:
        word = toks[i].text if i < len(toks) else ""
        start, end = (toks[i].start, toks[i].end) if i < len(toks) else (len(text), len(text))
        hint = did_you_mean(word, list(NOUNS) + list(QUALIFIERS)) if word else None
        raise Problem("syntax-error", msg("sentence.noun_not", word=word) if word else msg("sentence.noun"),
                      start, end, did_you_mean_msg(hint) if hint else
                      msg("sentence.reasons_before", reasons=", ".join(QUALIFIERS)))
    noun = Part(toks[i].start, toks[i].end, NOUNS[toks[i].text.lower()])
    i += 1
    sentence = Sentence("en", guard, verb, reasons, noun)
    while i < len(toks):
        if toks[i].text.lower() in JOINERS and i + 1 < len(toks):
            i += 1
        best = _best_en(toks, i, text)
        if best is None:
            raise _expects(toks, i) or _unknown_en(toks, i)
        phrase, j, values = best
        sentence.modifiers.append(Part(toks[i].start, toks[j - 1].end, values, phrase))
        i = j
    return sentence


def _unknown_en(toks: list[Tok], i: int) -> Problem:
    """`unknown phrase`, suggesting the phrase whose fixed words read closest to the words written."""
    word = toks[i].text
    best, score = None, 0.6
    for phrase in MODIFIERS:
        fixed = [w for w in phrase.words if not w.startswith("{")]
        written = " ".join(t.text.lower() for t in toks[i:i + len(phrase.words)] if t.kind == "word")
        ratio = difflib.SequenceMatcher(None, written, " ".join(fixed)).ratio()
        if ratio > score:
            best, score = phrase, ratio
    starts = sorted({p.words[0] for p in MODIFIERS})
    return Problem("syntax-error", msg("sentence.unknown_phrase", word=word), toks[i].start, toks[i].end,
                   did_you_mean_msg(example(best.pattern)) if best else
                   msg("sentence.modifiers", starts=", ".join(starts)))


# -- Chinese --------------------------------------------------------------------------------

_MONEY_ZH = rf"(?:[¥￥]\s*{_AMOUNT}(?:\s*元)?|{_AMOUNT}\s*(?:元|块|CNY)?)"
_DURATION_ZH = r"(?:\d+\s*(?:小时|天|分钟|[dhm])(?:\d+\s*(?:小时|分钟|[hm]))*)"
_CATEGORY_ZH = "|".join(sorted((re.escape(w) for r in CATEGORY_ROWS for w in r.zh), key=len, reverse=True))
_WORD_ZH = rf'(?:"[^"]*"|[A-Za-z_][\w\-]*|{_CATEGORY_ZH})'
_RISK_ZH = "|".join(re.escape(w) for r in RISK_ROWS for w in r.zh)
_OR_ZH = "(?:" + "|".join(re.escape(w) for w in OR_WORDS["zh"]) + ")"
_SLOTS_ZH = {"{money}": _MONEY_ZH, "{count}": r"\d+", "{duration}": _DURATION_ZH, "{word}": _WORD_ZH,
             "{words}": rf"{_WORD_ZH}(?:\s*{_OR_ZH}\s*{_WORD_ZH})*",
             "{risks}": rf"(?:{_RISK_ZH})(?:\s*{_OR_ZH}\s*(?:{_RISK_ZH}))+"}
_RISK_ZH_VALUES = {w: r.value for r in RISK_ROWS for w in r.zh}


def _zh_regex(pattern: str) -> re.Pattern:
    """A Chinese pattern as a regex: placeholders as named groups, spaces optional between the parts."""
    out, names = [], []
    for piece in re.split(r"(\{\w+\})", pattern):
        if not piece:
            continue
        if piece in _SLOTS_ZH:
            name = piece[1:-1] + ("2" if piece[1:-1] in names else "")
            names.append(piece[1:-1])
            out.append(f"(?P<{name}>{_SLOTS_ZH[piece]})")
        else:
            out.append(r"\s*".join(re.escape(c) for c in piece if not c.isspace()))
    return re.compile(r"\s*".join(out))


@lru_cache(maxsize=1)
def _zh_entries() -> list[tuple[str, object, re.Pattern, str]]:
    """(kind, row, regex, pattern) of every Chinese word and phrase, in table order."""
    entries: list = [("guard", None, _zh_regex(w), w) for w in GUARD["zh"]]
    entries += [("verb", v.key, _zh_regex(w), w) for v in VERBS.values() for w in v.zh]
    entries += [("mod", p, _zh_regex(w), w) for p in MODIFIERS if "{expr}" not in p.pattern for w in p.zh]
    entries += [("reason", r.value, _zh_regex(w), w) for r in REASON_ROWS for w in r.zh]
    entries += [("noun", r.value, _zh_regex(w), w) for r in NOUN_ROWS for w in r.zh]
    entries += [("where", p, re.compile(re.escape(w) + r"\s*:?\s*(?=\S)"), w)
                for p in MODIFIERS if "{expr}" in p.pattern for w in p.zh]
    entries += [("or", None, re.compile(re.escape(w)), w) for w in ("或",)]
    entries += [("join", None, re.compile(re.escape(w)), w) for w in ZH_JOINERS]
    return entries


def _zh_values(m: re.Match) -> dict:
    values: dict[str, object] = {}
    for name, got in m.groupdict().items():
        if got is None:
            continue
        base = name.rstrip("2")
        if base == "money":
            values[name] = money_value(got)
        elif base == "duration":
            values[name] = duration_value(got)
        elif base == "count":
            values[name] = got
        elif base == "word":
            values[name] = category_value(got.strip('"'))
        elif base == "words":
            values[name] = [category_value(w.strip('"')) for w in re.findall(_WORD_ZH, got)]
        elif base == "risks":
            values[name] = [_RISK_ZH_VALUES[w] for w in re.findall(_RISK_ZH, got)]
    return values


def _match_zh(text: str, pos: int):
    """The longest Chinese entry at `pos`: (kind, row, match, pattern) or None (table order breaks ties)."""
    best = None
    for kind, row, regex, pattern in _zh_entries():
        m = regex.match(text, pos)
        if m and m.end() > pos and (best is None or m.end() > best[2].end()):
            best = (kind, row, m, pattern)
    return best


def _zh_problem(text: str, pos: int) -> Problem:
    """Nothing in the table reads the text at `pos`: say what the nearest phrase expects."""
    end = pos + 1
    while end < len(text) and not text[end].isspace() and text[end] not in ",的" and _match_zh(text, end) is None:
        end += 1
    written = text[pos:end]
    for kind, row, regex, pattern in _zh_entries():  # a phrase's fixed words, then a bad value
        lead = re.split(r"\{\w+\}", pattern)[0]
        if lead and len(lead) > 1 and text.startswith(lead, pos) and "{" in pattern:
            slot = re.search(r"\{\w+\}", pattern).group()
            return Problem("syntax-error", msg("sentence.takes", words=lead, what=_placeholder(slot)), pos + len(lead),
                           max(end, pos + len(lead) + 1), msg("sentence.write", example=example(pattern, "zh")))
    choices = {example(pattern, "zh"): pattern for kind, row, regex, pattern in _zh_entries()
               if kind not in ("join", "or")}
    scored = [(difflib.SequenceMatcher(None, written, c[:len(written) + 2]).ratio(), c) for c in choices]
    score, hint = max(scored) if scored else (0, None)
    return Problem("syntax-error", msg("sentence.unknown_phrase", word=written), pos, end,
                   did_you_mean_msg(hint) if hint and score >= 0.5 else
                   msg("sentence.phrases", phrases="，".join(example(p.zh[0], "zh") for p in MODIFIERS[:8]) + "…"))


def read_zh(text: str) -> Sentence:
    guard = verb = noun = None
    verb_first = True
    reasons: list[Part] = []
    before: list[Part] = []
    after: list[Part] = []
    where: Part | None = None
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        found = _match_zh(text, pos)
        if found is None:
            raise _zh_problem(text, pos)
        kind, row, m, _ = found
        part = Part(pos, m.end(), row)

        def misplaced(what: Msg, help_: Msg) -> Problem:
            return Problem("syntax-error", what, part.start, part.end, help_)
        if kind == "guard":
            if pos != len(text) - len(text.lstrip()):
                raise misplaced(msg("sentence.guard_first", word=m.group()), msg("sentence.guard_first_help"))
            guard = part
        elif kind == "verb":
            if verb is not None:
                raise misplaced(msg("sentence.second_verb", word=m.group()), msg("sentence.second_verb_help"))
            verb, verb_first = Part(pos, m.end(), row), noun is None
        elif kind == "mod":
            if noun is not None:
                raise misplaced(msg("sentence.after_noun", word=m.group()),
                                msg("sentence.before_noun", example=f"…{m.group()}的{text[noun.start:noun.end]}"))
            part.value, part.phrase = _zh_values(m), row
            (after if verb is not None else before).append(part)
        elif kind == "reason":
            if noun is not None:
                raise misplaced(msg("sentence.after_noun", word=m.group()), msg("sentence.reasons_before_zh"))
            reasons.append(part)
        elif kind == "noun":
            if noun is not None:
                raise misplaced(msg("sentence.second_noun", word=m.group()), msg("sentence.second_noun_help"))
            noun = part
        elif kind == "where":
            expr_at = m.end()
            where = Part(pos, len(text.rstrip()), {"expr": text[expr_at:].rstrip(), "expr@": expr_at}, row)
            break
        pos = m.end()
    if verb is None:
        raise Problem("syntax-error", msg("sentence.no_verb"), 0, len(text),
                      msg("sentence.verbs", verbs="，".join(w for v in VERBS.values() for w in v.zh)))
    if noun is None:
        raise Problem("syntax-error", msg("sentence.noun_zh"), len(text.rstrip()), len(text.rstrip()),
                      msg("sentence.noun_zh_help"))
    if reasons and reasons[-1].end > noun.start or any(r.start > noun.start for r in reasons):
        raise Problem("syntax-error", msg("sentence.reasons_right_before"), reasons[0].start, reasons[-1].end, None)
    if verb_first:
        modifiers = after + before
    else:
        modifiers = before + after
    sentence = Sentence("zh", guard, verb, reasons, noun, modifiers + ([where] if where else []))
    return sentence


# -- lowering -------------------------------------------------------------------------------

def _template_values(values: dict) -> dict[str, str]:
    out = {}
    for key, value in values.items():
        base = key.rstrip("2")
        if key in ("expr", "expr@"):
            continue
        if base == "word":
            out[key] = json.dumps(value, ensure_ascii=False)
        elif base == "words":
            out[key] = ", ".join(json.dumps(v, ensure_ascii=False) for v in value)
        elif base == "risks":
            out[key] = ", ".join(value)
        else:
            out[key] = str(value)
    return out


def _fill(template: str, values: dict[str, str]) -> str:
    out = template
    for key in sorted(values, key=len, reverse=True):
        out = out.replace("{" + key + "}", values[key])
    return out


def lower_sentence(lw, text: str, base: int, rule_id: str):
    """(action, forbids, condition) for a sentence at offset `base`, or None after reporting errors."""
    text = text.translate(FULL_WIDTH)
    span = lambda a, b: lw.source.span(base + a, base + b)  # noqa: E731
    whole = span(0, len(text))
    try:
        sentence = read(text)
    except Problem as p:
        lw.error(p.name, p.message, span(p.start, p.end), help=p.help, rule=rule_id)
        return None

    conditions: list[ir.Expr] = []
    if sentence.reasons:
        rs = sentence.reasons
        rspan = span(rs[0].start, rs[-1].end)
        field_ = ir.Field(("request", "reason"), ENUM, span=rspan)
        values = [ir.Literal(r.value, ENUM, text[r.start:r.end], span=span(r.start, r.end)) for r in rs]
        conditions.append(ir.Compare("==", field_, values[0], span=rspan) if len(values) == 1
                          else ir.InList(field_, tuple(values), span=rspan))
    kind = sentence.noun.value
    nspan = span(sentence.noun.start, sentence.noun.end)
    if kind is not None:
        conditions.append(ir.Compare("==", ir.Field(("request", "kind"), ENUM, span=nspan),
                                     ir.Literal(kind, ENUM, kind, span=nspan), span=nspan))
    for part in sentence.modifiers:
        values = dict(part.value)
        pspan = span(part.start, part.end)
        if "expr" in values:
            cond = lw.expression_text(values["expr"], base + int(values["expr@"]), where=True)
        else:
            cond = lw.expression_text(_fill(part.phrase.template, _template_values(values)), 0, fixed=pspan)
        if cond is None:
            return None
        if isinstance(cond, ir.And) and "expr" not in values:
            conditions.extend(cond.operands)  # "pending for over 40h" adds two conditions
        else:
            conditions.append(cond)

    when = ir.And(tuple(conditions), span=whole)
    verb = VERBS[sentence.verb.value]
    vspan = span(sentence.verb.start, sentence.verb.end)
    if sentence.guard is not None:
        if not verb.forbids:
            lw.error("ambiguous-sentence", msg("sentence.forbids_nothing", verb=verb.word), vspan,
                     help=msg("sentence.guards", guards=", ".join(f"{GUARD['en'][0]} {v.word}" for v in VERBS.values()
                                                                   if v.forbids)), rule=rule_id)
            return None
        return None, verb.forbids, when
    action = verb.action
    if action is None:
        if kind is None:
            words = f"{text[sentence.verb.start:sentence.verb.end]} {text[sentence.noun.start:sentence.noun.end]}"
            lw.error("ambiguous-sentence", msg("sentence.what_to_approve", words=words),
                     span(min(sentence.verb.start, sentence.noun.start), max(sentence.verb.end, sentence.noun.end)),
                     help=msg("sentence.what_to_approve_help"), rule=rule_id)
            return None
        action = NOUN_ACTIONS[kind]
    return action, (), when


# -- rendering (fmt --lang) -----------------------------------------------------------------

def _duration_zh(value: str) -> str:
    return re.sub(r"(\d+)([dhm])", lambda m: m.group(1) + {"d": "天", "h": "小时", "m": "分钟"}[m.group(2)], value)


def _render_phrase(part: Part, lang: str) -> str:
    pattern = part.phrase.patterns(lang)[0]
    values = part.value
    if "expr" in values:
        return pattern.replace("{expr}", values["expr"]) if lang == "en" else f"{pattern} {values['expr']}"
    out = pattern
    for key in sorted(values, key=lambda k: k.endswith("2")):  # `money` fills the first {money}, `money2` the next
        base, value = key.rstrip("2"), values[key]
        slot = "{" + base + "}"
        if base == "money":
            text = value if lang == "en" else value[1:] + "元"
        elif base == "duration":
            text = value if lang == "en" else _duration_zh(value)
        elif base == "word":
            text = _word(value, lang)
        elif base == "words":
            text = (", " if lang == "en" else "、").join(_word(v, lang) for v in value)
        elif base == "risks":
            words = [next(r.words(lang)[0] for r in RISK_ROWS if r.value == v) for v in value]
            text = (" or " if lang == "en" else "或").join(words)
        else:
            text = str(value)
        out = out.replace(slot, text, 1)
    return out


def _word(value: str, lang: str) -> str:
    row = next((r for r in CATEGORY_ROWS if r.value == value), None)
    if row is not None:
        return row.words(lang)[0]
    return value if re.fullmatch(r"[^\W\d][\w\-]*", value) and not _HAN.search(value) or lang == "en" \
        else json.dumps(value, ensure_ascii=False)


def render(sentence: Sentence, lang: str) -> str:
    """The sentence in `lang`, in the canonical words of the table; it reads back to the same tree."""
    verb = VERBS[sentence.verb.value]
    reason_rows = {r.value: r for r in REASON_ROWS}
    reasons = [reason_rows[r.value].words(lang)[0] for r in sentence.reasons]
    noun = next(r for r in NOUN_ROWS if r.value == sentence.noun.value).words(lang)[0]
    mods = [m for m in sentence.modifiers if "{expr}" not in m.phrase.pattern]
    where = [m for m in sentence.modifiers if "{expr}" in m.phrase.pattern]
    if lang == "en":
        words = ([GUARD["en"][0]] if sentence.guard else []) + [verb.key]
        if reasons:
            words.append(" or ".join(reasons))
        words.append(noun)
        words += [_render_phrase(m, "en") for m in mods + where]
        return " ".join(words)
    guard = GUARD["zh"][0] if sentence.guard else ""
    said = "".join(reasons if len(reasons) < 2 else ["或".join(reasons)]) + noun
    tail = "".join("，" + _render_phrase(m, "zh") for m in where)
    if verb.zh_last:
        pre = "、".join(_render_phrase(m, "zh") for m in mods)
        return f"{guard}{pre}{'的' if pre else ''}{said}{verb.zh[0]}{tail}"
    k = len(mods)
    while k > 0 and mods[k - 1].phrase.zh_before_verb:
        k -= 1
    post = "、".join(_render_phrase(m, "zh") for m in mods[:k])
    pre = "、".join(_render_phrase(m, "zh") for m in mods[k:])
    return f"{guard}{pre}{verb.zh[0]}{post}{'的' if post else ''}{said}{tail}"


def translate(text: str, lang: str) -> str:
    """A sentence rule's text in `lang` (fmt --lang)."""
    return render(read(text.translate(FULL_WIDTH)), lang)


__all__ = ["lower_sentence", "tokenize", "translate", "read", "Problem", "Type"]
