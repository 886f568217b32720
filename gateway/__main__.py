"""``python -m gateway serve|admin`` — see :mod:`gateway.cli.admin` for the admin commands."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys

from gateway.cli import admin
from gateway.config import SettingsError, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway", description="EmpirioLabs reference gateway")
    parser.add_argument("--config", help="TOML settings file (default: $EMPIRIO_CONFIG)")
    parser.add_argument("--db", help="SQLite store path (overrides the settings)")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes sharing the port (above 1: needs Redis and PostgreSQL, D-206)")
    admin.add_parser(sub)
    args = parser.parse_args(argv)

    settings = load_settings(args.config)
    if args.db:
        settings = dataclasses.replace(settings, db_path=args.db)
    if args.command == "admin":
        return admin.run(args, settings)

    from gateway import server

    settings = dataclasses.replace(
        settings, host=args.host or settings.host, port=args.port if args.port is not None else settings.port
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        server.serve(settings, workers=args.workers)
    except SettingsError as error:
        print(f"gateway: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
