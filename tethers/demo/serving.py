"""What the demo's DNS servers share: started on entering a ``with`` block, stopped on leaving it."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Served:
    """A server with ``start()`` (returning itself, a no-op when running) and ``stop()``."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
