"""``python -m mocks serve [--host H] [--port FAMILY=PORT ...]`` and ``python -m mocks families``.

``families`` prints the upstream families and their default ports as one JSON object: the harness's
launcher (:mod:`suites.launcher`) reads it instead of importing this package."""

from __future__ import annotations

import argparse
import json
import sys

from gateway.config import FAMILIES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mocks")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="serve every mock upstream family")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", action="append", default=[], metavar="FAMILY=PORT",
                   help=f"override a family's port (default ports: {', '.join(f'{k}={v}' for k, v in FAMILIES.items())})")
    sub.add_parser("families", help="print the families and their default ports as JSON")
    args = parser.parse_args(argv)
    if args.command == "families":
        print(json.dumps(FAMILIES))
        return 0
    ports = dict(FAMILIES)
    for item in args.port:
        family, _, port = item.partition("=")
        if family not in FAMILIES or not port.isdigit():
            parser.error(f"bad --port {item!r}; families: {', '.join(FAMILIES)}")
        ports[family] = int(port)
    from mocks.server import serve

    serve(args.host, ports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
