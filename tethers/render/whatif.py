"""What-if reports: terminal, JSON (``tethers/whatif@1``), Markdown and HTML.

One report is a ``WhatIf`` (the cut applied to a map) and the ``CutSets`` of that map
(who can take a critical function down). Everything that came from the world or from a
user's file goes through ``view.clean`` and the format's own escaping.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tethers.analyse.whatif import CutItem, CutSets, Loss, Owner, Status, WhatIf
from tethers.model import Tether
from tethers.model.codec import evidence_to_dict, provider_to_dict
from tethers.render import view
from tethers.render.html import e, page
from tethers.render.markdown import md

SCHEMA = "tethers/whatif@1"
MAX_EVIDENCE = 3
STATUS_STYLE = {Status.DOWN: "bold red", Status.DEGRADED: "yellow", Status.UNAFFECTED: "green"}


# -- content shared by every format ---------------------------------------------------


def title(result: WhatIf) -> str:
    what = result.cut.title or ", ".join(i.label for i in result.cut.items) or "nothing cut"
    return view.clean(f"What if: {what} ({result.organisation})")


def summary_line(result: WhatIf) -> str:
    text = (f"{view.plural(len(result.down), 'function')} down, {len(result.degraded)} degraded, "
            f"{len(result.unaffected)} unaffected")
    return text + (f"; {view.plural(len(result.unused), 'cut item')} not in this map" if result.unused else "")


def item_line(item: CutItem) -> str:
    """``provider aws (2021-01-10): AWS suspended Parler's account.``"""
    text = item.label + (f" ({item.date})" if item.date else "")
    return view.clean(f"{text}: {item.reason}" if item.reason else text)


def owner_text(owner: Owner) -> str:
    return view.clean(f"{owner.name} [{owner.country}]" if owner.country else owner.name)


def owners_text(owners: tuple[Owner, ...]) -> str:
    return " + ".join(owner_text(o) for o in owners)


def provider_list(tethers: list[Tether] | tuple[Tether, ...]) -> str:
    return view.clean(", ".join(t.provider.name for t in tethers)) or "none"


def loss_evidence(loss: Loss) -> list[str]:
    """What shows the tether existed: its records, or the inventory's declaration."""
    lines = [view.evidence_short(ev) for ev in loss.tether.evidence]
    if loss.tether.origin.value in ("declared", "both"):
        note = f": {loss.tether.note}" if loss.tether.note else ""
        lines.append(view.clean(f"declared in the inventory{note}"))
    return lines or ["no evidence recorded"]


def assumed_note(cuts: CutSets) -> str:
    return ("No function is marked critical, so every function is treated as critical here; "
            "mark them with critical = [...] in an inventory file.") if cuts.critical_assumed else ""


def beyond_note(cuts: CutSets) -> str:
    if not cuts.beyond:
        return ""
    listed = ", ".join(f"{f.value} ({n} owners)" for f, n in cuts.beyond)
    return f"Needs more than {cuts.max_size} owners acting together, so not listed: {listed}."


# -- terminal -------------------------------------------------------------------------


def render_whatif_terminal(result: WhatIf, cuts: CutSets, console: Console) -> None:
    console.print(Text(title(result), style="bold"))
    if result.cut.description:
        console.print(Text(view.clean(result.cut.description), style="dim"))
    for item in result.cut.items:
        console.print(Text("  cut " + item_line(item)))
    for item in result.unused:
        console.print(Text(f"  not in this map: {view.clean(item.label)}", style="dim"))
    console.print(Text(summary_line(result)))
    if result.critical_lost:
        console.print(Text("critical functions lost: " + view.functions_text(result.critical_lost), style="bold red"))
    elif result.cut.items:
        console.print(Text("no critical function lost", style="green"))
    console.print(_functions_table(result))
    if result.losses:
        console.print(_losses_table(result))
    _terminal_cut_sets(cuts, console)
    console.print()


def _functions_table(result: WhatIf) -> Table:
    table = Table(title=Text("Functions", style="bold"), title_justify="left")
    for name in ("Function", "Status", "Critical", "Lost", "Left"):
        table.add_column(name, overflow="fold")
    for o in result.outcomes:
        style = "red" if o.status is Status.DOWN and not o.critical else STATUS_STYLE[o.status]
        table.add_row(Text(o.function.value), Text(o.status.value, style=style), Text("yes" if o.critical else ""),
                      Text(provider_list([loss.tether for loss in o.lost]) if o.lost else ""), Text(provider_list(o.kept)))
    return table


def _losses_table(result: WhatIf) -> Table:
    # Expanded so that the ratios apply: evidence, the longest text, gets the most room.
    table = Table(title=Text("Lost tethers and their evidence", style="bold"), title_justify="left", expand=True)
    table.add_column("Function", style="cyan", no_wrap=True)
    table.add_column("Provider", ratio=2, overflow="fold")
    table.add_column("Owner", ratio=2, overflow="fold")
    table.add_column("Cut by", ratio=2, overflow="fold")
    table.add_column("Evidence", ratio=5, overflow="fold")
    for loss in result.losses:
        lines = loss_evidence(loss)
        shown = lines[:MAX_EVIDENCE] + ([f"(+{len(lines) - MAX_EVIDENCE} more)"] if len(lines) > MAX_EVIDENCE else [])
        table.add_row(Text(loss.tether.function.value), Text(view.clean(loss.tether.provider.name)),
                      Text(view.owner_label(loss.tether.provider)), Text(view.clean(loss.cause.label)), Text("\n".join(shown)))
    return table


def _terminal_cut_sets(cuts: CutSets, console: Console) -> None:
    console.print(Text("Who can switch you off", style="bold"))
    if note := assumed_note(cuts):
        console.print(Text(note, style="yellow"))
    if not cuts.critical:
        console.print(Text("no function to analyse"))
        return
    singles, groups = cuts.single_points, [s for s in cuts.sets if len(s.owners) > 1]
    if singles:
        console.print(Text("single points of failure (one owner's decision takes a critical function down):"))
        for s in singles:
            console.print(Text.assemble("  ", (owners_text(s.owners), "bold red"), " → ", view.functions_text(list(s.functions))))
    else:
        console.print(Text("no single owner can take a critical function down alone", style="green"))
    if groups:
        console.print(Text(f"smallest groups of owners that must act together (up to {cuts.max_size}):"))
        for s in groups:
            console.print(Text(f"  {owners_text(s.owners)} → {view.functions_text(list(s.functions))}"))
    if note := beyond_note(cuts):
        console.print(Text(note, style="dim"))


# -- JSON -----------------------------------------------------------------------------


def _item(item: CutItem) -> dict[str, Any]:
    return {"kind": item.kind.value, "id": item.id, "reason": item.reason, "source": item.source, "date": item.date}


def _owner(owner: Owner) -> dict[str, str]:
    return {"id": owner.id, "name": owner.name, "country": owner.country}


def _tether(t: Tether) -> dict[str, Any]:
    return {"provider": provider_to_dict(t.provider), "origin": t.origin.value, "note": t.note,
            "domains": list(t.domains), "evidence": [evidence_to_dict(ev) for ev in t.evidence]}


def cut_sets_to_dict(cuts: CutSets) -> dict[str, Any]:
    def sets(items: Any) -> list[dict[str, Any]]:
        return [{"owners": [_owner(o) for o in s.owners], "functions": [f.value for f in s.functions]} for s in items]

    return {
        "critical": [f.value for f in cuts.critical],
        "critical_assumed": cuts.critical_assumed,
        "max_size": cuts.max_size,
        "complete": cuts.complete,
        "single_points": sets(cuts.single_points),
        "cut_sets": sets(cuts.sets),
        "holders": [{"function": f.value, "owners": [_owner(o) for o in owners]} for f, owners in cuts.holders],
        "beyond": [{"function": f.value, "owners": n} for f, n in cuts.beyond],
    }


def whatif_to_dict(result: WhatIf, cuts: CutSets) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "organisation": result.organisation,
        "cut": {"title": result.cut.title, "description": result.cut.description,
                "items": [_item(i) for i in result.cut.items],
                "unused": [_item(i) for i in result.unused]},
        "summary": {
            "down": [f.value for f in result.down],
            "degraded": [f.value for f in result.degraded],
            "unaffected": [f.value for f in result.unaffected],
            "critical_lost": [f.value for f in result.critical_lost],
        },
        "functions": [
            {"function": o.function.value, "status": o.status.value, "critical": o.critical,
             "lost": [{**_tether(loss.tether), "cut_by": _item(loss.cause)} for loss in o.lost],
             "kept": [_tether(t) for t in o.kept]}
            for o in result.outcomes
        ],
        "switch_off": cut_sets_to_dict(cuts),
    }


def render_whatif_json(result: WhatIf, cuts: CutSets) -> str:
    return json.dumps(whatif_to_dict(result, cuts), indent=2, ensure_ascii=False) + "\n"


# -- Markdown -------------------------------------------------------------------------


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return out + ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]


def render_whatif_markdown(result: WhatIf, cuts: CutSets) -> str:
    lines = [f"# {md(title(result))}", ""] + ([md(result.cut.description), ""] if result.cut.description else [])
    lines += [f"- Cut: {md(item_line(i))}" + (f" (source: {md(i.source)})" if i.source else "") for i in result.cut.items]
    lines += [f"- Not in this map: {md(i.label)}" for i in result.unused]
    lines += [f"- Result: {md(summary_line(result))}"]
    if result.critical_lost:
        lines.append(f"- **Critical functions lost: {md(view.functions_text(result.critical_lost))}**")
    lines += ["", "## Functions", ""]
    lines += _md_table(["Function", "Status", "Critical", "Lost", "Left"], [
        [md(o.function.value), f"**{o.status.value}**" if o.status is Status.DOWN else o.status.value,
         "yes" if o.critical else "", md(provider_list([x.tether for x in o.lost])) if o.lost else "", md(provider_list(o.kept))]
        for o in result.outcomes])
    if result.losses:
        lines += ["", "## Lost tethers and their evidence", ""]
        lines += _md_table(["Function", "Provider", "Owner", "Cut by", "Evidence"], [
            [md(x.tether.function.value), md(x.tether.provider.name), md(view.owner_label(x.tether.provider)),
             md(x.cause.label), "<br>".join(md(line) for line in loss_evidence(x))]
            for x in result.losses])
    lines += ["", "## Who can switch you off", ""] + _md_cut_sets(cuts)
    return "\n".join(lines).rstrip("\n") + "\n"


def _md_cut_sets(cuts: CutSets) -> list[str]:
    lines = [md(note) + "\n" for note in (assumed_note(cuts),) if note]
    lines += _md_table(["Critical function", "Owners that would all have to act"], [
        [md(f.value), md(owners_text(owners))] for f, owners in cuts.holders])
    lines += [""] + [f"- {'Single point' if len(s.owners) == 1 else 'Together'}: {md(owners_text(s.owners))} → "
                     f"{md(view.functions_text(list(s.functions)))}" for s in cuts.sets]
    return lines + ([md(beyond_note(cuts))] if cuts.beyond else [])


# -- HTML -----------------------------------------------------------------------------


html_page = page  # kept for the concentration renderer


def render_whatif_html_section(result: WhatIf, cuts: CutSets) -> str:
    """One ``<section>`` for embedding in another report."""
    out = ['<section class="scan whatif">', f"<h2>{e(title(result))}</h2>"]
    if result.cut.description:
        out.append(f'<p class="sub">{e(result.cut.description)}</p>')
    items = "".join(f"<li>{e(item_line(i))}{_source_link(i.source)}</li>" for i in result.cut.items)
    items += "".join(f'<li class="note">not in this map: {e(i.label)}</li>' for i in result.unused)
    out += [f"<ul>{items}</ul>" if items else "", f'<p class="sub">{e(summary_line(result))}</p>']
    if result.critical_lost:
        out.append(f'<p class="failed">Critical functions lost: {e(view.functions_text(result.critical_lost))}</p>')
    rows = "".join(
        f'<tr><td class="fn">{e(o.function.value)}</td><td{_status_class(o)}>{e(o.status.value)}</td>'
        f"<td>{'yes' if o.critical else ''}</td><td>{e(provider_list([x.tether for x in o.lost])) if o.lost else ''}</td>"
        f"<td>{e(provider_list(o.kept))}</td></tr>" for o in result.outcomes)
    out.append("<h3>Functions</h3><table><thead><tr><th>Function</th><th>Status</th><th>Critical</th><th>Lost</th>"
               f"<th>Left</th></tr></thead><tbody>{rows}</tbody></table>")
    if result.losses:
        rows = "".join(
            f'<tr><td class="fn">{e(x.tether.function.value)}</td><td>{e(x.tether.provider.name)}</td>'
            f"<td>{e(view.owner_label(x.tether.provider))}</td><td>{e(x.cause.label)}</td>"
            f"<td>{'<br>'.join(f'<code>{e(line)}</code>' for line in loss_evidence(x))}</td></tr>" for x in result.losses)
        out.append("<h3>Lost tethers and their evidence</h3><table><thead><tr><th>Function</th><th>Provider</th>"
                   f"<th>Owner</th><th>Cut by</th><th>Evidence</th></tr></thead><tbody>{rows}</tbody></table>")
    out.append(_html_cut_sets(cuts))
    out.append("</section>")
    return "\n".join(part for part in out if part)


def _status_class(outcome: Any) -> str:
    return ' class="failed"' if outcome.status is Status.DOWN else ""


def _source_link(url: str) -> str:
    if url.startswith(("https://", "http://")):
        return f' (<a href="{e(url)}" rel="noreferrer">source</a>)'
    return f" (source: {e(url)})" if url else ""


def _html_cut_sets(cuts: CutSets) -> str:
    out = ["<h3>Who can switch you off</h3>"]
    if note := assumed_note(cuts):
        out.append(f'<p class="note">{e(note)}</p>')
    rows = "".join(f'<tr><td class="fn">{e(f.value)}</td><td>{e(owners_text(owners))}</td></tr>' for f, owners in cuts.holders)
    out.append(f"<table><thead><tr><th>Critical function</th><th>Owners that would all have to act</th></tr></thead><tbody>{rows}</tbody></table>")
    items = "".join(f"<li><b>{'Single point' if len(s.owners) == 1 else 'Together'}</b>: {e(owners_text(s.owners))} → "
                    f"{e(view.functions_text(list(s.functions)))}</li>" for s in cuts.sets)
    out.append(f"<ul>{items}</ul>" if items else "")
    if note := beyond_note(cuts):
        out.append(f'<p class="note">{e(note)}</p>')
    return "\n".join(part for part in out if part)


def render_whatif_html(result: WhatIf, cuts: CutSets) -> str:
    return html_page(title(result), render_whatif_html_section(result, cuts))
