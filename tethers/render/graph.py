"""The dependency graph of one scan, laid out in columns and drawn as inline SVG.

Columns, left to right: the organisation (the scanned domain), the functions it relies
on, the providers that perform them, the providers' ultimate owners, and the owners'
countries. Unattributed evidence appears as a dashed provider with no owner: an
unknown is shown as unknown rather than dropped.

Layout is deliberately simple and deterministic: functions in vocabulary order, each
later column sorted by the mean position of its nodes' predecessors (the barycentre
heuristic), which keeps most edges from crossing for graphs of this shape.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from tethers.model import ScanResult
from tethers.render import view
from tethers.types import Function

COLUMNS = ("Organisation", "Function", "Provider", "Owner", "Country")
NODE_W, NODE_H = 184, 30
GAP_Y, COL_GAP = 12, 56
PAD, TOP = 8, 34  # outer padding; room for column headings
LABEL_CHARS = 25  # what fits in NODE_W at the stylesheet's 12px font
PALETTE = 8  # edge colour classes c0..c7, cycled by function


@dataclass
class Node:
    key: str
    label: str  # already clean; escaped only when written
    title: str  # tooltip: the full, untruncated text
    kind: str  # org, function, provider, unknown, owner, country
    preds: list[int] = field(default_factory=list)  # positions of predecessors, for ordering


@dataclass
class Graph:
    columns: list[list[Node]]
    edges: list[tuple[str, str, str]]  # (from key, to key, css class)

    @property
    def empty(self) -> bool:
        return len(self.columns[1]) == 0


def build_graph(scan: ScanResult) -> Graph:
    """Nodes per column and the edges between them, ordered for drawing."""
    columns: list[dict[str, Node]] = [{} for _ in COLUMNS]
    edges: dict[tuple[str, str], str] = {}

    def add(col: int, key: str, label: str, title: str, kind: str) -> str:
        columns[col].setdefault(key, Node(key, label, title, kind))
        return key

    domain = view.clean(scan.domain)
    org = add(0, "org", domain, domain, "org")
    for dep in scan.dependencies:
        p = dep.provider
        colour = f"c{view.FUNCTION_ORDER[dep.function] % PALETTE}"
        fn = add(1, f"f:{dep.function.value}", dep.function.value, dep.function.value, "function")
        prov = add(2, f"p:{p.id}", view.clean(p.name), view.clean(f"{p.name} ({p.id})"), "provider")
        own = add(3, f"o:{p.owner_id or p.owner}", view.clean(p.owner), view.owner_label(p), "owner")
        country = view.clean(p.country)
        ctry = add(4, f"c:{country}", f"{country} {view.country_name(country)}".strip(), view.country_label(country), "country")
        edges.setdefault((org, fn), colour)
        edges.setdefault((fn, prov), colour)
        edges.setdefault((prov, own), "owned")
        edges.setdefault((own, ctry), "owned")
    for item in scan.unattributed:
        name = view.function_label(item.function)
        colour = f"c{view.FUNCTION_ORDER[item.function] % PALETTE}" if item.function else "unknown"
        fn = add(1, f"f:{name}", name, name, "function")
        domain_label = view.clean(item.domain)
        unk = add(2, f"u:{domain_label}", f"? {domain_label}", f"unattributed: {domain_label}", "unknown")
        edges.setdefault((org, fn), colour)
        edges.setdefault((fn, unk), "unknown")
    ordered = _order(columns, edges)
    return Graph(ordered, [(a, b, cls) for (a, b), cls in edges.items()])


_RANK = {f.value: i for i, f in enumerate(Function)}


def _function_rank(node: Node) -> int:
    # Vocabulary order; the "unknown" hint of unattributed evidence goes last.
    return _RANK.get(node.key[2:], len(_RANK))


def _order(columns: list[dict[str, Node]], edges: dict[tuple[str, str], str]) -> list[list[Node]]:
    ordered: list[list[Node]] = [list(columns[0].values())]
    ordered.append(sorted(columns[1].values(), key=_function_rank))
    for col in range(2, len(columns)):
        position = {n.key: i for i, n in enumerate(ordered[col - 1])}
        for (a, b), _ in edges.items():
            if a in position and b in columns[col]:
                columns[col][b].preds.append(position[a])
        ordered.append(
            sorted(
                columns[col].values(),
                key=lambda n: (sum(n.preds) / len(n.preds) if n.preds else 0.0, n.kind == "unknown", n.label.lower()),
            )
        )
    return ordered


def _x(col: int) -> int:
    return PAD + col * (NODE_W + COL_GAP)


def render_svg(graph: Graph, title: str) -> str:
    """The graph as an ``<svg>`` element; every text and attribute value escaped."""
    esc = _escape
    tallest = max(len(c) for c in graph.columns)
    body_h = tallest * (NODE_H + GAP_Y) - GAP_Y
    width = 2 * PAD + len(COLUMNS) * NODE_W + (len(COLUMNS) - 1) * COL_GAP
    height = TOP + body_h + PAD
    where: dict[str, tuple[int, float]] = {}  # node key → (column, top edge); columns centred
    for col, nodes in enumerate(graph.columns):
        offset = TOP + (body_h - (len(nodes) * (NODE_H + GAP_Y) - GAP_Y)) / 2
        for i, node in enumerate(nodes):
            where[node.key] = (col, offset + i * (NODE_H + GAP_Y))
    out = [
        f'<svg class="graph" viewBox="0 0 {width} {height:.0f}" '
        f'role="img" aria-label="{esc(title)}">',
        f"<title>{esc(title)}</title>",
    ]
    out += [f'<text class="colhead" x="{_x(c) + NODE_W / 2:.0f}" y="18">{name}</text>' for c, name in enumerate(COLUMNS)]
    for a, b, cls in graph.edges:
        (ca, ya), (cb, yb) = where[a], where[b]
        x1, y1, x2, y2 = _x(ca) + NODE_W, ya + NODE_H / 2, _x(cb), yb + NODE_H / 2
        mid = (x1 + x2) / 2
        out.append(f'<path class="edge {cls}" d="M{x1:.0f} {y1:.1f} C{mid:.0f} {y1:.1f} {mid:.0f} {y2:.1f} {x2:.0f} {y2:.1f}"/>')
    for col, nodes in enumerate(graph.columns):
        for node in nodes:
            y = where[node.key][1]
            out.append(
                f'<g class="node {node.kind}"><title>{esc(node.title)}</title>'
                f'<rect x="{_x(col)}" y="{y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
                f'<text x="{_x(col) + 10}" y="{y + NODE_H / 2 + 4:.1f}">{esc(view.shorten(node.label, LABEL_CHARS))}</text></g>'
            )
    out.append("</svg>")
    return "\n".join(out)


def _escape(text: str) -> str:
    return html.escape(view.clean(text), quote=True)
