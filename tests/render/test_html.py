"""The HTML renderer: golden file, self-containment, escaping in text and attributes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from tethers.model import Evidence, ScanResult, Unattributed
from tethers.model.evidence import DNS_TXT
from tethers.render import render_html

VOID = {"meta", "br", "hr", "img", "input", "link", "wbr"}
SVG_LEAVES = {"path", "rect"}  # written self-closed inside the inline SVG
ALLOWED = {
    "html", "head", "meta", "title", "style", "body", "main", "footer", "h1", "h2", "h3", "p", "nav", "ul", "li",
    "a", "section", "dl", "div", "dt", "dd", "span", "b", "abbr", "table", "thead", "tbody", "tr", "th", "td",
    "details", "summary", "code", "br", "svg", "g", "rect", "text", "path",
}


class Page(HTMLParser):
    """Tags, attributes and text of a page, checking that elements nest."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed: {self.stack}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_golden(scans: list[ScanResult], golden: Callable[[str, str], None]) -> None:
    golden("scans.html", render_html(scans))


def test_page_is_well_formed_and_self_contained(scans: list[ScanResult]) -> None:
    text = render_html(scans)
    page = Page(text)
    assert page.errors == []
    assert {tag for tag, _ in page.tags} <= ALLOWED
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if "href" in attrs:
            assert (attrs["href"] or "").startswith("#"), attrs
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*https?:""", text, flags=re.I)
    assert "url(" not in text and "@import" not in text
    assert "<script" not in text.lower()
    csp = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")


def test_hostile_record_is_text(parler: ScanResult) -> None:
    text = render_html([parler])
    assert "&lt;script&gt;alert(1)&lt;/script&gt; [bold red]x[/] \\x07" in text
    assert "\x07" not in text and "\x1b" not in text
    page = Page(text)
    assert any("<script>alert(1)</script> [bold red]x[/] \\x07" in chunk for chunk in page.text)


def test_attribute_injection_is_escaped(parler: ScanResult) -> None:
    evil = 'x" onmouseover="alert(1)" data-x=\'<svg onload=alert(2)>'
    dep = parler.dependencies[0]
    hostile = replace(
        parler,
        domain=evil,
        dependencies=(replace(dep, provider=replace(dep.provider, name=evil, owner=evil, country=evil)),),
        unattributed=(Unattributed(None, evil, Evidence(DNS_TXT, evil, evil, evil)),),
        meta={evil: evil},
    )
    page = Page(render_html([hostile]))
    assert page.errors == []
    assert all(not any(name.startswith("on") or name == "data-x" for name in attrs) for _, attrs in page.tags)
    assert {tag for tag, _ in page.tags} <= ALLOWED
    # The SVG carries the name in its labels and tooltips, as text.
    assert any(evil[:20] in chunk for chunk in page.text)


def test_sections_and_summary(scans: list[ScanResult]) -> None:
    page = Page(render_html(scans))
    text = " ".join(page.text)
    heads = [t for t in re.findall(r"<h[23][^>]*>([^<]*)</h[23]>", render_html(scans))]
    assert heads == [
        "parler.com", "Dependencies", "Dependency graph", "Countries", "Unattributed evidence", "Lookup errors",
        "gone.example", "Dependencies", "Lookup errors",
    ]
    assert "Jurisdictions that can compel a provider:" in text
    assert "Nothing could be learnt about this domain" in text
    assert "Microsoft 365 / Exchange Online" in text and "Twilio Inc. (via SendGrid (Twilio))" in text
    hrefs = [a["href"] for t, a in page.tags if t == "a"]
    ids = {a.get("id") for _, a in page.tags}
    assert hrefs == ["#scan-1", "#scan-2"] and all(h[1:] in ids for h in hrefs)
    assert sum(1 for t, _ in page.tags if t == "details") == 7  # 5 dependencies, 2 unattributed


def test_single_scan_has_no_navigation(parler: ScanResult) -> None:
    assert "<nav" not in render_html([parler])


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_any_record_text_stays_text(parler: ScanResult, name: str, record: str) -> None:
    dep = parler.dependencies[0]
    scan = replace(
        parler,
        dependencies=(replace(dep, provider=replace(dep.provider, name=name)),),
        unattributed=(Unattributed(None, name, Evidence(DNS_TXT, "parler.com", record, record)),),
    )
    page = Page(render_html([scan]))
    assert page.errors == []
    assert {tag for tag, _ in page.tags} <= ALLOWED
    assert all(not any(n.startswith("on") for n in attrs) for _, attrs in page.tags)
