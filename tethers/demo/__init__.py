"""Real DNS servers on loopback for the demo, the tests and the benchmarks.

``KnotServer`` runs Knot DNS when it is installed; ``BuiltinServer`` is a small authoritative
server in Python so that ``tethers demo`` works on any fresh clone. Both are context managers
with the same interface: ``.address`` is ``(host, port)`` and ``.zones`` the zones served.

    with KnotServer(zone_files) if knotd_path() else BuiltinServer(zone_files) as server:
        host, port = server.address
"""

from tethers.demo.knot import KnotServer, knotd_path
from tethers.demo.server import BuiltinServer
from tethers.demo.zones import ZoneSource, load_zone, zone_sources

__all__ = ["BuiltinServer", "KnotServer", "ZoneSource", "knotd_path", "load_zone", "zone_sources"]
