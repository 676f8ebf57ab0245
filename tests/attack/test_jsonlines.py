from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tethers.attack.jsonlines import JsonLines
from tethers.attack.records import Vector


def test_web_and_flow_objects() -> None:
    lines = [
        {"remote_addr": "192.0.2.1", "time_iso8601": "2025-03-10T09:45:02+00:00", "host": "x.example", "status": 200},
        {"request": {"remote_ip": "2001:db8::1", "host": "y.example"}, "ts": 1741599902.25},
        {"source": {"ip": "198.51.100.7", "port": 11211}, "destination": {"ip": "192.0.2.10", "port": 80},
         "network": {"transport": "udp"}, "@timestamp": "2025-03-10T09:45:02Z", "packets": 3},
    ]
    text = "\n".join(json.dumps(x) for x in lines) + "\nnot json\n[1, 2]\n{\"ip\": \"192.0.2.1\"}\n"
    batches, rejected = JsonLines().parse(text)
    web, flows = batches
    assert web.src == ["192.0.2.1", "2001:db8::1"] and web.vector.tolist() == [Vector.HTTP] * 2
    assert web.host == ["x.example", "y.example"]
    assert flows.src == ["198.51.100.7"] and flows.vector.tolist() == [Vector.UDP_REFLECTION]
    assert flows.packets.tolist() == [3]
    assert len(rejected) == 3


@given(st.text(max_size=200))
def test_never_raises(text: str) -> None:
    JsonLines().parse(text)
