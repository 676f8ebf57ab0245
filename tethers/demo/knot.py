"""A real Knot DNS server (``knotd``) serving zone files on loopback, for the demo and tests.

    with KnotServer(["tests/fixtures/zones/example.com.zone"]) as knot:
        host, port = knot.address          # ("127.0.0.1", 40123)

Everything lives in a private temporary directory: its own ``knot.conf``, copies of the zone
files, the run directory and the databases, so nothing touches the system's Knot (which may be
installed as a service) and nothing is written next to the caller's files. Semantic checks are
off so real-world zones load; Knot still refuses what no server can serve (no SOA, CNAME beside
other data), and that surfaces as an ``OperationalError`` carrying knotd's own log lines.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from tethers.demo.serving import Served
from tethers.demo.zones import ZoneFiles, ZoneSource, zone_sources
from tethers.errors import OperationalError

# Where Debian and source builds put the daemon when /usr/sbin is not on a user's PATH.
_SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin")
_BIND_ATTEMPTS = 5
_STOP_GRACE = 5.0


def knotd_path() -> str | None:
    """The ``knotd`` binary to run, or None when Knot DNS is not installed."""
    found = shutil.which("knotd")
    if found:
        return found
    for directory in _SBIN_DIRS:
        candidate = os.path.join(directory, "knotd")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port(host: str) -> int:
    """A port free for both UDP and TCP on ``host`` right now (another process may still win it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(50):
        with socket.socket(family, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = udp.getsockname()[1]
            with socket.socket(family, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((host, port))
                except OSError:
                    continue
                return int(port)
    raise OperationalError(f"no free port on {host} for both UDP and TCP")


class KnotServer(Served):
    """Runs ``knotd`` serving ``zones`` on ``host`` at a free port until the context exits."""

    def __init__(
        self,
        zones: ZoneFiles,
        *,
        host: str = "127.0.0.1",
        startup_timeout: float = 15.0,
        knotd: str | None = None,
    ) -> None:
        self.zones: tuple[ZoneSource, ...] = zone_sources(zones)
        self.host = host
        self.startup_timeout = startup_timeout
        self._knotd = knotd
        self._port: int | None = None
        self._dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: Path | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self._port is None or self._proc is None:
            raise OperationalError("the Knot server is not running")
        return (self.host, self._port)

    @property
    def pid(self) -> int | None:
        """knotd's process id while it runs."""
        return self._proc.pid if self._proc is not None else None

    @property
    def workdir(self) -> Path | None:
        """The private directory holding knot.conf, the zone copies and the databases."""
        return self._dir

    def start(self) -> KnotServer:
        if self._proc is not None:
            return self
        binary = self._knotd or knotd_path()
        if binary is None:
            raise OperationalError(
                "knotd (Knot DNS) is not installed",
                hint="install it with 'apt-get install knot', or use the built-in server",
            )
        self._dir = Path(tempfile.mkdtemp(prefix="tethers-knot-"))
        try:
            self._prepare_directory()
            attempt = 1
            # Another process can take the port between free_port() and knotd's bind: retry.
            while True:
                self._port = free_port(self.host)
                self._spawn(binary)
                if self._wait_until_serving(may_retry=attempt < _BIND_ATTEMPTS):
                    return self
                attempt += 1
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            _terminate(proc)
        self._port = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def log_tail(self, lines: int = 15) -> str:
        """The last lines knotd wrote to stderr (its log target), for error messages."""
        if self._log_file is None or not self._log_file.exists():
            return ""
        text = self._log_file.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.strip().splitlines()[-lines:])

    # -- internals ---------------------------------------------------------------------------

    def _prepare_directory(self) -> None:
        assert self._dir is not None
        for sub in ("zones", "run", "db"):
            (self._dir / sub).mkdir()
        for zone in self.zones:
            # Knot's template names the file "%s.zone", %s being the zone name without its dot.
            shutil.copyfile(zone.path, self._dir / "zones" / f"{zone.domain}.zone")

    def _config(self) -> str:
        assert self._dir is not None and self._port is not None
        d = self._dir
        zones = "\n".join(f'  - domain: "{zone.domain}"' for zone in self.zones)
        return f"""# Written by tethers for one private, short-lived knotd.
server:
    listen: "{self.host}@{self._port}"
    rundir: "{d / 'run'}"
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1

control:
    listen: "{d / 'run' / 'knot.sock'}"

log:
  - target: stderr
    any: warning

database:
    storage: "{d / 'db'}"

template:
  - id: default
    storage: "{d / 'zones'}"
    file: "%s.zone"
    # Real-world zones break optional rules; serve them as they are.
    semantic-checks: off
    # Never write back to the zone files, never keep a journal of changes.
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none

zone:
{zones}
"""

    def _spawn(self, binary: str) -> None:
        assert self._dir is not None
        config = self._dir / "knot.conf"
        config.write_text(self._config(), encoding="utf-8")
        self._log_file = self._dir / "knotd.log"
        with open(self._log_file, "ab") as log:
            try:
                self._proc = subprocess.Popen(
                    [binary, "--config", str(config)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,  # Ctrl-C in a terminal reaches us; we stop knotd
                )
            except OSError as exc:
                raise OperationalError(f"cannot run {binary}: {exc.strerror}") from None

    def _wait_until_serving(self, *, may_retry: bool) -> bool:
        """True once every zone answers its SOA; False when the port was taken (retry)."""
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        pending = list(self.zones)
        while pending:
            code = self._proc.poll()
            if code is not None:
                tail = self.log_tail()
                proc, self._proc = self._proc, None
                _terminate(proc)
                if "address already in use" in tail.lower() and may_retry:
                    self._truncate_log()
                    return False
                raise OperationalError(f"knotd exited with status {code} while starting:\n{tail}")
            failed = [z.domain for z in pending if self._load_failed(z)]
            if failed:
                raise OperationalError(
                    f"knotd could not load zone {', '.join(failed)}:\n{self.log_tail()}"
                )
            pending = [z for z in pending if not self._answers_soa(z)]
            if pending and time.monotonic() > deadline:
                names = ", ".join(z.domain for z in pending)
                raise OperationalError(
                    f"knotd did not serve {names} within {self.startup_timeout:g}s:\n{self.log_tail()}"
                )
            if pending:
                time.sleep(0.05)
        return True

    def _answers_soa(self, zone: ZoneSource) -> bool:
        assert self._port is not None
        query = dns.message.make_query(zone.origin, dns.rdatatype.SOA)
        try:
            reply = dns.query.udp(query, self.host, port=self._port, timeout=0.25)
        except (dns.exception.Timeout, OSError):
            return False
        return (
            reply.rcode() == dns.rcode.NOERROR
            and bool(reply.flags & dns.flags.AA)
            and any(rrset.rdtype == dns.rdatatype.SOA for rrset in reply.answer)
        )

    def _load_failed(self, zone: ZoneSource) -> bool:
        # knotd keeps running when a zone fails to load; its log says so, e.g.
        # "error: [example.com.] zone event 'load' failed (failed)".
        marker = f"[{zone.domain}.]"
        return any(
            marker in line and ("event 'load' failed" in line or "failed to load" in line)
            for line in self.log_tail(200).splitlines()
        )

    def _truncate_log(self) -> None:
        if self._log_file is not None:
            self._log_file.write_bytes(b"")


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=_STOP_GRACE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    else:
        proc.wait()
