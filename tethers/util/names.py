"""Domain names: validation, normalisation and registrable domains (public suffix list)."""

from __future__ import annotations

import re
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

from tethers.errors import InputError

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    # publicsuffixlist ships its own copy of the list; only_icann=False keeps
    # private suffixes such as github.io, so that user.github.io counts as
    # a registrable domain of its own.
    # accept_unknown=False: a name under a TLD the list does not know
    # (``.invalid``, ``.internal``, a typo) has no registrable domain.
    return PublicSuffixList(accept_unknown=False)


def normalise(name: str) -> str:
    """Lower-case, strip the root dot, and IDNA-encode a host name. No validation."""
    name = name.strip().rstrip(".").lower()
    if name and not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    return name


def parse_domain(text: str) -> str:
    """Validate a domain the user gave; raise InputError with the reason."""
    original = text
    name = normalise(text)
    if not name:
        raise InputError("empty domain name")
    if "://" in original or "/" in name:
        raise InputError(f"invalid domain name {original!r}: give a bare name such as example.com, not a URL")
    if len(name) > 253:
        raise InputError(f"invalid domain name {original[:40]!r}...: longer than 253 characters")
    labels = name.split(".")
    if len(labels) < 2:
        raise InputError(f"invalid domain name {original!r}: needs at least two labels, such as example.com")
    for label in labels:
        if not _LABEL.match(label):
            raise InputError(f"invalid domain name {original!r}: bad label {label!r}")
    return name


def registrable(name: str) -> str:
    """The registrable domain (eTLD+1) of a host name, or the name itself if it is a suffix."""
    name = normalise(name)
    return _psl().privatesuffix(name) or name


def is_public(name: str) -> bool:
    """True when ``name`` sits under a suffix in the public suffix list (not .invalid, .test, .local...)."""
    return _psl().privatesuffix(normalise(name)) is not None


def is_under(name: str, suffix: str) -> bool:
    """True when ``name`` equals ``suffix`` or ends with ``.suffix`` (whole labels)."""
    return name == suffix or name.endswith("." + suffix)


def psl_version() -> str:
    import publicsuffixlist

    return getattr(publicsuffixlist, "__version__", "unknown")
