"""The ``tethers attack`` report in every format: terminal, JSON, Markdown and HTML.

All four read the ``tethers/attack@1`` dict. Text that came from the inputs (file names,
malformed-line samples, AS names) goes through ``view.clean`` (and ``html.escape`` for
HTML); the time series is drawn as inline SVG, so the page stays self-contained.
"""

from __future__ import annotations

import html
import json
from datetime import UTC
from typing import Any

from rich.console import Console

from tethers.render import view
from tethers.render.html import page

BARS = "▁▂▃▄▅▆▇█"
VERDICT_WORDS = {"partly": "PARTLY", "weak": "WEAK", "unproven": "UNPROVEN", "does-not-hold": "DOES NOT HOLD"}
TRUST_WORDS = {"real": "real sources", "reflectors": "reflectors, not the attacker",
               "spoofed-likely": "probably forged", "unverified": "unverified"}


def pct(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{x * 100:.0f}%" if x >= 0.01 or x == 0 else f"{x * 100:.1f}%"


def c(text: Any) -> str:
    return view.clean(str(text))


def render_attack_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


# -- shared wording ------------------------------------------------------------

def inputs_lines(report: dict[str, Any]) -> list[str]:
    out = []
    for f in report["inputs"]:
        if f["skipped"]:
            out.append(f"{c(f['path'])}: skipped: {c(f['skipped'])}")
            continue
        line = f"{c(f['path'])}: {f['format']}, {f['lines']:,} lines, {f['records']:,} records, {f['malformed']:,} malformed"
        if f.get("forwarded_clients"):
            line += f", {f['forwarded_clients']:,} clients taken from X-Forwarded-For"
        if f["times_without_zone"]:
            line += f", {f['times_without_zone']:,} times without a zone read as UTC"
        out.append(line)
    return out


def trust_words(ep: dict[str, Any]) -> str:
    if ep["trust"] == "reflectors" and not ep["surge"]:
        return "replies from amplifying services"
    return TRUST_WORDS[ep["trust"]]


def episode_title(ep: dict[str, Any]) -> str:
    if ep["surge"]:
        return (f"{ep['vector']} surge {ep['start']} to {ep['end']} ({ep['minutes']} min), "
                f"peak {ep['peak']['rate']:,.0f} {ep['unit']}/min at {ep['peak']['minute']}")
    return f"{ep['vector']}: all traffic {ep['start']} to {ep['end']} (no surge)"


def breakdown(rows: list[dict[str, Any]], key: str, limit: int = 6) -> str:
    parts = []
    for r in rows[:limit]:
        if key == "asn":
            label = f"AS{r['asn']} {r['as_name'] or ''}".strip()
        else:
            label = str(r[key])
        parts.append(f"{c(view.shorten(label, 40))} {pct(r['share'])}")
    return ", ".join(parts) or "none located"


def classes_line(ep: dict[str, Any]) -> str:
    return ", ".join(f"{k} {pct(v)}" for k, v in sorted(ep["network_classes"].items(), key=lambda kv: -kv[1]))


def sources_line(ep: dict[str, Any]) -> str:
    countries = f"{ep['countries']} {'country' if ep['countries'] == 1 else 'countries'}"
    text = f"{ep['sources']:,} sources in {countries} and {ep['asns']:,} networks"
    if ep["new_share"] is not None:
        text += f"; {pct(ep['new_share'])} of the {ep['unit']} from {ep['new_sources']:,} sources not seen in the baseline"
    return text


def sparkline(values: list[float], width: int = 72) -> str:
    if not values:
        return ""
    step = max(1, -(-len(values) // width))
    buckets = [sum(values[i:i + step]) for i in range(0, len(values), step)]
    top = max(buckets) or 1.0
    return "".join(" " if b <= 0 else BARS[min(len(BARS) - 1, int(b / top * (len(BARS) - 1) + 0.5))] for b in buckets)


# -- terminal -------------------------------------------------------------------

def render_attack_terminal(report: dict[str, Any], console: Console) -> None:
    p = lambda text="", style=None: console.print(text, markup=False, highlight=False, style=style)  # noqa: E731
    p(f"tethers attack: {report['span']['start']} to {report['span']['end']}", style="bold")
    for line in inputs_lines(report):
        p(f"  {line}")
    for f in report["inputs"]:
        for sample in f["malformed_samples"]:
            p(f"    malformed: {c(view.shorten(sample, 110))}", style="dim")
    series = report["series"]
    p()
    p(f"Traffic per minute ({series['step_minutes']} min a column):", style="bold")
    for vector, values in series["values"].items():
        p(f"  {vector:<16}{sparkline(values)}  peak {max(values):,.0f}")
    for i, ep in enumerate(report["episodes"], 1):
        p()
        p(f"[{i}] {episode_title(ep)}", style="bold")
        p(f"    Sources: {trust_words(ep)}. {c(ep['summary'])}")
        if ep["new_share"] is not None:
            p(f"    New: {sources_line(ep).split('; ', 1)[-1]}")
        p(f"    Networks: {classes_line(ep)}")
        p(f"    Countries: {breakdown(ep['by_country'], 'country')}")
        p(f"    AS: {breakdown(ep['by_asn'], 'asn', 4)}")
        if ep["by_provider"]:
            p(f"    Providers: {breakdown(ep['by_provider'], 'provider', 5)}")
        signs = [x["text"] for x in ep["indicators"] if x["fires"]]
        if signs:
            p("    Signs:")
            for s in signs:
                p(f"      - {c(s)}")
        p("    Claims:")
        for cl in ep["claims"]:
            style = "red" if cl["verdict"] == "does-not-hold" else "yellow" if cl["verdict"] in ("weak", "unproven") else "green"
            p(f"      {VERDICT_WORDS[cl['verdict']]:<13} {pct(cl['support']):>4}  {c(cl['claim'])}", style=style)
            p(f"        rests on: {c(cl['rests_on'][-1])}", style="dim")
            p(f"        refuted by: {c(cl['refuted_by'])}", style="dim")
    p()
    p("Limits: " + " ".join(report["limits"]), style="dim")


# -- Markdown ---------------------------------------------------------------------

def _md(text: Any) -> str:
    return c(text).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def render_attack_markdown(report: dict[str, Any]) -> str:
    out = [f"# Traffic sources: {report['span']['start']} to {report['span']['end']}", ""]
    out += [f"- {_md(line)}" for line in inputs_lines(report)] + [""]
    for ep in report["episodes"]:
        out += [f"## {_md(episode_title(ep))}", "", _md(ep["summary"]), "", f"- {_md(sources_line(ep))}",
                f"- Networks: {_md(classes_line(ep))}", f"- Countries: {_md(breakdown(ep['by_country'], 'country', 10))}",
                f"- AS: {_md(breakdown(ep['by_asn'], 'asn', 6))}"]
        out += [f"- Sign: {_md(x['text'])}" for x in ep["indicators"] if x["fires"]]
        out += ["", "| claim | verdict | support | rests on | refuted by |", "|---|---|---|---|---|"]
        for cl in ep["claims"]:
            out.append(f"| {_md(cl['claim'])} | {VERDICT_WORDS[cl['verdict']]} | {pct(cl['support'])} | "
                       f"{_md('; '.join(cl['rests_on']))} | {_md(cl['refuted_by'])} |")
        out.append("")
    out += ["## Limits", ""] + [f"- {_md(x)}" for x in report["limits"]]
    return "\n".join(out) + "\n"


# -- HTML -----------------------------------------------------------------------------

def e(text: Any) -> str:
    return html.escape(c(text), quote=True)


def render_attack_html(report: dict[str, Any]) -> str:
    """A whole self-contained page holding the attack section."""
    title = f"tethers attack: {report['span']['start']} to {report['span']['end']}"
    return page(title, attack_section(report))


def attack_section(report: dict[str, Any]) -> str:
    """The report as one HTML section, for a page of its own or inside another."""
    out = ['<section class="scan attack">', "<h2>Where the traffic came from, and how sure we can be</h2>",
           '<ul class="sub">' + "".join(f"<li>{e(x)}</li>" for x in inputs_lines(report)) + "</ul>",
           _chart(report)]
    for ep in report["episodes"]:
        out.append(_episode(ep))
    out.append("<h3>Limits</h3><ul>" + "".join(f"<li>{e(x)}</li>" for x in report["limits"]) + "</ul>")
    sources = report.get("data_sources") or []
    if sources:
        out.append('<p class="note">' + " ".join(e(s["attribution"]) for s in sources) +
                   ' <a href="https://db-ip.com">IP Geolocation by DB-IP</a>.</p>')
    out.append("</section>")
    return "\n".join(out)


def _chart(report: dict[str, Any]) -> str:
    series = report["series"]
    values = series["values"]
    if not values:
        return ""
    width, row = 900, 70
    n = max(len(v) for v in values.values())
    parts = [f'<svg role="img" aria-label="traffic per minute" viewBox="0 0 {width} {row * len(values) + 20}" '
             f'width="100%" xmlns="http://www.w3.org/2000/svg" style="font:11px sans-serif">']
    start = _minute(series["start"])
    span = max(n - 1, 1) * series["step_minutes"]
    for i, (vector, data) in enumerate(values.items()):
        top = max(data) or 1.0
        y0 = row * i + row - 8
        for ep in report["episodes"]:  # shade each surge of this vector
            if ep["vector"] == vector and ep["surge"] and start is not None:
                a, b = (_minute(ep["start"]) or start) - start, (_minute(ep["end"]) or start) - start
                x = 140 + a / span * (width - 150)
                w = max((b - a) / span * (width - 150), 2)
                parts.append(f'<rect x="{x:.1f}" y="{y0 - row + 14}" width="{w:.1f}" height="{row - 14}" '
                             f'fill="var(--warn)" opacity=".15"/>')
        pts = " ".join(f"{140 + j * (width - 150) / max(n - 1, 1):.1f},{y0 - v / top * (row - 22):.1f}"
                       for j, v in enumerate(data))
        parts.append(f'<text x="0" y="{y0 - 20}" fill="currentColor">{e(vector)}</text>'
                     f'<text x="0" y="{y0 - 6}" fill="currentColor" opacity=".7">peak {top:,.0f}/{series["step_minutes"]} min</text>'
                     f'<polyline fill="none" stroke="var(--c{i % 8})" stroke-width="1.2" points="{pts}"/>')
    parts.append(f'<text x="140" y="{row * len(values) + 14}" fill="currentColor">{e(series["start"])}</text>'
                 f'<text x="{width}" y="{row * len(values) + 14}" text-anchor="end" fill="currentColor">'
                 f'{e(report["span"]["end"])}</text></svg>')
    return '<div class="graph-wrap">' + "".join(parts) + "</div>"


def _minute(text: str | None) -> int | None:
    """Epoch minutes of a report time (``2025-03-10T09:40Z``)."""
    from datetime import datetime

    try:
        return int(datetime.strptime(text or "", "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC).timestamp()) // 60
    except ValueError:
        return None


def _table(rows: list[dict[str, Any]], head: str, label: Any) -> str:
    body = "".join(f"<tr><td>{e(label(r))}</td><td>{pct(r['share'])}</td><td>{r['sources']:,}</td></tr>" for r in rows)
    return f"<table><thead><tr><th>{e(head)}</th><th>share</th><th>sources</th></tr></thead><tbody>{body}</tbody></table>"


def _episode(ep: dict[str, Any]) -> str:
    country = lambda r: view.country_label(r["country"]) or r["country"]  # noqa: E731
    asn = lambda r: f"AS{r['asn']} {r['as_name'] or ''}"  # noqa: E731
    signs = "".join(f"<li>{e(x['text'])}</li>" for x in ep["indicators"] if x["fires"])
    claims = "".join(
        f'<tr><td>{e(cl["claim"])}</td><td class="verdict {e(cl["verdict"])}"><b>{e(VERDICT_WORDS[cl["verdict"]])}</b></td>'
        f"<td>{pct(cl['support'])}</td><td>{'<br>'.join(e(x) for x in cl['rests_on'])}</td><td>{e(cl['refuted_by'])}</td></tr>"
        for cl in ep["claims"])
    return "\n".join([
        f"<h3>{e(episode_title(ep))}</h3>",
        f"<p><b>{e(trust_words(ep).capitalize())}.</b> {e(ep['summary'])}</p>",
        f"<p>{e(sources_line(ep))}. Networks: {e(classes_line(ep))}.</p>",
        f"<ul>{signs}</ul>" if signs else "",
        '<div style="display:flex;gap:1.5rem;flex-wrap:wrap">',
        _table(ep["by_country"], "country", country), _table(ep["by_asn"], "network", asn), "</div>",
        "<table><thead><tr><th>claim</th><th>verdict</th><th>support</th><th>rests on</th><th>refuted by</th></tr></thead>"
        f"<tbody>{claims}</tbody></table>",
    ])


FORMATS = {"json": render_attack_json, "md": render_attack_markdown, "html": render_attack_html}
