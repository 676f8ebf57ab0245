"""Policy check results: each violation with its evidence, in terminal, JSON, Markdown and HTML.

``tethers/check@1`` JSON is for CI systems and scripts; JUnit XML is in ``render.junit``.
Violations come first, then warnings, then unknowns (rules the evidence could not
decide, such as a server-country rule for a tether with no seen server); they never fail.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.text import Text

from tethers.analyse.policy import CheckReport, Outcome, Status, Violation
from tethers.config.policy import Severity
from tethers.model import Origin
from tethers.model.codec import evidence_to_dict, location_to_dict, provider_to_dict
from tethers.render import view
from tethers.render.html import e
from tethers.render.markdown import md

SCHEMA = "tethers/check@1"
MAX_LINES = 5  # evidence lines shown per finding on a terminal or in Markdown


def _label(f: Violation) -> str:
    if f.status is Status.UNKNOWN:
        return "unknown"
    return "violation" if f.severity is Severity.ERROR else "warning"


def _ordered(report: CheckReport) -> list[Violation]:
    rank = {"violation": 0, "warning": 1, "unknown": 2}
    return sorted(report.findings, key=lambda f: rank[_label(f)])  # stable: rule order within a group


def proof_lines(f: Violation) -> list[str]:
    """What supports a finding: evidence records, server addresses, or the inventory that declared it."""
    lines = [view.evidence_short(ev) for ev in f.evidence]
    for loc in f.locations:
        asn = f" AS{loc.asn}" if loc.asn else ""
        lines.append(view.clean(f"server {loc.ip} in {loc.country or 'unknown country'}{asn}"))
    if not f.evidence and f.origin is Origin.DECLARED:
        lines.append("declared in the inventory (no DNS evidence)")
    return lines


def counts(report: CheckReport) -> dict[str, int]:
    labels = [_label(f) for f in report.findings]
    return {
        "rules": len(report.policy.rules),
        "cases": len(report.cases),
        "passed": sum(1 for c in report.cases if c.outcome is Outcome.PASS),
        "violations": labels.count("violation"),
        "warnings": labels.count("warning"),
        "unknown": labels.count("unknown"),
    }


def verdict(report: CheckReport) -> str:
    c = counts(report)
    head = "FAILED" if report.failed else "passed"
    return (f"policy {report.policy.name!r} {head}: {view.plural(c['violations'], 'violation')}, "
            f"{view.plural(c['warnings'], 'warning')}, {c['unknown']} unknown; "
            f"{c['passed']} of {view.plural(c['cases'], 'check')} passed ({view.plural(c['rules'], 'rule')})")


# --- terminal ----------------------------------------------------------------------

_STYLE = {"violation": ("✗", "bold red"), "warning": ("!", "yellow"), "unknown": ("?", "dim")}


def render_check_terminal(report: CheckReport, console: Console) -> None:
    console.print(Text.assemble(("Policy check: ", "bold"), (view.clean(report.policy.name), "bold"),
                                (" over ", ""), (view.clean(report.organisation), "bold")))
    for f in _ordered(report):
        mark, style = _STYLE[_label(f)]
        console.print(Text.assemble((f"{mark} {_label(f)} ", style), (f"[{view.clean(f.rule)}] ", "bold"),
                                    view.clean(f.message)))
        lines = proof_lines(f)
        for line in lines[:MAX_LINES]:
            console.print(Text(f"    {line}", style="dim"))
        if len(lines) > MAX_LINES:
            console.print(Text(f"    +{len(lines) - MAX_LINES} more", style="dim"))
    console.print(Text(verdict(report), style="bold red" if report.failed else "bold green"))


# --- JSON --------------------------------------------------------------------------

def _finding_dict(f: Violation) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "status": f.status.value,
        "severity": f.severity.value,
        "function": f.function.value if f.function else None,
        "provider": provider_to_dict(f.provider) if f.provider else None,
        "origin": f.origin.value if f.origin else None,
        "message": f.message,
        "evidence": [evidence_to_dict(ev) for ev in f.evidence],
        "locations": [location_to_dict(loc) for loc in f.locations],
    }


def check_to_dict(report: CheckReport) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "organisation": report.organisation,
        "policy": {"name": report.policy.name, "path": report.policy.path, "description": report.policy.description},
        "passed": not report.failed,
        "counts": counts(report),
        "rules": [{"id": r.id, "kind": r.kind.value, "severity": r.severity.value, "description": r.description,
                   "functions": [f.value for f in r.functions]} for r in report.policy.rules],
        "cases": [{"rule": c.rule.id, "function": c.function.value if c.function else None,
                   "outcome": c.outcome.value} for c in report.cases],
        "findings": [_finding_dict(f) for f in _ordered(report)],
    }


def render_check_json(report: CheckReport) -> str:
    return json.dumps(check_to_dict(report), indent=2, ensure_ascii=False) + "\n"


# --- Markdown ----------------------------------------------------------------------

def render_check_markdown(report: CheckReport) -> str:
    lines = [f"# Policy check: {md(report.policy.name)}", "", f"- Over: {md(report.organisation)}",
             f"- Result: **{md(verdict(report))}**", ""]
    findings = _ordered(report)
    if findings:
        lines += ["| | rule | function | provider | finding |", "|---|---|---|---|---|"]
        for f in findings:
            cells = (_label(f), f.rule, f.function.value if f.function else "", f.provider.name if f.provider else "",
                     f.message)
            lines.append("| " + " | ".join(md(c) or " " for c in cells) + " |")
        lines += ["", "## Evidence", ""]
        for f in findings:
            proof = proof_lines(f)
            if not proof:
                continue
            lines.append(f"- **{md(f.rule)}** {md(f.message)}")
            lines += [f"  - `{md(p)}`" for p in proof[:MAX_LINES]]
            if len(proof) > MAX_LINES:
                lines.append(f"  - +{len(proof) - MAX_LINES} more")
    lines += ["", "## Rules", ""]
    for rule in report.policy.rules:
        outcomes = [c.outcome.value for c in report.cases if c.rule is rule]
        worst = next((o for o in ("fail", "warn", "unknown") if o in outcomes), "pass")
        lines.append(f"- {md(rule.id)}: {worst}" + (f" — {md(rule.description)}" if rule.description else ""))
    return "\n".join(lines).rstrip("\n") + "\n"


# --- HTML --------------------------------------------------------------------------

def render_check_html_section(report: CheckReport) -> str:
    """A ``<section>`` for the HTML report; every value escaped."""
    status = "failed" if report.failed else "passed"
    out = ['<section class="policy-check">', f"<h3>Policy: {e(report.policy.name)}</h3>",
           f'<p class="{status}">{e(verdict(report))}</p>']
    findings = _ordered(report)
    if findings:
        out.append("<table><thead><tr><th></th><th>rule</th><th>function</th><th>provider</th><th>finding</th>"
                   "<th>evidence</th></tr></thead><tbody>")
        for f in findings:
            proof = "".join(f"<li><code>{e(p)}</code></li>" for p in proof_lines(f))
            cells = (_label(f), f.rule, f.function.value if f.function else "", f.provider.name if f.provider else "",
                     f.message)
            out.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + f"<td><ul>{proof}</ul></td></tr>")
        out.append("</tbody></table>")
    out.append("</section>")
    return "\n".join(out)
