"""Attribution over a small knowledge base written by the test, so results do not drift with the data."""

from __future__ import annotations

import pytest

from tethers.attribute import Attributor
from tethers.kb import KnowledgeBase, load_files
from tethers.model import Evidence, Location
from tethers.types import Function

OWNERS = """
[mailco]
name = "MailCo Inc."
country = "US"
[cloudco-parent]
name = "Cloud Holdings"
country = "DE"
[cloudco]
name = "CloudCo GmbH"
country = "DE"
parent = "cloudco-parent"
"""
MAILCO = """
id = "mailco"
name = "MailCo"
owner = "mailco"
[[rules]]
kind = "mx-suffix"
function = "email-inbound"
value = "mx.mailco.net"
match = ["a.mx.mailco.net"]
no_match = ["mailco.net"]
[[rules]]
kind = "spf-include"
function = "email-sending"
value = "spf.mailco.net"
match = ["spf.mailco.net"]
no_match = ["mailco.net"]
[[rules]]
kind = "txt-prefix"
function = "other-saas"
value = "mailco-verification="
match = ["mailco-verification=abc"]
no_match = ["other-verification=abc"]
"""
CLOUDCO = """
id = "cloudco"
name = "CloudCo"
owner = "cloudco"
[[rules]]
kind = "cname-suffix"
function = "cdn"
value = "edge.cloudco.net"
match = ["x.edge.cloudco.net"]
no_match = ["edge.cloudco.net.evil.example"]
[[rules]]
kind = "asn"
function = "hosting"
value = "AS64500"
match = ["AS64500"]
no_match = ["AS64501"]
"""


class TableLocator:
    """A fixed IP table standing in for the shipped IP data."""

    TABLE = {
        "192.0.2.10": ("DE", 64500, "CLOUDCO"),
        "192.0.2.20": ("US", 64501, "MAILCO-AS"),
        "198.51.100.7": ("FR", 64502, "SOMEHOST"),
    }

    def locate(self, ip: str) -> Location:
        country, asn, name = self.TABLE.get(ip, (None, None, None))
        return Location(ip, country, asn, name)


@pytest.fixture(scope="module")
def attributor(tmp_path_factory) -> Attributor:
    root = tmp_path_factory.mktemp("kb")
    (root / "owners").mkdir()
    (root / "providers").mkdir()
    (root / "owners" / "o.toml").write_text(OWNERS)
    (root / "providers" / "mailco.toml").write_text(MAILCO)
    (root / "providers" / "cloudco.toml").write_text(CLOUDCO)
    return Attributor(KnowledgeBase(load_files(root)), TableLocator())


def by_function(result):
    return {(d.function.value, d.provider.id) for d in result.dependencies}


def test_mx_and_its_address_make_one_dependency_with_a_location(attributor):
    mx = Evidence("dns:MX", "example.com", "10 a.mx.mailco.net.", "a.mx.mailco.net")
    addr = Evidence("dns:A", "a.mx.mailco.net", "192.0.2.20", "192.0.2.20", via=mx)
    result = attributor.attribute("example.com", [mx, addr])
    assert by_function(result) == {("email-inbound", "mailco")}
    dep = result.dependencies[0]
    assert dep.evidence == (mx,)
    assert [loc.country for loc in dep.locations] == ["US"]
    assert result.unattributed == ()


def test_ownership_chain_gives_the_ultimate_owner_and_country(attributor):
    cname = Evidence("dns:CNAME", "www.example.com", "x.edge.cloudco.net.", "x.edge.cloudco.net")
    result = attributor.attribute("example.com", [cname])
    provider = result.dependencies[0].provider
    assert (provider.owner, provider.country, provider.operator) == ("Cloud Holdings", "DE", "CloudCo GmbH")
    assert provider.ownership == ("cloudco", "cloudco-parent")


def test_address_of_own_name_is_attributed_by_asn(attributor):
    a = Evidence("dns:A", "example.com", "192.0.2.10", "192.0.2.10")
    result = attributor.attribute("example.com", [a])
    assert by_function(result) == {("hosting", "cloudco")}


def test_unknown_as_is_shown_unattributed_not_guessed(attributor):
    a = Evidence("dns:A", "www.example.com", "198.51.100.7", "198.51.100.7")
    result = attributor.attribute("example.com", [a])
    assert result.dependencies == ()
    assert [(u.function, u.domain) for u in result.unattributed] == [(Function.HOSTING, "AS64502 SOMEHOST")]


def test_third_party_mx_without_rule_is_unattributed_with_its_address(attributor):
    mx = Evidence("dns:MX", "example.com", "10 mx.unknown-mail.net.", "mx.unknown-mail.net")
    addr = Evidence("dns:A", "mx.unknown-mail.net", "198.51.100.7", "198.51.100.7", via=mx)
    result = attributor.attribute("example.com", [mx, addr])
    (u,) = result.unattributed
    assert (u.function, u.domain, u.evidence) == (Function.EMAIL_INBOUND, "unknown-mail.net", mx)
    assert [loc.ip for loc in u.locations] == ["198.51.100.7"]


@pytest.mark.parametrize(
    "evidence",
    [
        Evidence("dns:MX", "example.com", "10 mail.example.com.", "mail.example.com"),
        Evidence("dns:NS", "example.com", "ns1.example.com.", "ns1.example.com"),
        Evidence("dns:NS", "example.com", "unpublished-ns1.invalid.", "unpublished-ns1.invalid"),
        Evidence("dns:CNAME", "www.example.com", "web.example.com.", "web.example.com"),
        Evidence("dns:TXT", "example.com", '"hello"', "hello"),
    ],
    ids=["own-mx", "own-ns", "placeholder-ns", "internal-cname", "plain-txt"],
)
def test_own_names_and_plain_records_are_not_third_parties(attributor, evidence):
    result = attributor.attribute("example.com", [evidence])
    assert result.dependencies == () and result.unattributed == ()


def test_other_domains_of_the_organisation_can_be_declared_own(attributor):
    mx = Evidence("dns:MX", "wikipedia.org", "10 mx1.wikimedia.org.", "mx1.wikimedia.org")
    assert attributor.attribute("wikipedia.org", [mx]).unattributed
    assert not attributor.attribute("wikipedia.org", [mx], own=["wikimedia.org"]).unattributed


def test_unknown_verification_token_is_unattributed(attributor):
    known = Evidence("dns:TXT", "example.com", '"mailco-verification=1"', "mailco-verification=1")
    unknown = Evidence("dns:TXT", "example.com", '"acme-site-verification=zz"', "acme-site-verification=zz")
    result = attributor.attribute("example.com", [known, unknown])
    assert by_function(result) == {("other-saas", "mailco")}
    assert [u.domain for u in result.unattributed] == ["acme-site-verification"]


def test_spf_include_and_suffix_matching_is_whole_label(attributor):
    good = Evidence("dns:SPF", "example.com", "include:spf.mailco.net", "spf.mailco.net")
    evil = Evidence("dns:SPF", "example.com", "include:spf.mailco.net.evil.com", "spf.mailco.net.evil.com")
    result = attributor.attribute("example.com", [good, evil])
    assert by_function(result) == {("email-sending", "mailco")}
    assert [u.domain for u in result.unattributed] == ["evil.com"]


def test_a_chain_step_explained_by_a_later_attributed_step_is_not_unattributed(attributor):
    first = Evidence("dns:CNAME", "www.example.com", "www.example.com.proxy.net.", "www.example.com.proxy.net")
    second = Evidence("dns:CNAME", "www.example.com.proxy.net", "x.edge.cloudco.net.", "x.edge.cloudco.net", via=first)
    result = attributor.attribute("example.com", [first, second])
    assert by_function(result) == {("cdn", "cloudco")}
    assert result.unattributed == ()


def test_an_unexplained_third_party_cname_stays_unattributed(attributor):
    first = Evidence("dns:CNAME", "www.example.com", "www.example.com.proxy.net.", "www.example.com.proxy.net")
    result = attributor.attribute("example.com", [first])
    assert [u.domain for u in result.unattributed] == ["proxy.net"]
