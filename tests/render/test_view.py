"""The shared content decisions: safe text, labels, ordering and summaries."""

from __future__ import annotations

import tomllib
import unicodedata
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tethers.model import CollectError, Evidence, Location, ScanResult
from tethers.model.evidence import DNS_MX, DNS_SPF, DNS_TXT
from tethers.render import view
from tethers.types import Function, Mode


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain.example", "plain.example"),
        ("bell\x07", "bell\\x07"),
        ("line\nbreak\r", "line\\x0abreak\\x0d"),
        ("esc\x1b[31m", "esc\\x1b[31m"),
        ("nul\x00", "nul\\x00"),
        ("c1\x85", "c1\\x85"),
        ("bidi\u202eevil", "bidi\\u202eevil"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("sep\u2028", "sep\\u2028"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("münchen.de", "münchen.de"),
        ("[bold]<b>", "[bold]<b>"),
    ],
)
def test_clean(raw: str, shown: str) -> None:
    assert view.clean(raw) == shown


@given(st.text())
def test_clean_leaves_nothing_invisible_and_is_idempotent(text: str) -> None:
    out = view.clean(text)
    assert all(unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Zl", "Zp"} for ch in out)
    assert view.clean(out) == out


def test_shorten() -> None:
    assert view.shorten("abcdef", 6) == "abcdef"
    assert view.shorten("abcdefg", 6) == "abcde…"


def test_evidence_forms() -> None:
    spf = Evidence(DNS_TXT, "parler.com", '"v=spf1 include:spf.protection.outlook.com -all"')
    inc = Evidence(DNS_SPF, "parler.com", "include:spf.protection.outlook.com", "spf.protection.outlook.com", spf)
    assert view.evidence_short(inc) == "SPF spf.protection.outlook.com"
    assert view.evidence_short(spf) == 'TXT "v=spf1 include:spf.protection.outlook.com -all"'
    assert view.evidence_trail(inc) == [
        "parler.com SPF include:spf.protection.outlook.com",
        'parler.com TXT "v=spf1 include:spf.protection.outlook.com -all"',
    ]
    assert view.evidence_short(Evidence("tls:sni", "a", "b", "c")) == "tls:sni c"
    assert view.evidence_short(Evidence(DNS_TXT, "x", "y", "\x07" + "a" * 100), 10) == "TXT \\x07aaaaaaaa…"


def test_owner_label(parler: ScanResult) -> None:
    owners = {d.provider.id: view.owner_label(d.provider) for d in parler.dependencies}
    assert owners["sendgrid"] == "Twilio Inc. (via SendGrid (Twilio))"
    assert owners["microsoft-365"] == "Microsoft Corporation"


def test_location_countries_keep_first_seen_order_and_skip_unknown() -> None:
    locs = (Location("192.0.2.1", "US", None, None), Location("192.0.2.2", None, None, None),
            Location("192.0.2.3", "IE", None, None), Location("192.0.2.4", "US", None, None))
    assert view.location_countries(locs) == ["US", "IE"]


def test_ordering_and_jurisdictions(parler: ScanResult) -> None:
    deps = view.ordered_dependencies(parler)
    assert [(d.function.value, d.provider.id) for d in deps] == [
        ("dns", "epik"),
        ("email-inbound", "microsoft-365"),
        ("email-sending", "microsoft-365"),
        ("email-sending", "sendgrid"),
        ("hosting", "ddos-guard"),
    ]
    assert [f for f, _ in view.group_by_function(deps)] == [
        Function.DNS, Function.EMAIL_INBOUND, Function.EMAIL_SENDING, Function.HOSTING,
    ]
    assert view.owner_jurisdictions(parler) == {
        "RU": [Function.HOSTING],
        "US": [Function.DNS, Function.EMAIL_INBOUND, Function.EMAIL_SENDING],
    }
    assert view.server_jurisdictions(parler) == {
        "DE": [Function.EMAIL_INBOUND],
        "IE": [Function.EMAIL_INBOUND],
        "RU": [Function.HOSTING],
        "US": [Function.DNS, Function.EMAIL_INBOUND],
    }


def test_counts(parler: ScanResult) -> None:
    c = view.counts(parler)
    assert (c.dependencies, c.providers, c.owners, c.jurisdictions, c.server_countries) == (5, 4, 4, 2, 4)
    assert view.counts_line(c) == (
        "5 dependencies on 4 providers from 4 owners in 2 jurisdictions; 2 unattributed; 3 errors; "
        "9 records from 14 queries"
    )
    one = ScanResult("a.example", Mode.LIVE, "x", "y", "r", evidence_count=1, queries=1)
    assert view.counts_line(view.counts(one)) == "no provider identified; 0 unattributed; 0 errors; 1 record from 1 query"


def test_errors_count_by_reason_head() -> None:
    scan = ScanResult(
        "a.example", Mode.LIVE, "x", "y", "r",
        errors=(CollectError("a", "TXT", "malformed: bad SPF"), CollectError("b", "CAA", "malformed: bad tag"),
                CollectError("c", "MX", "timeout", "after 2 tries"), CollectError("d", "NS", "")),
    )
    assert view.error_counts(scan) == [("malformed", 2), ("timeout", 1), ("unknown", 1)]
    assert view.error_line(scan.errors[2]) == "c MX: timeout (after 2 tries)"


def test_scan_line_and_duration(parler: ScanResult) -> None:
    assert view.scan_line(parler) == "live via 127.0.0.1:53, started 2021-01-10T04:00:00+00:00, took 1.4 s"
    zone = ScanResult("a.example", Mode.ZONE_FILE, "bad time", "2021", "zone-file: a.zone")
    assert view.scan_line(zone) == "zone-file: a.zone, started bad time"
    long = ScanResult("a.example", Mode.LIVE, "2021-01-10T04:00:00Z", "2021-01-10T04:03:00Z", "r")
    assert view.duration(long) == "3.0 min"


def test_country_names() -> None:
    assert view.country_label("US") == "US (United States)"
    assert view.country_name("NO") == "Norway"
    assert view.country_label("ZZ") == "ZZ"
    assert view.country_name("") == ""


def test_country_list_is_iso_alpha_2() -> None:
    with resources.files("tethers.data").joinpath("countries.toml").open("rb") as fh:
        table = tomllib.load(fh)
    assert len(table) == 250  # the 249 assigned codes and XK
    assert all(len(k) == 2 and k.isascii() and k.isupper() and isinstance(v, str) and v for k, v in table.items())
    assert list(table) == sorted(table)


def test_unknown_function_label() -> None:
    assert view.function_label(None) == "unknown"
    assert view.functions_text([Function.DNS, None]) == "dns, unknown"


def test_evidence_kind_of_mx() -> None:
    mx = Evidence(DNS_MX, "parler.com", "10 parler-com.mail.protection.outlook.com.", "parler-com.mail.protection.outlook.com")
    assert view.evidence_short(mx) == "MX parler-com.mail.protection.outlook.com"
    assert view.evidence_step(mx) == "parler.com MX 10 parler-com.mail.protection.outlook.com."
