"""The terminal renderer: content, order, and record text printed literally."""

from __future__ import annotations

import io

from rich.console import Console

from tethers.model import ScanResult
from tethers.render import render_terminal

HOSTILE = "<script>alert(1)</script> [bold red]x[/] \\x07"


def _render(scans: list[ScanResult], width: int = 120, color: str | None = None) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=color)  # type: ignore[arg-type]
    render_terminal(scans, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def test_hostile_record_text_prints_literally(parler: ScanResult) -> None:
    out = _render([parler])
    assert HOSTILE in out
    assert "malformed: [bold]bad[/bold] <b> (\\x1b[31mred)" in out
    assert "\x07" not in out and "\x1b" not in out


def test_hostile_markup_is_not_interpreted_with_colour(parler: ScanResult) -> None:
    out = _render([parler], color="truecolor")
    # With markup interpreted the brackets would vanish and the text turn red.
    assert "[bold red]x[/]" in out
    assert "\x07" not in out


def test_header_tables_and_summary(parler: ScanResult) -> None:
    out = _render([parler])
    lines = out.splitlines()
    assert lines[0].startswith("parler.com  live via 127.0.0.1:53, started 2021-01-10T04:00:00+00:00, took 1.4 s")
    assert "5 dependencies on 4 providers from 4 owners in 2 jurisdictions" in lines[1]
    assert "MX parler-com.mail.protection.outlook.com" in out
    assert "NS ns3.epik.com" in out and "SPF spf.protection.outlook.com" in out
    assert "US, IE" in out
    assert "Twilio Inc." in out and "(via" in out  # the owner cell may wrap
    # Function groups in vocabulary order.
    order = [out.index(f"│ {name}") for name in ("dns", "email-inbound", "email-sending", "hosting")]
    assert order == sorted(order)
    assert "Unattributed" in out and "mailhost.example" in out and "│ unknown" in out
    assert "Jurisdictions (owner countries): RU (Russia) → hosting; US (United States) → dns, email-inbound, email-sending" in out
    assert "3 lookup errors: timeout ×2, malformed ×1" in out
    assert "_dmarc.parler.com TXT: timeout (no answer after 2 tries)" in out


def test_failed_scan_says_so(scans: list[ScanResult]) -> None:
    out = _render(scans)
    tail = out[out.index("gone.example  zone-file: tests/zones/gone.example.zone"):]
    assert "nothing could be learnt about this domain" in tail
    assert "2 lookup errors: nxdomain ×2" in tail
    assert "Dependencies" not in tail


def test_fits_narrow_terminals(parler: ScanResult) -> None:
    for width in (60, 80, 200):
        out = _render([parler], width=width)
        assert max(len(line) for line in out.splitlines()) <= width


def test_error_list_is_capped() -> None:
    from tethers.model import CollectError
    from tethers.types import Mode

    errors = tuple(CollectError(f"n{i}.example", "A", "timeout") for i in range(8))
    scan = ScanResult("many.example", Mode.LIVE, "2021-01-10T04:00:00+00:00", "2021-01-10T04:00:01+00:00", "r", errors=errors)
    out = _render([scan])
    assert "n4.example" in out and "n5.example" not in out
    assert "(+3 more; the JSON output lists all)" in out
