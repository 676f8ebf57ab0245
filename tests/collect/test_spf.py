import asyncio

import pytest

from tethers.collect.spf import LOOKUP_LIMIT, expand_spf, literal_tail, parse_spf
from tethers.model import Evidence
from tests.zonetext import resolver


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ("v=spf1 include:_spf.google.com ~all", [("include", "_spf.google.com"), ("all", "")]),
        ("v=spf1 ip4:192.0.2.0/24 -all", [("ip4", "192.0.2.0/24"), ("all", "")]),
        ("V=SPF1 +Include:Mail.Example.NET redirect=_spf.example.org", [("include", "mail.example.net"), ("redirect", "_spf.example.org")]),
        ("v=spf1 a/24 mx:mx.example.com exists:%{i}.spf.example.com ?all", [("a", ""), ("mx", "mx.example.com"), ("exists", "%{i}.spf.example.com"), ("all", "")]),
        ("v=spf1   include:spf.protection.outlook.com   -all", [("include", "spf.protection.outlook.com"), ("all", "")]),
        ("v=spf1 foo=bar", [("unknown", "foo=bar")]),
    ],
    ids=["google", "ip4", "case-and-redirect", "macros", "spacing", "unknown-modifier"],
)
def test_parse_spf(record, expected):
    assert [(t.kind, t.value) for t in parse_spf(record)] == expected


def test_literal_tail_strips_macro_labels():
    assert literal_tail("%{ir}.%{v}._spf.mta.salesforce.com") == "_spf.mta.salesforce.com"
    assert literal_tail("_spf.google.com") == "_spf.google.com"
    assert literal_tail("%{d}") == ""


def run(res, domain, record):
    origin = Evidence("dns:TXT", domain, record, record)
    return asyncio.run(expand_spf(domain, record, origin, res))


def test_nested_includes_keep_their_path():
    res = resolver(
        example_com='@ TXT "v=spf1 include:spf.example.net -all"\n',
        example_net='spf TXT "v=spf1 include:deep.example.org ~all"\n',
        example_org='deep TXT "v=spf1 ip4:192.0.2.1 -all"\n',
    )
    evidence, errors = run(res, "example.com", "v=spf1 include:spf.example.net -all")
    assert [e.target for e in evidence] == ["spf.example.net", "deep.example.org"]
    assert [a.name for a in evidence[1].chain()] == ["spf.example.net", "example.com", "example.com"]
    assert errors == []


def test_include_loop_is_reported_and_stops():
    res = resolver(example_net='a TXT "v=spf1 include:b.example.net -all"\nb TXT "v=spf1 include:a.example.net -all"\n')
    evidence, errors = run(res, "a.example.net", "v=spf1 include:b.example.net -all")
    assert [e.target for e in evidence] == ["b.example.net", "a.example.net"]
    assert [e.reason for e in errors] == ["spf-loop"]


def test_lookup_limit_reports_but_keeps_evidence():
    body = "".join(f'i{n} TXT "v=spf1 include:i{n + 1}.example.net -all"\n' for n in range(15))
    res = resolver(example_net=body)
    evidence, errors = run(res, "example.com", "v=spf1 include:i0.example.net -all")
    assert len(evidence) == LOOKUP_LIMIT + 1  # the term past the limit is shown, not queried
    assert [e.reason for e in errors] == ["spf-lookup-limit"]


def test_missing_and_multiple_spf_records():
    res = resolver(
        example_net='nospf TXT "hello"\ntwo TXT "v=spf1 -all"\ntwo TXT "v=spf1 ~all"\n'
    )
    _, errors = run(res, "example.com", "v=spf1 include:nospf.example.net include:two.example.net include:gone.example.net -all")
    reasons = sorted(e.reason for e in errors)
    assert reasons == ["spf-missing", "spf-missing", "spf-multiple"]
