"""Scans as a Markdown report (GitHub-flavoured tables), for issues, wikis and pull requests."""

from __future__ import annotations

from tethers.model import ScanResult
from tethers.render import view

MAX_ERRORS = 10

# Characters that would end a table cell, open code or emphasis, start a link or
# HTML tag, or form an entity. Backslash first so that added escapes stay escapes.
_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "|": "\\|",
        "`": "\\`",
        "*": "\\*",
        "[": "\\[",
        "]": "\\]",
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
    }
)


def md(text: str) -> str:
    r"""Content as literal Markdown text; newlines and controls become visible ``\x0a`` first."""
    return view.clean(text).translate(_ESCAPES)


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return out


def render_markdown(scans: list[ScanResult]) -> str:
    """The report for every scan, one ``##`` section each, ending with a newline."""
    lines = ["# tethers report", ""]
    for scan in scans:
        lines += _scan(scan)
    return "\n".join(lines).rstrip("\n") + "\n"


def _scan(scan: ScanResult) -> list[str]:
    c = view.counts(scan)
    lines = [f"## {md(scan.domain)}", "", f"- Scan: {md(view.scan_line(scan))}", f"- Found: {md(view.counts_line(c))}"]
    if scan.meta:
        lines.append(f"- Versions: {md(view.meta_line(scan))}")
    if scan.failed:
        lines.append("- **Nothing could be learnt about this domain: every lookup failed.**")
    lines.append("")
    lines += _dependencies(scan) + _unattributed(scan) + _jurisdictions(scan) + _errors(scan)
    return lines


def _dependencies(scan: ScanResult) -> list[str]:
    if not scan.dependencies:
        return ["No provider was identified.", ""]
    rows = []
    for function, deps in view.group_by_function(view.ordered_dependencies(scan)):
        for index, dep in enumerate(deps):
            rows.append(
                [
                    function.value if index == 0 else "",
                    md(dep.provider.name),
                    md(view.owner_label(dep.provider)),
                    md(dep.provider.country),
                    md(", ".join(view.location_countries(dep.locations))),
                    "<br>".join(md(view.evidence_short(e)) for e in dep.evidence),
                ]
            )
    headers = ["Function", "Provider", "Owner", "Owner country", "Server countries", "Evidence"]
    return ["### Dependencies", "", *_table(headers, rows), ""]


def _unattributed(scan: ScanResult) -> list[str]:
    if not scan.unattributed:
        return []
    rows = [
        [
            view.function_label(u.function),
            md(u.domain),
            md(", ".join(view.location_countries(u.locations))),
            md(view.evidence_short(u.evidence)),
        ]
        for u in scan.unattributed
    ]
    return [
        "### Unattributed evidence",
        "",
        "Evidence that points outside the organisation but matches no provider in the knowledge base.",
        "",
        *_table(["Function hint", "Domain", "Server countries", "Evidence"], rows),
        "",
    ]


def _jurisdictions(scan: ScanResult) -> list[str]:
    owners = view.owner_jurisdictions(scan)
    servers = view.server_jurisdictions(scan)
    if not owners and not servers:
        return []
    rows = [
        [
            md(code),
            md(view.country_name(code)),
            view.functions_text(owners.get(code, [])),
            view.functions_text(servers.get(code, [])),
        ]
        for code in sorted(set(owners) | set(servers))
    ]
    headers = ["Country", "Name", "Owner jurisdiction of", "Servers located for"]
    return ["### Countries", "", *_table(headers, rows), ""]


def _errors(scan: ScanResult) -> list[str]:
    if not scan.errors:
        return []
    summary = ", ".join(f"{md(reason)} ×{n}" for reason, n in view.error_counts(scan))
    lines = ["### Errors", "", f"{view.plural(len(scan.errors), 'lookup')} failed: {summary}.", ""]
    lines += [f"- {md(view.error_line(e))}" for e in scan.errors[:MAX_ERRORS]]
    if len(scan.errors) > MAX_ERRORS:
        lines.append(f"- (+{len(scan.errors) - MAX_ERRORS} more; the JSON output lists all)")
    return [*lines, ""]
