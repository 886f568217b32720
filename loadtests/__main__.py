"""``python -m loadtests PROFILE --base-url URL [--api-key KEY] [--workers N] [OPTIONS…]``: one profile,
headless, its HTML report in ``reports/locust/PROFILE.html``; the exit code is the profile's verdict.

With ``--workers N`` (N ≥ 1) it runs Locust's distributed mode on this machine: one master and N worker
processes. Options it does not know (``--rpm``, ``--window``, ``--duration``, ``-u``…) go to Locust.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from pathlib import Path

__all__ = ["command", "main"]

LOCUSTFILE = Path(__file__).with_name("profiles.py")
DEFAULT_USERS = {"steady": 2, "burst": 5, "tpm": 5, "multikey": 6, "multiaccount": 20}


def command(profile: str, base_url: str, rest: list[str], *, html: Path, role: str = "") -> list[str]:
    """The ``locust`` command line of one process (``role``: ``""`` alone, ``master`` or ``worker``)."""
    args = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--load-profile", profile, "--host", base_url]
    if role == "worker":
        return [*args, "--worker", "--master-host", "127.0.0.1", "--loglevel", "WARNING", *rest]
    users = [] if any(a in ("-u", "--users") or a.startswith("--users=") for a in rest) \
        else ["-u", str(DEFAULT_USERS[profile]), "-r", str(DEFAULT_USERS[profile])]
    return [*args, "--headless", "--only-summary", "--html", str(html), *users, *rest]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests", description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", choices=tuple(DEFAULT_USERS))
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--workers", type=int, default=0, help="distributed mode: worker processes")
    parser.add_argument("--reports", type=Path, default=Path("reports/locust"))
    args, rest = parser.parse_known_args(argv)
    args.reports.mkdir(parents=True, exist_ok=True)
    html = args.reports / f"{args.profile}.html"
    if not args.workers:
        return subprocess.call(command(args.profile, args.base_url, rest, html=html))
    port = ["--master-bind-port", str(_free_port())]
    master = subprocess.Popen([*command(args.profile, args.base_url, [*rest, *port], html=html, role="master"),
                               "--master", "--expect-workers", str(args.workers)])
    worker_port = ["--master-port", port[1]]
    workers = [subprocess.Popen(command(args.profile, args.base_url, worker_port, html=html, role="worker"),
                                stdout=subprocess.DEVNULL)
               for _ in range(args.workers)]
    code = master.wait()
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
    return code


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
