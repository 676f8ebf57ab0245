"""The dependency graph: columns, order, edges, geometry and escaping."""

from __future__ import annotations

import re
from dataclasses import replace

from tethers.model import Evidence, ScanResult, Unattributed
from tethers.model.evidence import DNS_MX
from tethers.render.graph import NODE_H, build_graph, render_svg
from tethers.types import Function


def test_columns_in_order(parler: ScanResult) -> None:
    graph = build_graph(parler)
    labels = [[n.label for n in col] for col in graph.columns]
    assert labels[0] == ["parler.com"]
    assert labels[1] == ["dns", "email-inbound", "email-sending", "hosting", "unknown"]
    # Providers by the mean position of their functions: Microsoft serves email-inbound
    # (1) and email-sending (2), so it sits at 1.5, after the unknown mail host at 1.
    assert labels[2] == [
        "Epik", "? mailhost.example", "Microsoft 365 / Exchange Online", "SendGrid", "DDoS-Guard", "? evil.example",
    ]
    assert labels[3] == ["Epik Inc.", "Microsoft Corporation", "Twilio Inc.", "DDoS-Guard Ltd."]
    assert labels[4] == ["US United States", "RU Russia"]


def test_edges(parler: ScanResult) -> None:
    edges = set(build_graph(parler).edges)
    assert ("org", "f:dns", "c0") in edges
    assert ("f:email-sending", "p:sendgrid", "c3") in edges
    assert ("p:sendgrid", "o:twilio", "owned") in edges
    assert ("o:twilio", "c:US", "owned") in edges
    assert ("o:ddos-guard", "c:RU", "owned") in edges
    assert ("org", "f:unknown", "unknown") in edges
    assert ("f:unknown", "u:evil.example", "unknown") in edges
    assert ("f:email-inbound", "u:mailhost.example", "unknown") in edges
    # Microsoft serves two functions but is one node with one ownership edge.
    assert sum(1 for a, b, _ in edges if a == "p:microsoft-365") == 1
    assert len(edges) == len(build_graph(parler).edges)


def test_failed_scan_has_no_graph(scans: list[ScanResult]) -> None:
    assert build_graph(scans[1]).empty
    assert not build_graph(scans[0]).empty


def test_nodes_do_not_overlap_and_fit_the_view_box(parler: ScanResult) -> None:
    graph = build_graph(parler)
    svg = render_svg(graph, "g")
    width, height = map(float, re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())  # type: ignore[union-attr]
    rects = re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="(\d+)" height="(\d+)"', svg)
    assert len(rects) == sum(len(col) for col in graph.columns)
    columns: dict[float, list[float]] = {}
    for x, y, w, h in rects:
        assert float(x) >= 0 and float(x) + float(w) <= width
        assert float(y) >= 0 and float(y) + float(h) <= height
        columns.setdefault(float(x), []).append(float(y))
    assert len(columns) == 5
    for ys in columns.values():
        assert all(b - a >= NODE_H for a, b in zip(ys, ys[1:], strict=False))


def test_labels_are_cut_with_full_text_in_tooltip(parler: ScanResult) -> None:
    svg = render_svg(build_graph(parler), "g")
    assert "<title>Microsoft 365 / Exchange Online (microsoft-365)</title>" in svg
    assert ">Microsoft 365 / Exchange…</text>" in svg


def test_svg_escapes_text_and_attributes(parler: ScanResult) -> None:
    evil = '"><script>alert(1)</script>\x07'
    scan = replace(
        parler,
        domain=evil,
        unattributed=(Unattributed(Function.EMAIL_INBOUND, evil, Evidence(DNS_MX, "a", "b", "c")),),
    )
    svg = render_svg(build_graph(scan), f"Dependency graph of {evil}")
    assert "<script" not in svg and "\x07" not in svg
    assert 'aria-label="Dependency graph of &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\\x07"' in svg
    assert "<title>unattributed: &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\\x07</title>" in svg
