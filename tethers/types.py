"""Closed vocabularies shared by every layer."""

from __future__ import annotations

from enum import StrEnum


class Function(StrEnum):
    """What a provider does for the organisation."""

    DNS = "dns"
    REGISTRAR = "registrar"
    EMAIL_INBOUND = "email-inbound"
    EMAIL_SENDING = "email-sending"
    EMAIL_REPORTING = "email-reporting"
    HOSTING = "hosting"
    CDN = "cdn"
    CERTIFICATE_AUTHORITY = "certificate-authority"
    IDENTITY = "identity"
    MESSAGING = "messaging"
    SUPPORT = "support"
    COLLABORATION = "collaboration"
    REALTIME_MEDIA = "realtime-media"
    MARKETING = "marketing"
    ECOMMERCE = "ecommerce"
    STATUS_PAGE = "status-page"
    PAYMENTS = "payments"  # card processing, payouts: rarely visible in DNS, usually declared
    APP_DISTRIBUTION = "app-distribution"  # app stores: invisible in DNS, declared in an inventory
    OTHER_SAAS = "other-saas"


class RuleKind(StrEnum):
    """How a knowledge-base rule matches evidence.

    Suffix kinds match whole DNS labels: ``mail.protection.outlook.com`` matches
    ``contoso-com.mail.protection.outlook.com`` and the name itself, never
    ``mail.protection.outlook.com.evil.example`` or ``xmail.protection.outlook.com``.
    """

    NS_SUFFIX = "ns-suffix"  # NS host names
    SOA_SUFFIX = "soa-suffix"  # SOA MNAME or RNAME (as a domain)
    MX_SUFFIX = "mx-suffix"  # MX exchange host names
    CNAME_SUFFIX = "cname-suffix"  # CNAME targets of service names (www, help, status...)
    DKIM_SUFFIX = "dkim-suffix"  # CNAME targets of <selector>._domainkey names
    SRV_SUFFIX = "srv-suffix"  # SRV targets
    SPF_INCLUDE = "spf-include"  # include:/redirect= domains in SPF, at any depth
    DMARC_RUA = "dmarc-rua"  # domains of rua=/ruf= mailto: receivers
    CAA_ISSUER = "caa-issuer"  # issuer domain of CAA issue/issuewild (exact or suffix)
    TXT_PREFIX = "txt-prefix"  # literal prefix of a TXT string (verification tokens)
    TXT_REGEX = "txt-regex"  # anchored regular expression over a whole TXT string
    NS_REGEX = "ns-regex"  # anchored regular expression over an NS host name (ns-1234.awsdns-05.org)
    CNAME_REGEX = "cname-regex"  # anchored regular expression over a CNAME target, for numbered
    #                              domains no suffix can cover (vercel-dns-016.com, vercel-dns-017.com...)
    ASN = "asn"  # autonomous system number of an address the domain points at
    CIDR = "cidr"  # IP prefix of an address the domain points at
    HOST_SUFFIX = "host-suffix"  # host names seen in traffic: TLS SNI, HTTP Host, DNS questions, HAR URLs


# Anchored regular expressions over host names, tried only when no suffix rule matches.
HOST_REGEX_KINDS = frozenset({RuleKind.NS_REGEX, RuleKind.CNAME_REGEX})

SUFFIX_KINDS = frozenset(
    {
        RuleKind.NS_SUFFIX,
        RuleKind.SOA_SUFFIX,
        RuleKind.MX_SUFFIX,
        RuleKind.CNAME_SUFFIX,
        RuleKind.DKIM_SUFFIX,
        RuleKind.SRV_SUFFIX,
        RuleKind.SPF_INCLUDE,
        RuleKind.DMARC_RUA,
        RuleKind.CAA_ISSUER,
        RuleKind.HOST_SUFFIX,
    }
)


class Mode(StrEnum):
    """Where a scan's evidence came from."""

    LIVE = "live"  # DNS queries to a resolver
    ZONE_FILE = "zone-file"  # RFC 1035 master files, no network
