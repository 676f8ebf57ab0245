"""Traffic reports as a terminal summary, JSON (``tethers/traffic@1``) and an HTML section or page.

The content is the same in each: totals, traffic by provider, by owner country and
by server country, the endpoints, and the policy's violations with their bytes,
names and time ranges. Everything that came from the capture (names, SNI values,
evidence) goes through ``view.clean`` on a terminal and ``html.e`` in HTML.
"""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tethers.render import view
from tethers.render.html import e, page
from tethers.traffic import summary
from tethers.traffic.codec import SCHEMA, report_to_dict
from tethers.traffic.model import Endpoint, TrafficReport, Violation, iso
from tethers.traffic.summary import human_bytes

TOP = 25  # endpoints listed on a terminal unless asked for more
HTML_ENDPOINTS = 300
TIMELINE_ROWS = 20


def render_traffic_json(report: TrafficReport) -> str:
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"


def span(first: float, last: float) -> str:
    """``2021-02-12T10:00:01Z – 10:05:00Z``: the date is not repeated when it is the same."""
    a, b = iso(first), iso(last)
    if not a or not b or a == b:
        return a
    return f"{a} – {b[11:] if b[:10] == a[:10] else b}"


def brief(first: float, last: float) -> str:
    """``08:39:17Z +65 s``: time of day of the first packet and how long it lasted, for narrow columns."""
    start = iso(first)
    if not start:
        return ""
    seconds = max(last - first, 0.0)
    took = f"{seconds:.0f} s" if seconds < 600 else f"{seconds / 60:.0f} min" if seconds < 36_000 else f"{seconds / 3600:.1f} h"
    return f"{start[11:19]}Z +{took}"


def provider_label(ep: Endpoint) -> str:
    a = ep.attribution
    if a.provider is not None:
        return view.clean(a.provider.name)
    if a.own:
        return "own"
    if a.local:
        return "local network"
    return f"unattributed: {view.clean(a.domain)}" if a.domain else "unattributed"


def group_label(g: summary.Group) -> str:
    if g.provider is not None or g.key in ("own", "local"):
        return view.clean(g.label)
    return f"unattributed: {view.clean(g.label)}"


def _where(ep: Endpoint) -> str:
    loc = ep.location
    return " ".join(p for p in (loc.country or "", f"AS{loc.asn}" if loc.asn else "") if p)


# -- terminal ----------------------------------------------------------------


def render_traffic_terminal(report: TrafficReport, console: Console, top: int = TOP) -> None:
    eps = report.endpoints
    t = summary.totals(eps)
    for info in report.inputs:
        what = ", ".join(p for p in (info.format, info.link, f"{info.records} records", span(info.first or 0, info.last or 0) if info.first else "") if p)
        console.print(Text.assemble((view.clean(info.path), "bold"), "  ", (view.clean(what), "dim")))
    console.print(Text(
        f"{view.plural(t.endpoints, 'endpoint')}, {view.plural(t.flows, 'flow')}, {human_bytes(t.bytes_out)} out, "
        f"{human_bytes(t.bytes_in)} in; {view.plural(t.providers, 'provider')}, {t.unattributed} unattributed; "
        f"{view.plural(report.dns_answers, 'DNS answer')}"
    ))
    if eps:
        console.print(_provider_table(eps))
        _countries(eps, console)
        console.print(_endpoint_table(eps, top))
        if len(eps) > top:
            console.print(Text(f"(+{len(eps) - top} more endpoints; --top N shows more, --format json lists all)", style="dim"))
    if report.policy is not None:
        _policy(report, console)
    console.print()


def _provider_table(eps: tuple[Endpoint, ...]) -> Table:
    table = Table(title=Text("By provider", style="bold"), title_justify="left")
    for name, kw in (("Provider", {"overflow": "fold", "ratio": 2}), ("Function", {"style": "cyan"}), ("Owner", {"overflow": "fold", "ratio": 2}),
                     ("Owner\ncountry", {}), ("Server\ncountries", {}), ("Endpoints", {"justify": "right"}),
                     ("Out", {"justify": "right"}), ("In", {"justify": "right"}), ("Seen", {"overflow": "fold", "ratio": 2})):
        table.add_column(name, **kw)  # type: ignore[arg-type]
    for g in summary.by_provider(eps):
        p = g.provider
        table.add_row(
            Text(group_label(g)),
            Text(g.function or ""),
            Text(view.owner_label(p) if p else ""),
            Text(view.clean(p.country) if p else ""),
            Text(", ".join(c for c in g.server_countries if c != summary.UNKNOWN) or ""),
            Text(str(g.endpoints)),
            Text(human_bytes(g.bytes_out)),
            Text(human_bytes(g.bytes_in)),
            Text(brief(g.first, g.last) if g.flows else "DNS only"),
        )
    return table


def _countries(eps: tuple[Endpoint, ...], console: Console) -> None:
    owners = summary.by_owner_country(eps)
    if owners:
        line = Text("Owner countries: ", style="bold")
        line.append("; ".join(f"{view.country_label(c)} {human_bytes(b)} ({', '.join(view.clean(n) for n in names[:4])}{'…' if len(names) > 4 else ''})"
                              for c, b, names in owners))
        console.print(line)
    servers = summary.by_server_country(eps)
    if servers:
        line = Text("Server countries: ", style="bold")
        line.append("; ".join(f"{c if c != summary.UNKNOWN else 'unknown'} {human_bytes(b)} ({view.plural(n, 'endpoint')})" for c, b, n in servers))
        console.print(line)


def _endpoint_table(eps: tuple[Endpoint, ...], top: int) -> Table:
    table = Table(title=Text("Endpoints", style="bold"), title_justify="left")
    table.add_column("Name", overflow="fold", ratio=3)
    table.add_column("Server", overflow="fold", ratio=2)
    table.add_column("Where")
    table.add_column("Protocols", overflow="fold")
    table.add_column("Out", justify="right")
    table.add_column("In", justify="right")
    table.add_column("Provider", overflow="fold", ratio=2)
    for ep in eps[:top]:
        ports = ",".join(str(p) for p in ep.ports[:4]) + ("…" if len(ep.ports) > 4 else "")
        table.add_row(
            Text(view.clean(ep.name) or "-"),
            Text(view.clean(ep.server) + (f" :{ports}" if ports else "")),
            Text(_where(ep)),
            Text(", ".join(ep.protocols)),
            Text(human_bytes(ep.bytes_out)),
            Text(human_bytes(ep.bytes_in)),
            Text(provider_label(ep)),
        )
    return table


def _policy(report: TrafficReport, console: Console) -> None:
    result = report.policy
    assert result is not None
    console.print(Text.assemble(("Policy: ", "bold"), view.clean(result.description)))
    if not result.violations:
        console.print(Text("no violations: every flow went to an allowed place", style="bold green"))
    else:
        console.print(_violation_table(f"Policy violations ({len(result.violations)})", result.violations, "bold red"))
    if result.warnings:
        console.print(_violation_table(f"Policy warnings ({len(result.warnings)})", result.warnings, "bold yellow"))
    if result.unlocated:
        names = ", ".join(view.clean(ep.name or ep.server) for ep in result.unlocated[:5])
        console.print(Text(f"not judged: {view.plural(len(result.unlocated), 'endpoint')} the IP data cannot place ({names}"
                           f"{'…' if len(result.unlocated) > 5 else ''})", style="yellow"))


def _violation_table(title: str, items: tuple[Violation, ...], style: str) -> Table:
    table = Table(title=Text(title, style=style), title_justify="left")
    table.add_column("Endpoint", overflow="fold", ratio=2)
    table.add_column("Provider", overflow="fold", ratio=1)
    table.add_column("Out / in", justify="right")
    table.add_column("Seen", overflow="fold", ratio=1)
    table.add_column("Why", overflow="fold", ratio=3)
    for v in items:
        ep = v.endpoint
        table.add_row(
            Text(f"{view.clean(ep.name) or '-'}\n{view.clean(ep.server)}"),
            Text(provider_label(ep)),
            Text(f"{human_bytes(ep.bytes_out)} / {human_bytes(ep.bytes_in)}"),
            Text(brief(ep.first, ep.last)),
            Text("\n".join(view.clean(r) for r in v.reasons)),
        )
    return table


# -- HTML ----------------------------------------------------------------------


def render_traffic_html(report: TrafficReport) -> str:
    """A whole self-contained page (the scan report's styles and security policy)."""
    body = "<h1>Where the traffic goes</h1>\n" + render_traffic_section(report)
    return page("tethers: traffic", body).replace("(schema tethers/scan@1)", f"(schema {SCHEMA})")


def render_traffic_section(report: TrafficReport) -> str:
    """One ``<section>``: stats, policy findings, timeline, countries, providers, endpoints, warnings."""
    eps = report.endpoints
    t = summary.totals(eps)
    inputs = ", ".join(e(i.path) for i in report.inputs)
    out = ['<section class="scan traffic">', f'<p class="sub">{view.plural(len(report.inputs), "input")}: {inputs}</p>']
    if t.first is not None:
        out.append(f'<p class="sub">Traffic from {e(span(t.first, t.last or t.first))}</p>')
    violations = len(report.policy.violations) if report.policy else 0
    stats = [("Endpoints", t.endpoints, False), ("Flows", t.flows, False), ("Bytes out", human_bytes(t.bytes_out), False),
             ("Bytes in", human_bytes(t.bytes_in), False), ("Providers", t.providers, False),
             ("Unattributed", t.unattributed, t.unattributed > 0)]
    if report.policy is not None:
        stats.append(("Policy violations", violations, violations > 0))
    warn_class = ' class="warn"'
    cells = "".join(f"<div{warn_class if warn else ''}><dt>{label}</dt><dd>{e(str(n))}</dd></div>" for label, n, warn in stats)
    out.append(f'<dl class="stats">{cells}</dl>')
    if report.policy is not None:
        out.append(_html_policy(report))
    out += [_timeline(report), _html_countries(eps), _html_providers(eps), _html_endpoints(eps), _html_warnings(report)]
    out.append("</section>")
    return "\n".join(part for part in out if part)


def _country(code: str | None) -> str:
    if not code:
        return ""
    name = view.country_name(code)
    return f'<abbr title="{e(name)}">{e(code)}</abbr>' if name else e(code)


def _evidence(ep: Endpoint) -> str:
    if not ep.evidence:
        return ""
    items = []
    for ev in ep.evidence:
        trail = view.evidence_trail(ev)
        via = "".join(f"<li>via <code>{e(step)}</code></li>" for step in trail[1:])
        items.append(f"<li><code>{e(trail[0])}</code>" + (f'<ul class="via">{via}</ul>' if via else "") + "</li>")
    rule = f'<p class="note">Matched <code>{e(ep.attribution.rule)}</code> on <code>{e(ep.attribution.matched)}</code></p>' if ep.attribution.rule else ""
    first = view.evidence_short(ep.evidence[0], 50)
    return f"<details><summary>{e(first)}</summary><ul>{''.join(items)}</ul>{rule}</details>"


def _html_policy(report: TrafficReport) -> str:
    result = report.policy
    assert result is not None
    out = [f"<h3>Policy</h3>\n<p>{e(result.description)}</p>"]
    if result.violations:
        out.append(f'<p class="failed">{view.plural(len(result.violations), "endpoint")} outside the policy.</p>')
        out.append(_html_violations(result.violations))
    else:
        out.append('<p class="note">No violations: every flow went to an allowed place.</p>')
    if result.warnings:
        out.append(f"<p>{view.plural(len(result.warnings), 'endpoint')} break rules of severity warning:</p>")
        out.append(_html_violations(result.warnings))
    if result.unlocated:
        names = ", ".join(e(ep.name or ep.server) for ep in result.unlocated[:10])
        out.append(f'<p class="note">Not judged: {view.plural(len(result.unlocated), "endpoint")} the IP data cannot place ({names}).</p>')
    return "\n".join(out)


def _html_violations(items: tuple[Violation, ...]) -> str:
    rows = "\n".join(
        f"<tr><td>{e(v.endpoint.name or '-')}<br><code>{e(v.endpoint.server)}</code></td><td>{e(provider_label(v.endpoint))}</td>"
        f"<td>{e(human_bytes(v.endpoint.bytes_out))} / {e(human_bytes(v.endpoint.bytes_in))}</td>"
        f"<td>{e(span(v.endpoint.first, v.endpoint.last))}</td><td>{'<br>'.join(e(r) for r in v.reasons)}</td></tr>"
        for v in items
    )
    return (f'<table class="violations"><thead><tr><th>Endpoint</th><th>Provider</th><th>Out / in</th><th>Seen</th><th>Why</th></tr></thead>'
            f"<tbody>\n{rows}\n</tbody></table>")


def _timeline(report: TrafficReport) -> str:
    """One row per provider (the busiest first), a bar for each endpoint's first-to-last span."""
    eps = [ep for ep in report.endpoints if ep.flows]
    if not eps:
        return ""
    start, end = min(ep.first for ep in eps), max(ep.last for ep in eps)
    width = max(end - start, 1e-3)
    bad = {id(v.endpoint) for v in report.policy.violations} if report.policy else set()
    groups = summary.by_provider(eps)[:TIMELINE_ROWS]
    members: dict[str, list[Endpoint]] = {}
    for ep in eps:
        members.setdefault(summary.group_key(ep)[0], []).append(ep)
    left, plot, row = 230, 740, 22
    parts = []
    for i, g in enumerate(groups):
        y = 24 + i * row
        parts.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{e(view.shorten(group_label(g), 30))}</text>')
        for ep in members.get(g.key, ()):
            x = left + (ep.first - start) / width * plot
            w = max((ep.last - ep.first) / width * plot, 2.0)
            cls = "bar bad" if id(ep) in bad else "bar"
            parts.append(f'<rect class="{cls}" x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row - 8}">'
                         f"<title>{e(ep.name or ep.server)} {e(human_bytes(ep.bytes))} {e(span(ep.first, ep.last))}</title></rect>")
    height = 24 + len(groups) * row + 24
    axis = (f'<text x="{left}" y="14" class="tick">{e(iso(start))}</text>'
            f'<text x="{left + plot}" y="14" class="tick" text-anchor="end">{e(iso(end))}</text>'
            f'<line x1="{left}" y1="{height - 18}" x2="{left + plot}" y2="{height - 18}" class="axis"/>')
    style = ("<style>svg.timeline{display:block;width:100%;min-width:760px;height:auto;font:12px system-ui,sans-serif}"
             "svg.timeline text{fill:var(--fg)} svg.timeline .tick{fill:var(--muted)} svg.timeline .axis{stroke:var(--line)}"
             "svg.timeline .bar{fill:var(--accent);opacity:.8} svg.timeline .bar.bad{fill:var(--bad)}</style>")
    svg = (f'<svg class="timeline" viewBox="0 0 {left + plot + 10} {height}" role="img" aria-label="Timeline of traffic by provider">'
           f"{axis}{''.join(parts)}</svg>")
    note = '<p class="note">Each bar runs from an endpoint\'s first packet to its last; red bars are policy violations.</p>'
    return f'<h3>Timeline</h3>\n{style}\n<div class="graph-wrap">{svg}</div>\n{note}'


def _html_countries(eps: tuple[Endpoint, ...]) -> str:
    servers = summary.by_server_country(eps)
    owners = {c: (b, names) for c, b, names in summary.by_owner_country(eps)}
    codes = list(dict.fromkeys([c for c, _, _ in servers] + list(owners)))
    if not codes:
        return ""
    server_bytes = {c: (b, n) for c, b, n in servers}
    rows = []
    for code in codes:
        sb, sn = server_bytes.get(code, (0, 0))
        ob, names = owners.get(code, (0, []))
        label = "unknown" if code == summary.UNKNOWN else view.country_name(code)
        rows.append(f"<tr><td>{e(code)}</td><td>{e(label)}</td><td>{e(human_bytes(sb)) if sn else ''}</td><td>{sn or ''}</td>"
                    f"<td>{e(human_bytes(ob)) if names else ''}</td><td>{e(', '.join(names))}</td></tr>")
    head = "<tr><th>Code</th><th>Country</th><th>Bytes to servers there</th><th>Endpoints</th><th>Bytes to providers owned there</th><th>Providers</th></tr>"
    return f'<h3>Countries</h3>\n<table class="countries"><thead>{head}</thead><tbody>\n' + "\n".join(rows) + "\n</tbody></table>"


def _html_providers(eps: tuple[Endpoint, ...]) -> str:
    rows = []
    for g in summary.by_provider(eps):
        p = g.provider
        name = e(group_label(g))
        countries = ", ".join(_country(c) for c in g.server_countries if c != summary.UNKNOWN)
        seen = e(span(g.first, g.last)) if g.flows else "DNS answer only"
        rows.append(f"<tr><td>{name}</td><td>{e(g.function)}</td><td>{e(view.owner_label(p)) if p else ''}</td><td>{_country(p.country) if p else ''}</td>"
                    f"<td>{countries}</td><td>{g.endpoints}</td><td>{e(human_bytes(g.bytes_out))}</td><td>{e(human_bytes(g.bytes_in))}</td><td>{seen}</td></tr>")
    head = "".join(f"<th>{h}</th>" for h in ("Provider", "Function", "Owner", "Owner country", "Server countries", "Endpoints", "Out", "In", "Seen"))
    return f'<h3>By provider</h3>\n<table class="deps"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(rows) + "\n</tbody></table>"


def _html_endpoints(eps: tuple[Endpoint, ...]) -> str:
    rows = []
    for ep in eps[:HTML_ENDPOINTS]:
        ports = ", ".join(str(p) for p in ep.ports[:6])
        notes = "".join(f'<p class="note">{e(n)}</p>' for n in ep.notes)
        rows.append(f"<tr><td>{e(ep.name or '-')}{notes}</td><td><code>{e(ep.server)}</code> {e(ports)}</td><td>{_country(ep.location.country)}</td>"
                    f"<td>{e(', '.join(ep.protocols))}</td><td>{e(human_bytes(ep.bytes_out))} / {e(human_bytes(ep.bytes_in))}</td>"
                    f"<td>{e(provider_label(ep))}</td><td>{_evidence(ep)}</td></tr>")
    more = f'<p class="note">(+{len(eps) - HTML_ENDPOINTS} more; the JSON output lists all)</p>' if len(eps) > HTML_ENDPOINTS else ""
    head = "".join(f"<th>{h}</th>" for h in ("Name", "Server", "Country", "Protocols", "Out / in", "Provider", "Evidence"))
    return f'<h3>Endpoints</h3>\n<table class="endpoints"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(rows) + f"\n</tbody></table>{more}"


def _html_warnings(report: TrafficReport) -> str:
    items = [f"<li><code>{e(i.path)}</code>: {e(w)}</li>" for i in report.inputs for w in i.warnings]
    return f'<h3>Input warnings</h3>\n<ul>{"".join(items)}</ul>' if items else ""
