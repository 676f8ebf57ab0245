"""Real DNS servers on loopback for the demo, the tests and the benchmarks.

``KnotServer`` runs Knot DNS when it is installed; ``BuiltinServer`` is a small authoritative
server in Python so that ``tethers demo`` works on any fresh clone. Both are context managers
with the same interface: ``.address`` is ``(host, port)`` and ``.zones`` the zones served.
"""

from tethers.demo.knot import KnotServer, knotd_path
from tethers.demo.zones import ZoneSource, zone_sources

__all__ = ["KnotServer", "ZoneSource", "knotd_path", "zone_sources"]
