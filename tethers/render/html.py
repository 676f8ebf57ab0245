"""Scans as one self-contained HTML page: summary, tables, a dependency graph, countries, errors.

No external requests and no script: styles are inline and the page carries a
Content-Security-Policy that forbids both. Every string that came from the world is
passed through ``e`` (control characters made visible, then ``html.escape`` with
quotes), in text and in attributes alike.
"""

from __future__ import annotations

import html
from functools import lru_cache
from importlib import resources
from string import Template

from tethers.model import Dependency, Evidence, Location, ScanResult
from tethers.render import view
from tethers.render.graph import build_graph, render_svg

MAX_ERRORS = 50


def e(text: str) -> str:
    """Content as HTML text or attribute value."""
    return html.escape(view.clean(text), quote=True)


@lru_cache(maxsize=1)
def _template() -> Template:
    text = resources.files("tethers.render").joinpath("templates/report.html").read_text(encoding="utf-8")
    return Template(text)


def page(title: str, body: str) -> str:
    """A whole self-contained page in the report style around ``body`` (HTML, already escaped)."""
    return _template().substitute(title=e(title), body=body).rstrip("\n") + "\n"


def render_html(scans: list[ScanResult]) -> str:
    """The whole page for every scan, ending with a newline."""
    domains = [view.clean(s.domain) for s in scans]
    title = f"tethers: {', '.join(domains[:3])}" + (f" and {len(domains) - 3} more" if len(domains) > 3 else "")
    parts = ["<h1>Who this depends on</h1>", f'<p class="sub">{view.plural(len(scans), "domain")} scanned.</p>']
    if len(scans) > 1:
        links = "".join(f'<li><a href="#scan-{i}">{e(d)}</a></li>' for i, d in enumerate(domains, 1))
        parts.append(f'<nav aria-label="Domains"><ul>{links}</ul></nav>')
    parts += [_scan(i, scan) for i, scan in enumerate(scans, 1)]
    return page(title, "\n".join(parts))


def _scan(index: int, scan: ScanResult) -> str:
    out = [f'<section class="scan" id="scan-{index}">', f"<h2>{e(scan.domain)}</h2>", f'<p class="sub">{e(view.scan_line(scan))}</p>']
    if scan.failed:
        out.append('<p class="failed">Nothing could be learnt about this domain: every lookup failed.</p>')
    out += [_stats(scan), _jurisdiction_chips(scan), _dependencies(scan), _graph(scan), _countries(scan)]
    out += [_unattributed(scan), _errors(scan)]
    if scan.meta:
        out.append(f'<p class="note">{e(view.meta_line(scan))}</p>')
    out.append("</section>")
    return "\n".join(part for part in out if part)


def _stats(scan: ScanResult) -> str:
    c = view.counts(scan)
    items = [
        ("Dependencies", c.dependencies, False),
        ("Providers", c.providers, False),
        ("Owners", c.owners, False),
        ("Owner countries", c.jurisdictions, False),
        ("Server countries", c.server_countries, False),
        ("Unattributed", c.unattributed, c.unattributed > 0),
        ("Lookup errors", c.errors, c.errors > 0),
        ("Records", c.evidence, False),
    ]
    warn_class = ' class="warn"'
    cells = "".join(f"<div{warn_class if warn else ''}><dt>{label}</dt><dd>{n}</dd></div>" for label, n, warn in items)
    return f'<dl class="stats">{cells}</dl>'


def _country(code: str) -> str:
    name = view.country_name(code)
    return f'<abbr title="{e(name)}">{e(code)}</abbr>' if name else e(code)


def _countries_inline(locations: tuple[Location, ...]) -> str:
    return ", ".join(_country(c) for c in view.location_countries(locations))


def _jurisdiction_chips(scan: ScanResult) -> str:
    owners = view.owner_jurisdictions(scan)
    if not owners:
        return ""
    chips = "".join(
        f'<span class="chip"><b>{_country(code)}</b> {e(view.functions_text(fns))}</span>' for code, fns in owners.items()
    )
    return f'<div class="chips"><span>Jurisdictions that can compel a provider:</span>{chips}</div>'


def _evidence_item(ev: Evidence) -> str:
    trail = view.evidence_trail(ev)
    via = "".join(f"<li>via <code>{e(step)}</code></li>" for step in trail[1:])
    return f"<li><code>{e(trail[0])}</code>" + (f'<ul class="via">{via}</ul>' if via else "") + "</li>"


def _evidence_details(evidence: tuple[Evidence, ...], rules: tuple[str, ...] = ()) -> str:
    first = view.evidence_short(evidence[0], 60) if evidence else "no evidence"
    more = f" (+{len(evidence) - 1})" if len(evidence) > 1 else ""
    items = "".join(_evidence_item(ev) for ev in evidence)
    rule_note = f'<p class="note">Matched {", ".join(f"<code>{e(r)}</code>" for r in rules)}</p>' if rules else ""
    return f"<details><summary>{e(first)}{more}</summary><ul>{items}</ul>{rule_note}</details>"


def _dependencies(scan: ScanResult) -> str:
    if not scan.dependencies:
        return '<h3>Dependencies</h3>\n<p class="note">No provider was identified.</p>'
    rows = []
    for function, deps in view.group_by_function(view.ordered_dependencies(scan)):
        for i, dep in enumerate(deps):
            fn = f'<td class="fn" rowspan="{len(deps)}">{e(function.value)}</td>' if i == 0 else ""
            tr = '<tr class="group">' if i == 0 else "<tr>"
            rows.append(f"{tr}{fn}{_dependency_cells(dep)}</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("Function", "Provider", "Owner", "Owner country", "Server countries", "Evidence"))
    body = "\n".join(rows)
    return f'<h3>Dependencies</h3>\n<table class="deps"><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>'


def _dependency_cells(dep: Dependency) -> str:
    p = dep.provider
    cells = [e(p.name), e(view.owner_label(p)), _country(p.country), _countries_inline(dep.locations), _evidence_details(dep.evidence, dep.rules)]
    return "".join(f"<td>{c}</td>" for c in cells)


def _graph(scan: ScanResult) -> str:
    graph = build_graph(scan)
    if graph.empty:
        return ""
    svg = render_svg(graph, f"Dependency graph of {scan.domain}")
    return f'<h3>Dependency graph</h3>\n<div class="graph-wrap">\n{svg}\n</div>'


def _countries(scan: ScanResult) -> str:
    owned: dict[str, dict[str, list[str]]] = {}  # country → function → provider names
    for dep in view.ordered_dependencies(scan):
        names = owned.setdefault(view.clean(dep.provider.country), {}).setdefault(dep.function.value, [])
        if dep.provider.name not in names:
            names.append(dep.provider.name)
    servers = view.server_jurisdictions(scan)
    codes = sorted(set(owned) | set(servers))
    if not codes:
        return ""
    rows = []
    for code in codes:
        compel = "<br>".join(f"<b>{e(fn)}</b>: {e(', '.join(names))}" for fn, names in owned.get(code, {}).items())
        located = e(view.functions_text(servers.get(code, [])))
        rows.append(f"<tr><td>{e(code)}</td><td>{e(view.country_name(code))}</td><td>{compel}</td><td>{located}</td></tr>")
    head = "<tr><th>Code</th><th>Country</th><th>Owner jurisdiction of</th><th>Servers located for</th></tr>"
    note = '<p class="note">Owner jurisdiction: where the provider\'s ultimate owner is headquartered. Servers: where the addresses of the service sit.</p>'
    body = "\n".join(rows)
    return f'<h3>Countries</h3>\n{note}\n<table class="countries"><thead>{head}</thead><tbody>\n{body}\n</tbody></table>'


def _unattributed(scan: ScanResult) -> str:
    if not scan.unattributed:
        return ""
    rows = "\n".join(
        f"<tr><td class=\"fn\">{e(view.function_label(u.function))}</td><td>{e(u.domain)}</td>"
        f"<td>{_countries_inline(u.locations)}</td><td>{_evidence_details((u.evidence,))}</td></tr>"
        for u in scan.unattributed
    )
    head = "<tr><th>Function hint</th><th>Domain</th><th>Server countries</th><th>Evidence</th></tr>"
    note = '<p class="note">Evidence that points outside the organisation but matches no provider in the knowledge base.</p>'
    return f'<h3>Unattributed evidence</h3>\n{note}\n<table class="unattributed"><thead>{head}</thead><tbody>\n{rows}\n</tbody></table>'


def _errors(scan: ScanResult) -> str:
    if not scan.errors:
        return ""
    summary = ", ".join(f"{e(reason)} ×{n}" for reason, n in view.error_counts(scan))
    items = "\n".join(f"<li><code>{e(view.error_line(err))}</code></li>" for err in scan.errors[:MAX_ERRORS])
    more = f'<p class="note">(+{len(scan.errors) - MAX_ERRORS} more; the JSON output lists all)</p>' if len(scan.errors) > MAX_ERRORS else ""
    return f'<h3>Lookup errors</h3>\n<p>{e(view.plural(len(scan.errors), "lookup"))} failed: {summary}.</p>\n<ul>\n{items}\n</ul>{more}'
