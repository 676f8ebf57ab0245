"""The exception tree. The library raises; only ``tethers.cli`` catches, prints and exits.

    TethersError
    ├── UserError          the user can fix it: one line, optional hint       exit 2
    │   ├── UsageError     bad flags or arguments
    │   ├── InputError     bad domain name, malformed zone file, empty list
    │   └── ConfigError    bad knowledge-base, policy or inventory file (file:line)
    └── OperationalError   the world failed: resolver unreachable, database locked  exit 1

Anything else is a bug. Failures of a single lookup are not exceptions: they are
``CollectError`` values in the scan result.
"""

from __future__ import annotations


class TethersError(Exception):
    """Base of every error tethers raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UserError(TethersError):
    exit_code = 2


class UsageError(UserError):
    pass


class InputError(UserError):
    pass


class ConfigError(UserError):
    pass


class OperationalError(TethersError):
    exit_code = 1
