"""The client behind a proxy or CDN, from the X-Forwarded-For header a log recorded.

Each proxy appends the address it received the request from, so the header reads
``client, proxy1, proxy2`` and the connection itself comes from the last proxy. Entries
are only as trustworthy as whoever wrote them: the client can put anything at the left.
So tethers reads the header from the right and takes the first address that is public
and not in a CDN's network (knowledge-base CDN providers: Cloudflare, Akamai, Fastly...),
that is the address the outermost trusted proxy saw. Where no entry qualifies, the
connection's own address stays.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from tethers.attack.classify import NetClass, class_of_function, provider_function
from tethers.geo import default_locator


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@lru_cache(maxsize=1 << 16)
def _is_cdn(address: str) -> bool:
    from tethers.attack.enrich import _kb_tables

    kb, asns, v4, _ = _kb_tables()
    location = default_locator().locate(address)
    provider = asns.get(location.asn) if location.asn is not None else None
    if provider is None and ":" not in address:
        value = int(ipaddress.IPv4Address(address))
        provider = next((p for net, p in reversed(v4) if int(net.network_address) <= value <= int(net.broadcast_address)),
                        None)
    return provider is not None and class_of_function(provider_function(kb, provider)) is NetClass.CDN


@lru_cache(maxsize=1 << 16)
def client_of(header: str) -> str | None:
    """The client address an X-Forwarded-For value vouches for, or None."""
    for part in reversed(header.split(",")):
        address = _address(part)
        if address is None or not address.is_global:
            continue
        text = str(address.ipv4_mapped or address) if address.version == 6 else str(address)
        if not _is_cdn(text):
            return text
    return None


def clients(remote: list[str], forwarded: list[str]) -> tuple[list[str], int]:
    """``remote`` with each entry replaced by its forwarded client where there is one; how many were."""
    out = list(remote)
    used = 0
    for i, header in enumerate(forwarded):
        if header and header != "-":
            client = client_of(header)
            if client is not None:
                out[i] = client
                used += 1
    return out, used
