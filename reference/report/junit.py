"""The report as JUnit XML for CI: one testsuite per component, one testcase per check."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from reference.report.model import Report


def render(report: Report) -> str:
    s = report.summary
    root = ET.Element("testsuites", name="scratch-conformance", tests=str(sum(s["checks"].values())),
                      failures=str(s["checks"].get("fail", 0)), errors=str(s["checks"].get("error", 0)),
                      skipped=str(s["checks"].get("skipped", 0)), time=f"{report.elapsed_seconds:.3f}")
    for c in report.components:
        suite = ET.SubElement(root, "testsuite", name=c.name, tests=str(max(len(c.checks), 1)),
                              failures=str(sum(k.status == "fail" for k in c.checks)),
                              errors=str(sum(k.status == "error" for k in c.checks)),
                              skipped=str(sum(k.status == "skipped" for k in c.checks)
                                          + (c.status == "not_implemented")),
                              time=f"{c.seconds:.3f}")
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="status", value=c.status)
        for a in c.advisories:
            ET.SubElement(props, "property", name="advisory", value=a)
        for d in c.diagnosis:
            ET.SubElement(props, "property", name="diagnosis", value=d)
        if c.status == "not_implemented":
            case = ET.SubElement(suite, "testcase", classname=c.name, name="implemented")
            ET.SubElement(case, "skipped", message="not implemented" + (f"; {c.suggestion}" if c.suggestion else ""))
            continue
        for k in c.checks:
            case = ET.SubElement(suite, "testcase", classname=c.name, name=k.id)
            detail = "\n".join(x for x in (k.message, *(f"hint: {h}" for h in k.hint.splitlines()),
                                           f"repro: {k.repro}" if k.repro else "") if x)
            if k.status == "fail":
                ET.SubElement(case, "failure", message=k.message[:200], type="NotConforming").text = detail
            elif k.status == "error":
                ET.SubElement(case, "error", message=k.message[:200], type="ImplementationError").text = detail
            elif k.status == "skipped":
                ET.SubElement(case, "skipped", message=k.message[:200])
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
