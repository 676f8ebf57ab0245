"""Hand-built queries and hand-parsed replies: byte-for-byte with dnspython, and safe on hostile input."""

from __future__ import annotations

import struct

import dns.message
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tethers.collect import wire

# -- queries -----------------------------------------------------------------------------


@pytest.mark.parametrize("rdtype", sorted(wire.TYPE_CODES))
def test_query_is_what_dnspython_builds(rdtype):
    ours = wire.build_query(0xBEEF, wire.question("Mail.Example.com", wire.TYPE_CODES[rdtype]))
    theirs = dns.message.make_query("Mail.Example.com", rdtype, use_edns=0, payload=1232)
    theirs.id = 0xBEEF
    assert ours == theirs.to_wire()


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("a..example.com", "empty label"),
        ("x" * 64 + ".com", "longer than 63"),
        (".".join(["a" * 60] * 5), "longer than 255"),
        ("bücher.example", "IDNA"),
        ("a\\.b.example", "escaping"),
    ],
)
def test_names_that_cannot_be_sent_as_they_are(name, problem):
    with pytest.raises(wire.WireError, match=problem):
        wire.encode_name(name)


def test_root_and_trailing_dot():
    assert wire.encode_name(".") == b"\x00"
    assert wire.encode_name("example.com.") == wire.encode_name("example.com") == b"\x07example\x03com\x00"


# -- replies: the same records and text as dnspython ------------------------------------------

RECORDS = [
    ("A", "192.0.2.1"),
    ("AAAA", "2001:db8::1"),
    ("AAAA", "::ffff:192.0.2.1"),
    ("AAAA", "::192.0.2.1"),
    ("AAAA", "1:0:0:1:0:0:0:1"),
    ("AAAA", "::"),
    ("CNAME", "Target.Example.NET."),
    ("NS", "ns1.example.com."),
    ("PTR", "host.example.com."),
    ("DNAME", "other.example."),
    ("MX", "10 mail.example.com."),
    ("MX", "0 ."),
    ("TXT", '"v=spf1 include:_spf.google.com ~all"'),
    ("TXT", '"quote \\" and backslash \\\\" "second string"'),
    ("TXT", '"caf\\195\\169 \\000 \\255 tab\\009"'),
    ("TXT", '""'),
    ("SOA", "ns1.example.com. host\\.master.example.com. 2024 7200 900 1209600 300"),
    ("CAA", '0 issue "letsencrypt.org"'),
    ("CAA", '128 iodef "mailto:security@example.com"'),
    ("CAA", '0 issuewild "ca.example; account=\\"x\\""'),
    ("SRV", "10 60 5060 sip.example.com."),
    ("CNAME", "we\\(ird\\).na\\$me\\@x.example."),
    ("CNAME", "\\001\\255.example."),
]


def _reply(rrsets: list[dns.rrset.RRset], qname: str = "example.com", qtype: str = "A") -> bytes:
    query = dns.message.make_query(qname, qtype, use_edns=0, payload=1232)
    response = dns.message.make_response(query)
    response.answer.extend(rrsets)
    return response.to_wire()


def _dnspython(data: bytes) -> list[tuple[str, str, str]]:
    message = dns.message.from_wire(data)
    return [
        (rrset.name.to_text(omit_final_dot=True).lower(), dns.rdatatype.to_text(rrset.rdtype), rd.to_text())
        for rrset in message.answer
        for rd in rrset
    ]


def _ours(data: bytes) -> list[tuple[str, str, str]]:
    return [(owner, rdtype, rd.to_text()) for owner, rdtype, rd in wire.parse_reply(data).records]


@pytest.mark.parametrize(("rdtype", "text"), RECORDS, ids=[f"{t}:{v[:30]}" for t, v in RECORDS])
def test_each_type_reads_as_dnspython_shows_it(rdtype, text):
    data = _reply([dns.rrset.from_text("Host.Example.com.", 300, "IN", rdtype, text)], qtype=rdtype)
    assert _ours(data) == _dnspython(data)


def test_attributes_the_collector_reads():
    data = _reply([
        dns.rrset.from_text("example.com.", 300, "IN", "MX", "10 mx.example.net."),
        dns.rrset.from_text("example.com.", 300, "IN", "SOA", "ns.example.net. hm.example.net. 1 2 3 4 5"),
        dns.rrset.from_text("example.com.", 300, "IN", "CAA", '0 issue "pki.goog"'),
        dns.rrset.from_text("example.com.", 300, "IN", "TXT", '"a" "b"'),
        dns.rrset.from_text("_sip._tls.example.com.", 300, "IN", "SRV", "1 2 443 sip.example.net."),
        dns.rrset.from_text("www.example.com.", 300, "IN", "CNAME", "cdn.example.net."),
    ])
    theirs = {dns.rdatatype.to_text(rrset.rdtype): next(iter(rrset)) for rrset in dns.message.from_wire(data).answer}
    ours = {rdtype: rd for _, rdtype, rd in wire.parse_reply(data).records}
    assert str(ours["MX"].exchange) == str(theirs["MX"].exchange)
    assert (str(ours["SOA"].mname), str(ours["SOA"].rname)) == (str(theirs["SOA"].mname), str(theirs["SOA"].rname))
    assert (ours["CAA"].tag, ours["CAA"].value) == (theirs["CAA"].tag, theirs["CAA"].value)
    assert ours["TXT"].strings == theirs["TXT"].strings == (b"a", b"b")
    assert str(ours["SRV"].target) == str(theirs["SRV"].target)
    assert str(ours["CNAME"].target) == str(theirs["CNAME"].target)


def test_records_of_one_name_and_type_are_merged_and_deduplicated_like_dnspython():
    # Interleaved and repeated records: dnspython groups them into RRsets and drops duplicates.
    query = dns.message.make_query("example.com", "A")
    header = struct.pack("!HHHHHH", query.id, 0x8180, 1, 5, 0, 0)
    question = b"\x07example\x03com\x00\x00\x01\x00\x01"

    def a(ip: bytes, owner: bytes = b"\xc0\x0c") -> bytes:
        return owner + struct.pack("!HHIH", 1, 1, 300, 4) + ip

    cname = b"\xc0\x0c" + struct.pack("!HHIH", 5, 1, 300, 2) + b"\xc0\x0c"
    data = header + question + a(b"\x01\x02\x03\x04") + cname + a(b"\x05\x06\x07\x08") + a(b"\x01\x02\x03\x04") \
        + a(b"\x09\x09\x09\x09", b"\x07EXAMPLE\x03COM\x00")
    assert _ours(data) == _dnspython(data)


def test_header_question_rcode_and_ttls():
    query = dns.message.make_query("nothing.example.com", "A", use_edns=0)
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.NXDOMAIN)
    response.authority.append(
        dns.rrset.from_text("example.com.", 900, "IN", "SOA", "ns.example.com. hm.example.com. 1 2 3 4 60"))
    reply = wire.parse_reply(response.to_wire())
    assert (reply.id, reply.rcode_text, reply.qname, reply.qtype, reply.records) == (
        query.id, "NXDOMAIN", "nothing.example.com.", 1, [])
    assert reply.ttl == 60  # the negative TTL: min(SOA TTL, SOA minimum), RFC 2308
    positive = wire.parse_reply(_reply([dns.rrset.from_text("example.com.", 120, "IN", "A", "192.0.2.1"),
                                        dns.rrset.from_text("example.com.", 45, "IN", "MX", "1 mx.example.com.")]))
    assert positive.ttl == 45


def test_extended_rcode_from_opt():
    query = dns.message.make_query("example.com", "A", use_edns=0)
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.BADVERS)
    data = response.to_wire()
    assert wire.parse_reply(data).rcode_text == dns.rcode.to_text(dns.message.from_wire(data).rcode()) == "BADVERS"


def _negative(rcode: int = dns.rcode.NXDOMAIN, *, soa_ttl: int = 900, minimum: int = 60, edns: bool = True) -> bytes:
    query = dns.message.make_query("nothing.example.com", "A", use_edns=0 if edns else None)
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    response.authority.append(dns.rrset.from_text(
        "example.com.", soa_ttl, "IN", "SOA", f"ns.example.com. hm.example.com. 1 2 3 4 {minimum}"))
    return response.to_wire()


_QUESTION_END = 12 + len(wire.question("nothing.example.com", 1))


@pytest.mark.parametrize(("rcode", "soa_ttl", "minimum", "edns"), [
    (dns.rcode.NXDOMAIN, 900, 60, True), (dns.rcode.NOERROR, 30, 600, True), (dns.rcode.SERVFAIL, 900, 60, False),
    (dns.rcode.REFUSED, 900, 60, True), (dns.rcode.BADVERS, 900, 60, True),
])
def test_an_empty_reply_reads_as_the_full_parser_reads_it(rcode, soa_ttl, minimum, edns):
    data = _negative(rcode, soa_ttl=soa_ttl, minimum=minimum, edns=edns)
    assert wire.is_plain_empty(data)
    full = wire.parse_reply(data, _QUESTION_END)
    assert wire.parse_empty_reply(data, _QUESTION_END) == (full.rcode_text, full.ttl)
    assert full.ttl == min(soa_ttl, minimum)


def test_what_is_not_a_plain_empty_reply():
    data = bytearray(_negative())
    assert wire.is_plain_empty(bytes(data))
    for position, bits in ((2, 0x02), (2, 0x28), (7, 0x01)):  # truncated, opcode UPDATE, one answer
        changed = bytearray(data)
        changed[position] |= bits
        assert not wire.is_plain_empty(bytes(changed))
    query = bytearray(data)
    query[2] &= 0x7F  # not a response
    assert not wire.is_plain_empty(bytes(query))
    with pytest.raises(wire.WireError):
        wire.parse_empty_reply(bytes(data[:-15]), _QUESTION_END)  # cut inside the SOA


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_empty_replies_read_alike_by_both_parsers(data):
    base = bytearray(_negative())
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(_QUESTION_END, len(base) - 1))
        base[position] = data.draw(st.integers(0, 255))
    packet = bytes(base[:data.draw(st.integers(_QUESTION_END, len(base)))])
    try:
        full = wire.parse_reply(packet, _QUESTION_END)
    except wire.WireError:
        with pytest.raises(wire.WireError):
            wire.parse_empty_reply(packet, _QUESTION_END)
        return
    assert wire.parse_empty_reply(packet, _QUESTION_END) == (full.rcode_text, full.ttl)


def test_truncated_flag():
    query = dns.message.make_query("example.com", "TXT")
    response = dns.message.make_response(query)
    response.flags |= dns.flags.TC
    assert wire.parse_reply(response.to_wire()).truncated


def test_other_types_and_classes_are_left_to_dnspython():
    with pytest.raises(wire.Unusual):
        wire.parse_reply(_reply([dns.rrset.from_text("example.com.", 300, "IN", "HINFO", '"x86" "linux"')]))
    with pytest.raises(wire.Unusual):
        wire.parse_reply(_reply([dns.rrset.from_text("example.com.", 300, "CH", "TXT", '"x"')]))


# -- hostile replies ----------------------------------------------------------------------------

HEADER = struct.pack("!HHHHHH", 1, 0x8180, 1, 1, 0, 0)
QUESTION = b"\x01a\x00\x00\x01\x00\x01"


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (b"\xc0\x13", "backwards"),  # a pointer to itself
        (b"\xc0\x30", "backwards"),  # a pointer forwards
        (b"\x01", "past the end"),  # a label cut short
        (b"\x80x", "label type"),  # 0b10 label type
        (b"\xc0", "past the end"),  # half a pointer
        (b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 0, 4) + b"\x01\x02", "past the end"),  # rdata cut short
        (b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 0, 3) + b"\x01\x02\x03", "4 octets"),
        (b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 0, 2) + b"\x05a", "TXT string"),
        (b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 0, 0), "no string"),
        (b"\xc0\x0c" + struct.pack("!HHIH", 257, 1, 0, 4) + b"\x00\x02i-", "alphanumeric"),
        (b"\xc0\x0c" + struct.pack("!HHIH", 5, 1, 0, 3) + b"\x00ab", "does not match"),
        (b"\xc0\x0c" + struct.pack("!HHIH", 6, 1, 0, 4) + b"\x00\x00\x00\x00", "SOA"),
    ],
)
def test_malformed_replies_raise_wire_error(answer, problem):
    with pytest.raises(wire.WireError, match=problem):
        wire.parse_reply(HEADER + QUESTION + answer)


def test_a_pointer_chain_that_loops_is_refused():
    # Two names pointing at each other: the "strictly backwards" rule stops it at once.
    body = b"\x01b\xc0\x14" + b"\x01c\xc0\x10"  # at 0x10: b -> 0x14; at 0x14: c -> 0x10
    data = struct.pack("!HHHHHH", 1, 0x8180, 0, 1, 0, 0) + b"\x00\x00\x00\x00" + body
    with pytest.raises(wire.WireError):
        wire.read_name(data, 0x14)


def test_a_long_pointer_chain_stays_within_255_octets():
    # 200 one-label names, each pointing to the one before: legal pointers, but the name grows past 255.
    data = bytearray(b"\x00" * 12 + b"\x01a\x00")
    previous = 12
    for _ in range(200):
        here = len(data)
        data += b"\x01a" + bytes([0xC0 | (previous >> 8), previous & 0xFF])
        previous = here
    with pytest.raises(wire.WireError, match="255"):
        wire.read_name(bytes(data), previous)
    assert wire.read_name(bytes(data), 12 + 3 + 4 * 9) == ("a." * 11, 12 + 3 + 4 * 10)


def test_not_a_response_and_short_headers():
    with pytest.raises(wire.WireError, match="not a response"):
        wire.parse_reply(struct.pack("!HHHHHH", 1, 0x0100, 0, 0, 0, 0))
    with pytest.raises(wire.WireError, match="header"):
        wire.parse_reply(b"\x00" * 11)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes_never_crash(data):
    try:
        wire.parse_reply(data)
    except (wire.WireError, wire.Unusual):
        pass


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_real_replies_never_crash_and_agree_with_dnspython_when_both_accept(data):
    base = bytearray(_reply([
        dns.rrset.from_text("example.com.", 300, "IN", "MX", "10 mx.example.com.", "20 mx2.example.net."),
        dns.rrset.from_text("example.com.", 300, "IN", "TXT", '"v=spf1 -all"', '"x\\"y"'),
        dns.rrset.from_text("www.example.com.", 300, "IN", "CNAME", "example.com."),
        dns.rrset.from_text("example.com.", 300, "IN", "SOA", "example.com. hm.example.com. 1 2 3 4 5"),
    ], qtype="MX"))
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(base) - 1))
        base[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(base) // 2, len(base)))
    packet = bytes(base[:cut])
    try:
        ours = _ours(packet)
    except (wire.WireError, wire.Unusual):
        return
    try:
        theirs = _dnspython(packet)
    except Exception:  # noqa: BLE001 - dnspython may be stricter (e.g. about trailing bytes)
        return
    assert ours == theirs


_label = st.binary(min_size=1, max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(_label, min_size=1, max_size=5), st.lists(st.binary(max_size=40), min_size=1, max_size=4),
       st.binary(max_size=30))
def test_any_name_and_string_bytes_show_as_dnspython_shows_them(labels, strings, caa_value):
    owner = dns.name.Name([*labels, b""])
    target = dns.name.Name([*reversed(labels), b"example", b""])
    rrsets = [
        dns.rrset.from_rdata(owner, 60, dns.rdata.from_text("IN", "CNAME", target.to_text())),
        dns.rrset.from_rdata(owner, 60, dns.rdata.from_text("IN", "MX", "5 " + target.to_text())),
    ]
    txt = dns.rdata.from_wire("IN", "TXT", b"".join(bytes([len(s)]) + s for s in strings), 0,
                              sum(len(s) + 1 for s in strings))
    caa = dns.rdata.from_wire("IN", "CAA", b"\x00\x05issue" + caa_value, 0, 7 + len(caa_value))
    rrsets += [dns.rrset.from_rdata(owner, 60, txt), dns.rrset.from_rdata(owner, 60, caa)]
    data = _reply(rrsets)
    assert _ours(data) == _dnspython(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=16, max_size=16))
def test_any_ipv6_address_shows_as_dnspython_shows_it(packed):
    import dns.ipv6

    assert wire.ipv6_text(packed) == dns.ipv6.inet_ntoa(packed)
