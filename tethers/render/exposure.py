"""The jurisdiction exposure report: who controls each tether, and separately where its servers sit.

One content decision per report, four markups: terminal (rich, every cell a ``Text``),
``tethers/exposure@1`` JSON, Markdown, and an HTML section the page renderer can embed.
Everything from the world (names, owners, sources) is escaped for its markup.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tethers.analyse.exposure import ExposureReport, TetherExposure
from tethers.config.jurisdictions import Regime
from tethers.model.codec import location_to_dict, provider_to_dict
from tethers.render import view
from tethers.render.html import e
from tethers.render.markdown import md

SCHEMA = "tethers/exposure@1"
INTRO = ("Controls: the country of each provider's ultimate owner, whose laws can compel it wherever "
         "its servers are. Servers: where the addresses we saw sit. Two questions, kept apart.")


def _regime_list(te: TetherExposure) -> str:
    """What the controlling country's regimes allow, e.g. ``compel-data, interception (5 regimes)``;
    the regimes themselves are listed once, below the table."""
    if not te.regimes:
        return "no regime listed" if te.controls else "unknown"
    return f"{', '.join(c.value for c in te.capabilities())} ({view.plural(len(te.regimes), 'regime')})"


def _servers(te: TetherExposure) -> str:
    if te.servers:
        return ", ".join(te.servers) + (f" (+{te.unlocated} unlocated)" if te.unlocated else "")
    return "not seen" if not te.unlocated else f"{te.unlocated} unlocated"


def _controls(te: TetherExposure) -> str:
    return view.country_label(te.controls) if te.controls else "unknown"


# --- terminal ----------------------------------------------------------------------

def render_exposure_terminal(report: ExposureReport, console: Console) -> None:
    console.print(Text.assemble(("Jurisdiction exposure: ", "bold"), (view.clean(report.organisation), "bold")))
    console.print(Text(INTRO, style="dim"))
    if not report.tethers:
        console.print(Text("no tethers to report"))
        return
    table = Table(show_lines=False, pad_edge=False)
    for header in ("function", "provider", "owner", "controls", "regimes there allow", "servers seen in"):
        table.add_column(header)
    for te in report.tethers:
        table.add_row(*(Text(view.clean(c)) for c in (
            te.function.value, te.provider.name, view.owner_label(te.provider), _controls(te), _regime_list(te), _servers(te))))
    console.print(table)
    for regime, tethers in report.by_regime():
        console.print(Text.assemble(
            ("\n" + view.clean(f"{regime.short} ({regime.jurisdiction}, {regime.year})"), "bold"),
            ("  " + ", ".join(c.value for c in regime.allows), "dim")))
        console.print(Text(view.clean(regime.summary)))
        console.print(Text(view.clean("reaches: " + ", ".join(dict.fromkeys(te.function.value for te in tethers)))))
        console.print(Text(view.clean("source: " + regime.sources[0]), style="dim"))
    servers = report.by_server_country()
    console.print(Text("\nServers seen, by country", style="bold"))
    if servers:
        for country, tethers in servers.items():
            names = ", ".join(dict.fromkeys(f"{te.function.value} ({te.provider.name})" for te in tethers))
            console.print(Text(view.clean(f"{view.country_label(country)}: {names}")))
    unseen = report.unseen()
    if unseen:
        console.print(Text(view.clean(f"no located server for {len(unseen)} of {len(report.tethers)} tethers: "
                                      "their server countries are unknown, not absent"), style="dim"))


# --- JSON --------------------------------------------------------------------------

def _regime_dict(regime: Regime, functions: list[str]) -> dict[str, Any]:
    return {
        "id": regime.id, "name": regime.name, "short": regime.short, "jurisdiction": regime.jurisdiction,
        "year": regime.year, "applies_from": regime.applies_from.isoformat() if regime.applies_from else None,
        "allows": [c.value for c in regime.allows], "scope": regime.scope, "summary": regime.summary,
        "sources": list(regime.sources), "note": regime.note, "functions": functions,
    }


def exposure_to_dict(report: ExposureReport) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "organisation": report.organisation,
        "tethers": [{
            "function": te.function.value,
            "provider": provider_to_dict(te.provider),
            "origin": te.tether.origin.value,
            "critical": te.tether.critical,
            "controls": {"country": te.controls, "regimes": [r.id for r in te.regimes],
                         "capabilities": [c.value for c in te.capabilities()]},
            "servers": {"countries": list(te.servers), "located": te.located, "unlocated": te.unlocated,
                        "locations": [location_to_dict(loc) for loc in te.tether.locations]},
            "summary": te.summary(),
        } for te in report.tethers],
        "regimes": [_regime_dict(r, list(dict.fromkeys(te.function.value for te in ts))) for r, ts in report.by_regime()],
        "controls": {c: [te.function.value for te in ts] for c, ts in report.by_controller().items()},
        "servers": {c: [te.function.value for te in ts] for c, ts in report.by_server_country().items()},
    }


def render_exposure_json(report: ExposureReport) -> str:
    return json.dumps(exposure_to_dict(report), indent=2, ensure_ascii=False) + "\n"


# --- Markdown ----------------------------------------------------------------------

def render_exposure_markdown(report: ExposureReport) -> str:
    lines = [f"# Jurisdiction exposure: {md(report.organisation)}", "", md(INTRO), ""]
    if report.tethers:
        lines += ["| function | provider | owner | controls | regimes there allow | servers seen in |", "|---|---|---|---|---|---|"]
        for te in report.tethers:
            cells = (te.function.value, te.provider.name, view.owner_label(te.provider), _controls(te),
                     _regime_list(te), _servers(te))
            lines.append("| " + " | ".join(md(c) for c in cells) + " |")
        lines.append("")
    for te in report.tethers:
        lines.append(f"- {md(te.summary())}")
    regimes = report.by_regime()
    if regimes:
        lines += ["", "## Regimes", ""]
        for regime, tethers in regimes:
            reach = ", ".join(dict.fromkeys(te.function.value for te in tethers))
            lines += [f"### {md(regime.name)} ({md(regime.jurisdiction)}, {regime.year})", "",
                      md(regime.summary), "",
                      f"- Allows: {md(', '.join(c.value for c in regime.allows))}",
                      f"- Scope: {md(regime.scope)}", f"- Reaches: {md(reach)}",
                      "- Sources: " + ", ".join(f"<{md(s)}>" for s in regime.sources), ""]
    servers = report.by_server_country()
    lines += ["## Servers seen, by country", ""]
    if servers:
        for country, tethers in servers.items():
            names = ", ".join(dict.fromkeys(f"{te.function.value} ({te.provider.name})" for te in tethers))
            lines.append(f"- {md(view.country_label(country))}: {md(names)}")
    else:
        lines.append("- no located server address")
    return "\n".join(lines).rstrip("\n") + "\n"


# --- HTML --------------------------------------------------------------------------

def render_exposure_html_section(report: ExposureReport) -> str:
    """A ``<section>`` for the HTML report; every value escaped."""
    out = ['<section class="exposure">', "<h3>Who can compel each tether</h3>", f'<p class="note">{e(INTRO)}</p>']
    if report.tethers:
        out.append("<table><thead><tr><th>function</th><th>provider</th><th>owner</th><th>controls</th>"
                   "<th>regimes there allow</th><th>servers seen in</th></tr></thead><tbody>")
        for te in report.tethers:
            cells = (te.function.value, te.provider.name, view.owner_label(te.provider), _controls(te),
                     _regime_list(te), _servers(te))
            out.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
        out.append("</tbody></table>")
    regimes = report.by_regime()
    if regimes:
        out.append("<dl>")
        for regime, tethers in regimes:
            reach = ", ".join(dict.fromkeys(te.function.value for te in tethers))
            links = ", ".join(f'<a href="{e(s)}" rel="noreferrer">{e(s)}</a>' for s in regime.sources)
            out.append(f"<dt>{e(regime.name)} ({e(regime.jurisdiction)}, {regime.year})</dt>"
                       f"<dd>{e(regime.summary)} Reaches: {e(reach)}. Sources: {links}</dd>")
        out.append("</dl>")
    out.append("</section>")
    return "\n".join(out)
