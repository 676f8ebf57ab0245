"""DNS messages in wire format (RFC 1035), built and parsed by hand for the types tethers reads.

Why by hand: dnspython spends about half a millisecond building and parsing one
message (name objects, enums, immutability guards), which caps a scanner at a
few thousand queries a second; these functions do the same work in a few
microseconds. They cover what the collector asks for (A, AAAA, CNAME, NS, MX,
TXT, SOA, CAA, SRV, PTR, DNAME); a reply holding anything else raises
``Unusual`` and the resolver hands it to dnspython instead.

Replies are untrusted input. Every read is bounds-checked, a compression
pointer must point strictly before the previous one (so pointer loops cannot
hang the parser), names are limited to 255 octets, and any violation raises
``WireError``, never anything else.

The rdata classes below carry the attributes dnspython's rdata have (``target``,
``exchange``, ``strings``, ``mname``, ``tag``...) and ``to_text()`` gives the same
presentation text, since that text is stored as evidence.
"""

from __future__ import annotations

import socket
import struct

TYPE_CODES: dict[str, int] = {
    "A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33,
    "DNAME": 39, "CAA": 257,
}
TYPE_NAMES: dict[int, str] = {code: name for name, code in TYPE_CODES.items()}
RCODES = ("NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
          "NXRRSET", "NOTAUTH", "NOTZONE", "RCODE11", "RCODE12", "RCODE13", "RCODE14", "RCODE15", "BADVERS")
OPT = 41
CLASS_IN = 1
FLAG_QR = 0x8000
FLAG_TC = 0x0200
PAYLOAD = 1232  # EDNS0 buffer size that avoids IP fragmentation (DNS flag day 2020)

# Header after the ID: RD set; one question, no answer or authority, one additional (OPT).
_HEADER_TAIL = b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01"
# OPT pseudo-record: root owner, type 41, class = payload size, TTL 0 (ext-rcode, version, flags), no options.
_OPT_RR = b"\x00\x00\x29" + PAYLOAD.to_bytes(2, "big") + b"\x00\x00\x00\x00\x00\x00"
_RR_HEADER = struct.Struct("!HHIH")
_COUNTS = struct.Struct("!HHHHHH")
_SOA_NUMBERS = struct.Struct("!IIIII")
_SRV_NUMBERS = struct.Struct("!HHH")
_LENGTH = tuple(bytes([n]) for n in range(256))
_RAW_EQUAL = frozenset((1, 28, 16, 257))  # types whose rdata holds no name: equal bytes, equal records
# Bytes a name label shows as themselves; dnspython escapes the rest ("().;\@$ with a backslash, others as \DDD).
_NAME_SAFE = bytes(c for c in range(0x21, 0x7F) if chr(c) not in '"().;\\@$')
# Bytes a quoted string (TXT, CAA value) shows as themselves.
_QUOTED_SAFE = bytes(c for c in range(0x20, 0x7F) if chr(c) not in '"\\')


class WireError(ValueError):
    """A malformed message (or a name that cannot be encoded)."""


class Unusual(Exception):
    """A well-formed reply holding something these parsers leave to dnspython (another type or class)."""


# -- building queries ----------------------------------------------------------


def encode_name(name: str) -> bytes:
    """``www.example.com`` → wire labels. Plain ASCII names only; anything else raises ``WireError``.

    A scan asks about many names under one domain (``www.``, ``mail.``,
    ``s1._domainkey.``...), so encoded parents are kept in a small cache and a
    name costs one label's work.
    """
    if not name.isascii() or "\\" in name:
        raise WireError(f"name needs escaping or IDNA: {name!r}")
    if name.endswith("."):
        name = name[:-1]
        if not name:
            return b"\x00"
    first, _, parent = name.partition(".")
    size = len(first)
    if not 0 < size < 64:
        raise WireError(f"empty label in {name!r}" if not size else f"label longer than 63 octets in {name!r}")
    tail = _PARENTS.get(parent)
    if tail is None:
        tail = _encode_parent(parent, name)
    if size + len(tail) > 254:
        raise WireError(f"name longer than 255 octets: {name[:40]!r}...")
    return _LENGTH[size] + first.encode("ascii") + tail


def _encode_parent(parent: str, name: str) -> bytes:
    if not parent:
        return b"\x00"
    labels = parent.encode("ascii").split(b".")
    if not all(labels):
        raise WireError(f"empty label in {name!r}")
    if max(map(len, labels)) > 63:
        raise WireError(f"label longer than 63 octets in {name!r}")
    tail = b"".join([_LENGTH[len(label)] + label for label in labels]) + b"\x00"
    if len(_PARENTS) >= 4096:
        _PARENTS.clear()
    _PARENTS[parent] = tail
    return tail


_PARENTS: dict[str, bytes] = {}


def question(name: str, qtype: int) -> bytes:
    """The question section for (name, type, IN)."""
    return encode_name(name) + qtype.to_bytes(2, "big") + b"\x00\x01"


def build_query(qid: int, question_bytes: bytes) -> bytes:
    """A recursive query with EDNS0 (payload 1232): ID, fixed header, the question, the OPT record."""
    return qid.to_bytes(2, "big") + _HEADER_TAIL + question_bytes + _OPT_RR


def query_tail(question_bytes: bytes) -> bytes:
    """Everything of a query after its two-byte ID (``build_query`` is the ID plus this)."""
    return _HEADER_TAIL + question_bytes + _OPT_RR


# -- names -----------------------------------------------------------------------


def _label_text(label: bytes) -> str:
    if not label.translate(None, _NAME_SAFE):
        return label.decode("ascii")
    out = []
    for c in label:
        if c in _NAME_SAFE:
            out.append(chr(c))
        elif 0x20 < c < 0x7F:
            out.append("\\" + chr(c))
        else:
            out.append(f"\\{c:03d}")
    return "".join(out)


def quoted(data: bytes) -> str:
    """A character-string as dnspython shows it inside quotes (" and \\ escaped, others as \\DDD)."""
    if not data.translate(None, _QUOTED_SAFE):
        return data.decode("ascii")
    out = []
    for c in data:
        if c in _QUOTED_SAFE:
            out.append(chr(c))
        elif c == 0x22 or c == 0x5C:
            out.append("\\" + chr(c))
        else:
            out.append(f"\\{c:03d}")
    return "".join(out)


def read_name(data: bytes, pos: int) -> tuple[str, int]:
    """The name at ``pos`` as absolute presentation text (``www.example.com.``), and where it ends.

    Follows compression pointers; each must point before the previous one (and
    before the name's start), as dnspython requires, so a loop is impossible.
    """
    size = len(data)
    labels: list[str] = []
    end = -1
    limit = pos
    total = 1
    while True:
        if pos >= size:
            raise WireError("name runs past the end of the message")
        length = data[pos]
        if length == 0:
            pos += 1
            break
        if length < 64:
            stop = pos + 1 + length
            if stop > size:
                raise WireError("label runs past the end of the message")
            total += length + 1
            if total > 255:
                raise WireError("name longer than 255 octets")
            labels.append(_label_text(data[pos + 1:stop]))
            pos = stop
        elif length >= 0xC0:
            if pos + 1 >= size:
                raise WireError("compression pointer runs past the end of the message")
            target = ((length & 0x3F) << 8) | data[pos + 1]
            if target >= limit:
                raise WireError("compression pointer does not point backwards")
            if end < 0:
                end = pos + 2
            limit = pos = target
        else:
            raise WireError(f"unknown label type {length >> 6:#x}")
    if end < 0:
        end = pos
    return (".".join(labels) + "." if labels else "."), end


def skip_name(data: bytes, pos: int) -> int:
    """Where the name at ``pos`` ends in the message (pointers are not followed)."""
    size = len(data)
    while True:
        if pos >= size:
            raise WireError("name runs past the end of the message")
        length = data[pos]
        if length == 0:
            return pos + 1
        if length >= 0xC0:
            if pos + 1 >= size:
                raise WireError("compression pointer runs past the end of the message")
            return pos + 2
        if length >= 64:
            raise WireError(f"unknown label type {length >> 6:#x}")
        pos += 1 + length


# -- rdata -------------------------------------------------------------------------


class Rdata:
    """Base of the parsed record data; ``to_text()`` matches dnspython's presentation format."""

    __slots__ = ()

    def to_text(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_text()}>"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.to_text() == other.to_text()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.to_text()))


class AddressRdata(Rdata):
    __slots__ = ("address",)

    def __init__(self, address: str) -> None:
        self.address = address

    def to_text(self) -> str:
        return self.address


class NameRdata(Rdata):
    """CNAME, NS, PTR, DNAME: one name."""

    __slots__ = ("target",)

    def __init__(self, target: str) -> None:
        self.target = target

    def to_text(self) -> str:
        return self.target


class MxRdata(Rdata):
    __slots__ = ("preference", "exchange")

    def __init__(self, preference: int, exchange: str) -> None:
        self.preference = preference
        self.exchange = exchange

    def to_text(self) -> str:
        return f"{self.preference} {self.exchange}"


class SrvRdata(Rdata):
    __slots__ = ("priority", "weight", "port", "target")

    def __init__(self, priority: int, weight: int, port: int, target: str) -> None:
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target

    def to_text(self) -> str:
        return f"{self.priority} {self.weight} {self.port} {self.target}"


class SoaRdata(Rdata):
    __slots__ = ("mname", "rname", "serial", "refresh", "retry", "expire", "minimum")

    def __init__(self, mname: str, rname: str, serial: int, refresh: int, retry: int, expire: int, minimum: int) -> None:
        self.mname = mname
        self.rname = rname
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum

    def to_text(self) -> str:
        return f"{self.mname} {self.rname} {self.serial} {self.refresh} {self.retry} {self.expire} {self.minimum}"


class TxtRdata(Rdata):
    __slots__ = ("strings",)

    def __init__(self, strings: tuple[bytes, ...]) -> None:
        self.strings = strings

    def to_text(self) -> str:
        return " ".join(f'"{quoted(s)}"' for s in self.strings)


class CaaRdata(Rdata):
    __slots__ = ("flags", "tag", "value")

    def __init__(self, flags: int, tag: bytes, value: bytes) -> None:
        self.flags = flags
        self.tag = tag
        self.value = value

    def to_text(self) -> str:
        # dnspython escapes the tag like a quoted string too (it is alphanumeric, so it never shows).
        return f'{self.flags} {quoted(self.tag)} "{quoted(self.value)}"'


def _one_name(data: bytes, pos: int, end: int) -> str:
    name, stop = read_name(data, pos)
    if stop != end:
        raise WireError("rdata length does not match its name")
    return name


def parse_rdata(data: bytes, rtype: int, pos: int, end: int) -> Rdata:
    """The rdata of type ``rtype`` in ``data[pos:end]`` (names may point earlier in the message)."""
    length = end - pos
    if rtype == 1:
        if length != 4:
            raise WireError("A record is not 4 octets")
        return AddressRdata(socket.inet_ntop(socket.AF_INET, data[pos:end]))
    if rtype == 28:
        if length != 16:
            raise WireError("AAAA record is not 16 octets")
        return AddressRdata(ipv6_text(data[pos:end]))
    if rtype in (5, 2, 12, 39):
        return NameRdata(_one_name(data, pos, end))
    if rtype == 15:
        if length < 3:
            raise WireError("MX record too short")
        return MxRdata((data[pos] << 8) | data[pos + 1], _one_name(data, pos + 2, end))
    if rtype == 16:
        strings = []
        while pos < end:
            stop = pos + 1 + data[pos]
            if stop > end:
                raise WireError("TXT string runs past its record")
            strings.append(data[pos + 1:stop])
            pos = stop
        if not strings:
            raise WireError("TXT record with no string")
        return TxtRdata(tuple(strings))
    if rtype == 6:
        mname, pos = read_name(data, pos)
        rname, pos = read_name(data, pos)
        if pos + 20 != end:
            raise WireError("SOA record length does not match")
        return SoaRdata(mname, rname, *_SOA_NUMBERS.unpack_from(data, pos))
    if rtype == 33:
        if length < 7:
            raise WireError("SRV record too short")
        priority, weight, port = _SRV_NUMBERS.unpack_from(data, pos)
        return SrvRdata(priority, weight, port, _one_name(data, pos + 6, end))
    if rtype == 257:
        if length < 2 or pos + 2 + data[pos + 1] > end:
            raise WireError("CAA record too short")
        stop = pos + 2 + data[pos + 1]
        tag = data[pos + 2:stop]
        if not tag or not tag.isalnum():
            raise WireError("CAA tag is not alphanumeric")
        return CaaRdata(data[pos], tag, data[stop:end])
    raise Unusual(f"type {rtype}")


def ipv6_text(packed: bytes) -> str:
    """RFC 5952 text as dnspython writes it (its own rules for IPv4-mapped and -compatible forms)."""
    text = socket.inet_ntop(socket.AF_INET6, packed)
    if "." in text or (text.startswith("::") and packed[:10] == bytes(10)):
        # glibc and dnspython differ only around embedded IPv4 forms: use dnspython's rule.
        import dns.ipv6

        return dns.ipv6.inet_ntoa(packed)
    return text


# -- replies ------------------------------------------------------------------------


class Reply:
    """A parsed reply: header fields, the echoed question, the answer records and a cache lifetime."""

    __slots__ = ("id", "flags", "rcode", "qname", "qtype", "records", "ttl")

    def __init__(self, id: int, flags: int, rcode: int, qname: str, qtype: int,
                 records: list[tuple[str, str, Rdata]], ttl: int) -> None:
        self.id = id
        self.flags = flags
        self.rcode = rcode
        self.qname = qname
        self.qtype = qtype
        self.records = records  # (owner: lower case without the final dot, type name, rdata)
        self.ttl = ttl  # seconds this answer may be reused: the smallest TTL, or the SOA's negative TTL

    @property
    def rcode_text(self) -> str:
        return RCODES[self.rcode] if self.rcode < len(RCODES) else f"RCODE{self.rcode}"

    @property
    def truncated(self) -> bool:
        return bool(self.flags & FLAG_TC)


def parse_reply(data: bytes, question_end: int = 0) -> Reply:
    """Parse a reply; ``WireError`` when malformed, ``Unusual`` when it needs dnspython.

    ``question_end``: where the question section ends, when the caller has
    already matched it against the query (its name is then not decoded again).
    """
    if len(data) < 12:
        raise WireError("shorter than a DNS header")
    qid, flags, qdcount, ancount, nscount, arcount = _COUNTS.unpack_from(data)
    if not flags & FLAG_QR:
        raise WireError("not a response")
    if (flags >> 11) & 0xF:
        raise Unusual("opcode")
    qname, qtype, pos = "", 0, 12
    if question_end and qdcount == 1 and question_end <= len(data):
        qtype = (data[question_end - 4] << 8) | data[question_end - 3]
        pos = question_end
    elif qdcount:
        if qdcount != 1:
            raise Unusual("more than one question")
        qname, pos = read_name(data, pos)
        if pos + 4 > len(data):
            raise WireError("question runs past the end of the message")
        qtype = (data[pos] << 8) | data[pos + 1]
        pos += 4
    size = len(data)
    groups: dict[tuple[str, int], dict[object, Rdata]] = {}
    ttl = 0x7FFFFFFF
    for _ in range(ancount):
        owner, pos = read_name(data, pos)
        if pos + 10 > size:
            raise WireError("record header runs past the end of the message")
        rtype, rclass, rttl, rdlen = _RR_HEADER.unpack_from(data, pos)
        pos += 10
        end = pos + rdlen
        if end > size:
            raise WireError("record data runs past the end of the message")
        if rclass != CLASS_IN:
            raise Unusual(f"class {rclass}")
        rdata = parse_rdata(data, rtype, pos, end)
        # dnspython merges the records of one (name, type) into one set, dropping duplicates
        # (names compare case-insensitively; compressed names differ in bytes, so compare text).
        same = data[pos:end] if rtype in _RAW_EQUAL else rdata.to_text().lower()
        pos = end
        ttl = min(ttl, rttl)
        key = (owner.lower(), rtype)
        group = groups.get(key)
        if group is None:
            groups[key] = {same: rdata}
        else:
            group.setdefault(same, rdata)
    rcode, negative_ttl = _after_answers(data, pos, nscount, arcount, flags & 0xF)
    records = [(owner[:-1] if owner != "." else ".", TYPE_NAMES[rtype], rd)
               for (owner, rtype), group in groups.items() for rd in group.values()]
    if not records:
        ttl = negative_ttl
    return Reply(qid, flags, rcode, qname, qtype, records, ttl)


def parse_empty_reply(data: bytes, question_end: int) -> tuple[str, int]:
    """(RCODE name, negative TTL) of a reply with no answer records whose question the caller matched.

    Most replies a scan gets say a name or type does not exist (NXDOMAIN or
    NODATA); reading only their authority SOA and OPT costs a fraction of
    ``parse_reply``. The caller checks the header first (a response, opcode
    QUERY, not truncated, ANCOUNT 0): ``is_plain_empty``.
    """
    nscount = (data[8] << 8) | data[9]
    arcount = (data[10] << 8) | data[11]
    rcode, ttl = _after_answers(data, question_end, nscount, arcount, data[3] & 0xF)
    return (RCODES[rcode] if rcode < len(RCODES) else f"RCODE{rcode}"), ttl


def is_plain_empty(data: bytes) -> bool:
    """A response (QR), opcode QUERY, not truncated, one question and no answer records."""
    return data[2] & 0xFA == 0x80 and data[4] == 0 and data[5] == 1 and data[6] == 0 and data[7] == 0


def _after_answers(data: bytes, pos: int, nscount: int, arcount: int, rcode: int) -> tuple[int, int]:
    """Walk the authority and additional sections: (RCODE with its EDNS extension, negative TTL or 0)."""
    size = len(data)
    negative_ttl = 0
    for section in range(nscount + arcount):
        pos = skip_name(data, pos)
        if pos + 10 > size:
            raise WireError("record header runs past the end of the message")
        rtype, rclass, rttl, rdlen = _RR_HEADER.unpack_from(data, pos)
        pos += 10
        if pos + rdlen > size:
            raise WireError("record data runs past the end of the message")
        if rtype == OPT and section >= nscount:
            rcode |= (rttl >> 24) << 4  # extended RCODE (RFC 6891)
        elif rtype == 6 and section < nscount and rdlen >= 22:
            negative_ttl = min(rttl, int.from_bytes(data[pos + rdlen - 4:pos + rdlen], "big"))
        pos += rdlen
    return rcode, negative_ttl
