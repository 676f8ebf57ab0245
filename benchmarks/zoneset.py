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


def make_zone(i: int, rng: random.Random) -> tuple[str, str]:
    label = f"bench-corp-{i}"
    domain = f"{label}.com"
    mx, spf = rng.choice(MAIL)
    web = rng.choice(WEB).format(label=label, n=rng.randrange(10**12))
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
s1._domainkey IN CNAME s1.domainkey.u{i}.wl.sendgrid.net.
"""
    return domain, text
