"""JUnit XML for CI: a testsuite per test file, a testcase per case (and per policy it runs on).

Failures carry expected vs actual in `message` and the explanation in the
body; cases whose event is invalid, and files that do not load, are errors.
With --min-coverage, each policy's coverage is one more testcase.

Case names and messages come from test files and events: control characters,
which XML 1.0 forbids (most of C0) or a person should not be shown raw (ESC,
C1, bidi controls), are written as visible escapes such as `\\x1b`, so the file
is always well formed.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..terminal import printable

from .coverage import PolicyCoverage
from ..locale import message
from .report import decision_text, error_details, failure_details, percent, plain
from .run import ERROR_STATUS, FAIL, RunResult


def _classname(path) -> str:
    name = str(path)
    for suffix in (".tests.yaml", ".tests.yml"):
        name = name.removesuffix(suffix)
    return name.replace("/", ".").replace("\\", ".").lstrip(".")


def to_xml(run: RunResult, cov: list[PolicyCoverage], min_coverage: float | None, lang: str = "en") -> str:
    root = ET.Element("testsuites", name="aftersale test")
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for f in run.files:
        suite = ET.SubElement(root, "testsuite", name=str(f.path), file=str(f.path))
        counts = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
        if f.error is not None:
            case = ET.SubElement(suite, "testcase", classname=_classname(f.path), name="(load)", file=str(f.path))
            err = ET.SubElement(case, "error", message=f.error.diagnostics[0].message_in(lang), type="invalid-test")
            err.text = f.error.render(lang)
            counts["tests"] += 1
            counts["errors"] += 1
        for r in f.results:
            name = r.case.name + (f" [{r.policy_path.name}]" if f.several else "")
            case = ET.SubElement(suite, "testcase", classname=_classname(f.path), name=name, file=str(f.path),
                                 line=str(r.case.line), time=f"{r.seconds:.6f}")
            counts["tests"] += 1
            counts["time"] += r.seconds
            if r.status == FAIL:
                e, rec = r.case.expect, r.record
                show = tuple(k for k in ("rule", "guards", "decided_by") if k in e)
                msg = message(lang, "test.junit.wrong", want=decision_text(
                    e['action'], e.get('rule'), e.get('guards') or (), e.get('decided_by'), show, lang),
                    got=decision_text(rec['action'], rec['rule'], rec['guards'], rec['decided_by'], show, lang))
                node = ET.SubElement(case, "failure", message=msg, type="wrong-decision")
                node.text = "\n".join(line[6:] for line in failure_details(r, str(f.path), lang=lang))
                counts["failures"] += 1
            elif r.status == ERROR_STATUS:
                node = ET.SubElement(case, "error", message=r.error.diagnostics[0].message_in(lang),
                                     type=r.error.diagnostics[0].name)
                node.text = "\n".join(line[6:] for line in error_details(r.error, plain, lang))
                counts["errors"] += 1
        _finish(suite, counts, totals)
    for err in run.errors:
        d = err.diagnostics[0]
        suite = ET.SubElement(root, "testsuite", name=d.span.file)
        case = ET.SubElement(suite, "testcase", classname=_classname(d.span.file), name="(discover)")
        node = ET.SubElement(case, "error", message=d.message_in(lang), type=d.name)
        node.text = err.render(lang)
        _finish(suite, {"tests": 1, "failures": 0, "errors": 1, "time": 0.0}, totals)
    if min_coverage is not None and cov:
        suite = ET.SubElement(root, "testsuite", name="rule coverage")
        counts = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
        for c in cov:
            case = ET.SubElement(suite, "testcase", classname="coverage", name=message(
                lang, "test.junit.covers", file=str(c.path), minimum=percent(min_coverage, lang, None)))
            counts["tests"] += 1
            if c.percent < min_coverage:
                node = ET.SubElement(case, "failure", type="coverage", message=message(
                    lang, "test.junit.covered", percent=percent(c.percent, lang, 1), minimum=percent(min_coverage, lang, None)))
                node.text = "\n".join(message(lang, "test.coverage.missed", kind=message(lang, f"lint.kind.{r.kind}"),
                                               rule=r.rule, why=r.why_in(lang))
                                       for r in c.rules if r.status != "covered")
                counts["failures"] += 1
        _finish(suite, counts, totals)
    for k, v in totals.items():
        root.set(k, f"{v:.6f}" if k == "time" else str(v))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml_safe(ET.tostring(root, encoding="unicode")) + "\n"


#: What XML 1.0 cannot hold even escaped, beyond the controls `printable` escapes: surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\\ud800-\\udfff\\ufffe\\uffff]")


def xml_safe(text: str) -> str:
    """Serialized XML with every control character shown as a visible escape (our markup holds none
    but newlines and indentation).

    >>> xml_safe('<a>' + chr(27) + '[2J' + chr(0) + '</a>')
    '<a>\\\\x1b[2J\\\\x00</a>'
    """
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", printable(text, lines=True))


def _finish(suite, counts: dict, totals: dict) -> None:
    for k, v in counts.items():
        suite.set(k, f"{v:.6f}" if k == "time" else str(v))
        totals[k] += v
    suite.set("skipped", "0")
