"""``python -m mocks serve [--host H] [--port FAMILY=PORT ...]``."""

from __future__ import annotations

import argparse
import sys

from gateway.config import FAMILIES
from mocks.server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mocks")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="serve every mock upstream family")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", action="append", default=[], metavar="FAMILY=PORT",
                   help=f"override a family's port (default ports: {', '.join(f'{k}={v}' for k, v in FAMILIES.items())})")
    args = parser.parse_args(argv)
    ports = dict(FAMILIES)
    for item in args.port:
        family, _, port = item.partition("=")
        if family not in FAMILIES or not port.isdigit():
            parser.error(f"bad --port {item!r}; families: {', '.join(FAMILIES)}")
        ports[family] = int(port)
    serve(args.host, ports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
