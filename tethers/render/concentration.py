"""Concentration reports, per target and across a portfolio: terminal, JSON
(``tethers/concentration@1``), Markdown and HTML."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tethers.analyse.concentration import HHI_EXPLAINED, Concentration, Portfolio, Reliance
from tethers.analyse.whatif import Owner
from tethers.render import view
from tethers.render.html import e
from tethers.render.markdown import md
from tethers.render.whatif import html_page

SCHEMA = "tethers/concentration@1"
DETAIL_LIMIT = 3  # targets shown in full; beyond that, one summary row each
TOP = 15  # rows per portfolio ranking


# -- content shared by every format ---------------------------------------------------


def owner_text(owner: Owner) -> str:
    return view.clean(f"{owner.name} [{owner.country}]" if owner.country else owner.name)


def index_line(c: Concentration) -> str:
    if not c.tethers:
        return "no tethers"
    return (f"HHI {c.hhi:.2f} over {view.plural(len(c.holdings), 'owner')} (like {c.effective_owners:.1f} equal owners); "
            f"owner countries HHI {c.country_hhi:.2f}")


def function_rows(c: Concentration) -> list[list[str]]:
    return [[s.function.value, "yes" if s.critical else "", view.clean(", ".join(s.providers)), str(s.independent),
             view.clean("; ".join(o.name for o in s.owners)), view.clean(", ".join(s.countries))] for s in c.functions]


def summary_row(c: Concentration) -> list[str]:
    top = c.holdings[0] if c.holdings else None
    share = f"{owner_text(top.owner)} {top.tethers}/{c.tethers}" if top else ""
    return [view.clean(c.organisation), str(c.tethers), str(len(c.holdings)), f"{c.hhi:.2f}", share, str(len(c.multi_function))]


def reliance_row(r: Reliance, total: int) -> list[str]:
    functions = ", ".join(f"{f.value} {n}" for f, n in r.by_function)
    if r.kind == "country":
        label = view.country_label(r.id)
    else:
        label = f"{r.name} [{r.country}]" if r.country else r.name
    return [view.clean(label), f"{r.targets}/{total}", f"{100 * r.targets / total:.0f}%" if total else "", str(r.sole),
            view.clean(functions)]


FUNCTION_HEADERS = ["Function", "Critical", "Providers", "Independent", "Owners", "Owner countries"]
SUMMARY_HEADERS = ["Target", "Tethers", "Owners", "HHI", "Largest owner", "Multi-function owners"]
RELIANCE_HEADERS = ["{kind}", "Targets", "Share", "Sole holder at", "Targets per function"]
# (Portfolio attribute, column header, heading noun)
RANKINGS = (("owners", "Owner", "owners"), ("countries", "Owner country", "owner countries"), ("providers", "Provider", "providers"))


# -- terminal -------------------------------------------------------------------------


def _table(title: str, headers: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=Text(title, style="bold"), title_justify="left")
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def render_concentration_terminal(concs: list[Concentration], port: Portfolio | None, console: Console, top: int = TOP) -> None:
    if len(concs) <= DETAIL_LIMIT:
        for c in concs:
            console.print(Text(view.clean(c.organisation), style="bold"))
            console.print(_table("Per function", FUNCTION_HEADERS, function_rows(c)))
            for h in c.multi_function:
                console.print(Text(f"  {owner_text(h.owner)} holds {view.functions_text(list(h.functions))}", style="yellow"))
            console.print(Text(index_line(c)))
            console.print()
    else:
        console.print(_table(f"{len(concs)} targets", SUMMARY_HEADERS, [summary_row(c) for c in concs]))
    if port is not None:
        for attr, kind, noun in RANKINGS:
            rows = [reliance_row(r, port.targets) for r in getattr(port, attr)[:top]]
            console.print(_table(f"What the {port.targets} targets lean on: {noun}",
                                 [h.format(kind=kind) for h in RELIANCE_HEADERS], rows))
    console.print(Text(HHI_EXPLAINED, style="dim"))


# -- JSON -----------------------------------------------------------------------------


def _owner(owner: Owner) -> dict[str, str]:
    return {"id": owner.id, "name": owner.name, "country": owner.country}


def concentration_to_dict(c: Concentration) -> dict[str, Any]:
    return {
        "organisation": c.organisation,
        "tethers": c.tethers,
        "hhi": round(c.hhi, 6),
        "effective_owners": round(c.effective_owners, 6),
        "country_hhi": round(c.country_hhi, 6),
        "functions": [
            {"function": s.function.value, "critical": s.critical, "providers": list(s.providers),
             "independent": s.independent, "owners": [_owner(o) for o in s.owners], "countries": list(s.countries)}
            for s in c.functions
        ],
        "owners": [
            {**_owner(h.owner), "tethers": h.tethers, "functions": [f.value for f in h.functions], "providers": list(h.providers)}
            for h in c.holdings
        ],
    }


def _reliance(r: Reliance) -> dict[str, Any]:
    return {"id": r.id, "name": r.name, "country": r.country, "targets": r.targets, "sole": r.sole,
            "by_function": {f.value: n for f, n in r.by_function}}


def portfolio_to_dict(port: Portfolio) -> dict[str, Any]:
    return {
        "targets": port.targets,
        "function_targets": {f.value: n for f, n in port.function_targets},
        "owners": [_reliance(r) for r in port.owners],
        "countries": [_reliance(r) for r in port.countries],
        "providers": [_reliance(r) for r in port.providers],
    }


def render_concentration_json(concs: list[Concentration], port: Portfolio | None) -> str:
    doc = {"schema": SCHEMA, "hhi_explained": HHI_EXPLAINED, "targets": [concentration_to_dict(c) for c in concs],
           "portfolio": portfolio_to_dict(port) if port is not None else None}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# -- Markdown -------------------------------------------------------------------------


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return out + ["| " + " | ".join(md(cell) or " " for cell in row) + " |" for row in rows] + [""]


def render_concentration_markdown(concs: list[Concentration], port: Portfolio | None, top: int = TOP) -> str:
    lines = ["# Concentration", ""]
    if len(concs) <= DETAIL_LIMIT:
        for c in concs:
            lines += [f"## {md(c.organisation)}", ""] + _md_table(FUNCTION_HEADERS, function_rows(c))
            lines += [f"- {md(owner_text(h.owner))} holds {md(view.functions_text(list(h.functions)))}" for h in c.multi_function]
            lines += [f"- {md(index_line(c))}", ""]
    else:
        lines += [f"## {len(concs)} targets", ""] + _md_table(SUMMARY_HEADERS, [summary_row(c) for c in concs])
    if port is not None:
        for attr, kind, noun in RANKINGS:
            lines += [f"## What the {port.targets} targets lean on: {noun}", ""]
            lines += _md_table([h.format(kind=kind) for h in RELIANCE_HEADERS],
                               [reliance_row(r, port.targets) for r in getattr(port, attr)[:top]])
    lines += [md(HHI_EXPLAINED)]
    return "\n".join(lines).rstrip("\n") + "\n"


# -- HTML -----------------------------------------------------------------------------


def _html_table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_concentration_html_section(concs: list[Concentration], port: Portfolio | None, top: int = TOP) -> str:
    """One ``<section>`` for embedding in another report."""
    out = ['<section class="scan concentration">', "<h2>Concentration</h2>"]
    if len(concs) <= DETAIL_LIMIT:
        for c in concs:
            out += [f"<h3>{e(c.organisation)}</h3>", _html_table(FUNCTION_HEADERS, function_rows(c))]
            items = "".join(f"<li>{e(owner_text(h.owner))} holds {e(view.functions_text(list(h.functions)))}</li>"
                            for h in c.multi_function)
            out += [f"<ul>{items}</ul>" if items else "", f'<p class="sub">{e(index_line(c))}</p>']
    else:
        out += [f"<h3>{len(concs)} targets</h3>", _html_table(SUMMARY_HEADERS, [summary_row(c) for c in concs])]
    if port is not None:
        for attr, kind, noun in RANKINGS:
            out += [f"<h3>What the {port.targets} targets lean on: {noun}</h3>",
                    _html_table([h.format(kind=kind) for h in RELIANCE_HEADERS],
                                [reliance_row(r, port.targets) for r in getattr(port, attr)[:top]])]
    out += [f'<p class="note">{e(HHI_EXPLAINED)}</p>', "</section>"]
    return "\n".join(part for part in out if part)


def render_concentration_html(concs: list[Concentration], port: Portfolio | None) -> str:
    names = ", ".join(c.organisation for c in concs[:3]) + (f" and {len(concs) - 3} more" if len(concs) > 3 else "")
    return html_page(f"tethers concentration: {names}", render_concentration_html_section(concs, port))
