"""The benchmark zone set: zones modelled on ordinary companies, each using a few common providers."""

from __future__ import annotations

import random

MAIL = [
    ("1 aspmx.l.google.com.", "include:_spf.google.com"),
    ("0 {label}-com.mail.protection.outlook.com.", "include:spf.protection.outlook.com"),
    ("10 mxa.mailgun.org.", "include:mailgun.org"),
]
WEB = ["d{n}.cloudfront.net.", "{label}.netlify.app.", "{label}.github.io.", "ghs.googlehosted.com."]
APEX_QUERIES = ["NS", "SOA", "MX", "TXT", "CAA", "A", "AAAA"]


def make_zone(i: int, rng: random.Random, dkim_share: float = 1.0) -> tuple[str, str]:
    """One company's zone; with probability ``dkim_share`` it publishes a DKIM key (SendGrid's s1)."""
    label = f"bench-corp-{i}"
    domain = f"{label}.com"
    mx, spf = rng.choice(MAIL)
    web = rng.choice(WEB).format(label=label, n=rng.randrange(10**12))
    dkim = f"s1._domainkey IN CNAME s1.domainkey.u{i}.wl.sendgrid.net." if rng.random() < dkim_share else ""
    text = f"""$ORIGIN {domain}.
$TTL 300
@ IN SOA ns1.{domain}. hostmaster.{domain}. 1 7200 900 1209600 300
@ IN NS ada.ns.cloudflare.com.
@ IN NS bob.ns.cloudflare.com.
@ IN A 192.0.2.{i % 250 + 1}
@ IN MX {mx.format(label=label)}
@ IN TXT "v=spf1 {spf} include:sendgrid.net ~all"
@ IN TXT "google-site-verification={rng.randrange(10**20)}"
@ IN CAA 0 issue "letsencrypt.org"
_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:x@ag.dmarcian.com"
www IN CNAME {web}
help IN CNAME {label}.zendesk.com.
{dkim}
"""
    return domain, text


# The providers' own zones, so that mail and name-server hosts have addresses, SPF includes
# expand and CNAME targets resolve, as they would on the Internet (addresses from TEST-NET-3).
PROVIDER_ZONES = {
    "google.com": ["aspmx.l IN A 203.0.113.10", "_spf IN TXT \"v=spf1 include:_netblocks.google.com ~all\"",
                   "_netblocks IN TXT \"v=spf1 ip4:203.0.113.0/24 ~all\""],
    "outlook.com": ["*.mail.protection IN A 203.0.113.20", "spf.protection IN TXT \"v=spf1 ip4:203.0.113.0/24 -all\""],
    "mailgun.org": ["mxa IN A 203.0.113.30", "@ IN TXT \"v=spf1 ip4:203.0.113.0/24 ~all\""],
    "sendgrid.net": ["@ IN TXT \"v=spf1 ip4:203.0.113.0/24 ~all\"", "*.wl IN CNAME dkim.sendgrid.net.",
                     "dkim IN TXT \"v=DKIM1; k=rsa; p=MIGf\""],
    "cloudflare.com": ["ada.ns IN A 203.0.113.40", "bob.ns IN A 203.0.113.41", "ada.ns IN AAAA 2001:db8::40"],
    "cloudfront.net": ["* IN A 203.0.113.50"],
    "netlify.app": ["* IN A 203.0.113.60"],
    "github.io": ["* IN A 203.0.113.70"],
    "googlehosted.com": ["ghs IN A 203.0.113.80"],
    "zendesk.com": ["* IN A 203.0.113.90"],
    "dmarcian.com": ["ag IN A 203.0.113.100"],
}


def provider_zone(domain: str) -> str:
    records = "\n".join(PROVIDER_ZONES[domain])
    return f"""$ORIGIN {domain}.
$TTL 3600
@ IN SOA ns1.{domain}. hostmaster.{domain}. 1 7200 900 1209600 300
@ IN NS ns1.{domain}.
ns1 IN A 203.0.113.1
{records}
"""


def write_zone_set(folder, count: int, seed: int = 7, dkim_share: float = 1.0) -> tuple[list, list[str]]:  # type: ignore[no-untyped-def]
    """Write ``count`` company zones and the provider zones into ``folder``: (zone files, company domains)."""
    rng = random.Random(seed)
    files, domains = [], []
    for i in range(count):
        domain, text = make_zone(i, rng, dkim_share)
        path = folder / f"{domain}.zone"
        path.write_text(text)
        files.append(path)
        domains.append(domain)
    for domain in PROVIDER_ZONES:
        path = folder / f"{domain}.zone"
        path.write_text(provider_zone(domain))
        files.append(path)
    return files, domains
