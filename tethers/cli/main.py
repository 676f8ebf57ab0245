"""The ``tethers`` command: argument parsing, dispatch, and the one place errors become exit codes.

Each subcommand lives in its own module exposing ``register(subparsers)`` (adds its
parser, with help and examples, and sets ``func``) and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tethers.errors import TethersError, UsageError

# The explicit list of subcommand modules, in the order `--help` shows them.
COMMANDS = ["scan", "demo", "history", "diff", "providers", "data", "check", "exposure", "whatif", "concentration", "attack", "traffic", "report"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}", hint=f"see '{self.prog} --help'")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = _Parser(
        prog="tethers",
        description="Map the providers, owners and jurisdictions a domain depends on, from public evidence.",
        epilog="Start with 'tethers demo', then 'tethers scan example.com'. Each command has --help.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    from tethers import __version__

    parser.add_argument("--version", action="version", version=f"tethers {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"tethers.cli.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or bool(os.environ.get("TETHERS_DEBUG"))
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args))
    except TethersError as exc:
        print(f"tethers: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tethers: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`tethers scan ... | head`): exit quietly. Point stdout
        # at /dev/null so the interpreter's final flush does not fail again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place a bug is reported
        if debug:
            raise
        print(f"tethers: internal error: {type(exc).__name__}: {exc}; rerun with --debug", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
