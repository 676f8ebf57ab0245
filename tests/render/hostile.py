"""A dependency map made of hostile text, and a tag lister, for the report renderers' escaping tests."""

from __future__ import annotations

from html.parser import HTMLParser

from tethers.model import DependencyMap, Evidence, Location, Origin, ProviderRef, Tether
from tethers.types import Function

EVIL = ProviderRef("evil", "<script>alert(1)</script>", "Evil | Corp [bold]", "US", "evil", "Evil & Sons", ("evil",))
TXT = Evidence("dns:TXT", "example.org", '"<img src=x onerror=alert(1)>\x07"', "<img src=x onerror=alert(1)>\x07")
MAP = DependencyMap("<b>org</b>", (Tether(Function.OTHER_SAAS, EVIL, Origin.DISCOVERED, False, (TXT,),
                                          (Location("192.0.2.1", "US", 64500, "<AS>"),)),))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.add(tag)


def tags(html: str) -> set[str]:
    """The element names that occur in ``html`` (escaped text adds none)."""
    parser = _Tags()
    parser.feed(html)
    return parser.tags
