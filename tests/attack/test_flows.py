from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tethers.attack.flows import csv_format, looks_like_vpc, vpc_format
from tethers.attack.records import Vector

VPC_HEADER = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end "
              "action log-status")
VPC_LINE = "2 123456789010 eni-1235b8ca 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK"
VPC_NODATA = "2 123456789010 eni-1235b8ca - - - - - - - 1431280876 1431280934 - NODATA"


def test_vpc_default_layout_without_header() -> None:
    assert looks_like_vpc(VPC_LINE)
    batches, rejected = vpc_format(None).parse(f"{VPC_LINE}\n{VPC_NODATA}\nnot a record\n")
    (b,) = batches
    assert b.src == ["203.0.113.12"] and b.dst == ["172.31.16.139"]
    assert b.vector.tolist() == [Vector.ICMP]
    assert (b.packets.tolist(), b.nbytes.tolist(), b.ts.tolist()) == ([4], [336], [1432917027])
    assert b.extra["nodata"] == 1
    assert rejected == ["not a record"]


def test_vpc_custom_fields_prefer_packet_source_and_read_flags() -> None:
    header = "srcaddr dstaddr srcport dstport protocol packets bytes start tcp-flags pkt-srcaddr"
    fmt = vpc_format(header)
    text = (f"{header}\n10.0.1.5 10.0.2.9 40000 443 6 3 180 1741599902 2 198.51.100.77\n"
            f"10.0.1.6 10.0.2.9 40001 443 6 9 900 1741599902 19 -\n")
    (b,), rejected = fmt.parse(text)
    assert rejected == []
    assert b.src == ["198.51.100.77", "10.0.1.6"]
    assert b.vector.tolist() == [Vector.TCP_SYN, Vector.TCP_ESTABLISHED]


def test_nfdump_style_csv_with_flag_letters_and_repeated_header() -> None:
    header = "ts,sa,da,sp,dp,pr,ipkt,ibyt,flg,ttl"
    fmt = csv_format(header)
    assert fmt is not None
    rows = [
        "2025-03-10T09:45:02Z,192.0.2.1,198.51.100.10,123,4444,UDP,10,4680,,55",
        "2025-03-10T09:45:03Z,192.0.2.2,198.51.100.10,5555,443,TCP,1,60,....S.,51",
        "2025-03-10T09:45:04Z,192.0.2.3,198.51.100.10,5556,443,6,20,9000,.AP.SF,117",
        header,
        "2025-03-10T09:45:05Z,192.0.2.4,198.51.100.10,0,0,icmp,2,120,,60",
        "2025-03-10T09:45:05Z,192.0.2.5,198.51.100.10,999,53,17,1,80,,60",
        "short,row",
    ]
    (b,), rejected = fmt.parse("\n".join(rows) + "\n")
    assert rejected == ["short,row"]
    assert b.vector.tolist() == [Vector.UDP_REFLECTION, Vector.TCP_SYN, Vector.TCP_ESTABLISHED, Vector.ICMP, Vector.UDP]
    assert b.ttl.tolist() == [55, 51, 117, 60, 60]


def test_csv_needs_source_and_time() -> None:
    assert csv_format("a,b,c") is None
    assert csv_format("src,dst,bytes") is None


@given(st.text(max_size=300))
def test_never_raises(text: str) -> None:
    fmt = csv_format("time,src,dst,sport,dport,proto,packets,bytes,flags,ttl")
    assert fmt is not None
    fmt.parse(text)
    vpc_format(None).parse(text)
