"""Policy check results as JUnit XML, the test-report format CI systems display.

One ``<testsuite>`` per policy, one ``<testcase>`` per rule and function
(``classname`` = rule id, ``name`` = function). A violated error rule is a
``<failure>``; a warning passes with its message in ``<system-out>``; an unknown is
``<skipped>`` with the reason, so CI shows it without failing the build. ElementTree
escapes every value, and characters XML 1.0 cannot carry are made visible first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tethers.analyse.policy import CheckReport, Outcome, Status
from tethers.render.check import proof_lines

# XML 1.0 allows tab, newline, carriage return and most of the rest of Unicode, but no
# other C0 control and no surrogates; ElementTree would write them and break the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                        text)


def render_junit(report: CheckReport) -> str:
    cases = report.cases
    failures = sum(1 for c in cases if c.outcome is Outcome.FAIL)
    skipped = sum(1 for c in cases if c.outcome is Outcome.UNKNOWN)
    suites = ET.Element("testsuites", name=_x(f"tethers check: {report.policy.name}"), tests=str(len(cases)),
                        failures=str(failures), errors="0", skipped=str(skipped))
    suite = ET.SubElement(suites, "testsuite", name=_x(report.policy.name), tests=str(len(cases)),
                          failures=str(failures), errors="0", skipped=str(skipped))
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="organisation", value=_x(report.organisation))
    ET.SubElement(props, "property", name="policy", value=_x(report.policy.path))
    for case in cases:
        element = ET.SubElement(suite, "testcase", classname=_x(case.rule.id),
                                name=_x(case.function.value if case.function else "(no function)"))
        violated = [f for f in case.findings if f.status is Status.VIOLATED]
        unknown = [f for f in case.findings if f.status is Status.UNKNOWN]
        details = "\n".join(
            f"{f.message}\n" + "".join(f"    {line}\n" for line in proof_lines(f)) for f in case.findings)
        if case.outcome is Outcome.FAIL:
            failure = ET.SubElement(element, "failure", type=case.rule.kind.value,
                                    message=_x("; ".join(f.message for f in violated if f.failing)))
            failure.text = _x(details)
        elif case.outcome is Outcome.UNKNOWN:
            ET.SubElement(element, "skipped", message=_x("; ".join(f.message for f in unknown)))
        if case.findings and case.outcome is not Outcome.FAIL:
            ET.SubElement(element, "system-out").text = _x(details)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
