"""Scans as rich tables on a terminal.

Every cell is a ``rich.text.Text``, never a markup string: a TXT record holding
``[bold]`` must print as those characters, not turn the rest of the line bold.
"""

from __future__ import annotations

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from tethers.model import ScanResult
from tethers.render import view

MAX_EVIDENCE = 3  # evidence lines per row before "+N more"
MAX_ERRORS = 5  # errors listed in full after the counts


def render_terminal(scans: list[ScanResult], console: Console) -> None:
    """Print each scan: header, dependencies, unattributed evidence, jurisdictions, errors."""
    # A blank line after each scan rather than between them: the CLI streams one
    # scan per call, and the scans must still stand apart.
    for scan in scans:
        _header(scan, console)
        if scan.dependencies:
            console.print(_fit(_dependency_table(scan), console))
        if scan.unattributed:
            console.print(_fit(_unattributed_table(scan), console))
        _jurisdictions(scan, console)
        _errors(scan, console)
        console.print()


def _fit(table: Table, console: Console) -> Table:
    """Natural width when it fits; otherwise share the width by column ratios.

    Rich's own shrinking takes room evenly, which leaves evidence (the longest text)
    wrapped while names keep spare space; ratios give evidence the larger part.
    """
    # Measure against an unbounded width: Measurement clamps to the options given.
    if Measurement.get(console, console.options.update_width(10_000), table).maximum > console.width:
        table.expand = True
    return table


def _header(scan: ScanResult, console: Console) -> None:
    title = Text.assemble((view.clean(scan.domain), "bold"), "  ", (view.scan_line(scan), "dim"))
    console.print(title)
    console.print(Text(view.counts_line(view.counts(scan))))
    if scan.meta:
        console.print(Text(view.meta_line(scan), style="dim"))
    if scan.failed:
        console.print(Text("nothing could be learnt about this domain: every lookup failed", style="bold red"))


def _evidence_cell(lines: list[str]) -> Text:
    shown = lines[:MAX_EVIDENCE]
    if len(lines) > MAX_EVIDENCE:
        shown.append(f"(+{len(lines) - MAX_EVIDENCE} more)")
    return Text("\n".join(shown))


def _dependency_table(scan: ScanResult) -> Table:
    table = Table(title=Text("Dependencies", style="bold"), title_justify="left")
    table.add_column("Function", style="cyan", no_wrap=True)
    table.add_column("Provider", ratio=1, min_width=12, overflow="fold")
    table.add_column("Owner", ratio=1, min_width=12, overflow="fold")
    table.add_column("Owner\ncountry", no_wrap=True)
    table.add_column("Server\ncountries")
    table.add_column("Evidence", ratio=3, min_width=20, overflow="fold")
    groups = view.group_by_function(view.ordered_dependencies(scan))
    for group_index, (function, deps) in enumerate(groups):
        for row_index, dep in enumerate(deps):
            table.add_row(
                Text(function.value if row_index == 0 else ""),
                Text(view.clean(dep.provider.name)),
                Text(view.owner_label(dep.provider)),
                Text(view.clean(dep.provider.country)),
                Text(", ".join(view.location_countries(dep.locations))),
                _evidence_cell([view.evidence_short(e) for e in dep.evidence]),
                end_section=row_index == len(deps) - 1 and group_index < len(groups) - 1,
            )
    return table


def _unattributed_table(scan: ScanResult) -> Table:
    table = Table(
        title=Text("Unattributed (no provider in the knowledge base)", style="bold"),
        title_justify="left",
    )
    table.add_column("Function hint", style="cyan", no_wrap=True)
    table.add_column("Domain", ratio=1, overflow="fold")
    table.add_column("Server\ncountries")
    table.add_column("Evidence", ratio=3, overflow="fold")
    for item in scan.unattributed:
        table.add_row(
            Text(view.function_label(item.function)),
            Text(view.clean(item.domain)),
            Text(", ".join(view.location_countries(item.locations))),
            Text(view.evidence_short(item.evidence)),
        )
    return table


def _jurisdictions(scan: ScanResult, console: Console) -> None:
    owners = view.owner_jurisdictions(scan)
    if owners:
        line = Text("Jurisdictions (owner countries): ", style="bold")
        for index, (country, functions) in enumerate(owners.items()):
            if index:
                line.append("; ")
            line.append(view.country_label(country), style="bold")
            line.append(f" → {view.functions_text(functions)}")
        console.print(line)
    servers = view.server_jurisdictions(scan)
    if servers:
        line = Text("Server locations: ", style="bold")
        line.append("; ".join(f"{c} → {view.functions_text(f)}" for c, f in servers.items()))
        console.print(line)


def _errors(scan: ScanResult, console: Console) -> None:
    if not scan.errors:
        return
    summary = ", ".join(f"{reason} ×{n}" for reason, n in view.error_counts(scan))
    line = Text(f"{view.plural(len(scan.errors), 'lookup error')}: ", style="bold yellow")
    line.append(summary)
    console.print(line)
    for err in scan.errors[:MAX_ERRORS]:
        console.print(Text(f"  {view.error_line(err)}", style="dim"))
    if len(scan.errors) > MAX_ERRORS:
        console.print(Text(f"  (+{len(scan.errors) - MAX_ERRORS} more; the JSON output lists all)", style="dim"))
