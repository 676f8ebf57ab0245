"""Collectors: they observe and yield facts (Evidence) or expected failures (CollectError).

The registry lists them in one explicit order; v1 has the DNS collector (live or over
zone files through ``ZoneResolver``).
"""

from tethers.collect import dns

REGISTRY = {dns.NAME: dns}

__all__ = ["REGISTRY"]
