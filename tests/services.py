"""Servers the project's tests start themselves: ``redis-server`` on a free loopback port.

:class:`RedisServer` runs the Debian (or any ``PATH``) ``redis-server`` with no persistence in a temporary
directory and waits for ``PING``; :func:`redis_unavailable` says in one line why one cannot start here.
``.ci/run`` installs the package when it is missing and it can.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

__all__ = ["RedisServer", "RedisUnavailable", "redis_unavailable"]

INSTALL_HINT = "apt-get install redis-server (as root; .ci/run does it)"


class RedisUnavailable(RuntimeError):
    """``redis-server`` is missing or did not answer ``PING``."""


def redis_unavailable() -> str | None:
    """``None`` when ``redis-server`` is on ``PATH``, else why the Redis tests cannot run."""
    if shutil.which("redis-server") is None:
        return f"redis-server is not installed: {INSTALL_HINT}"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A private ``redis-server`` on ``127.0.0.1``: :meth:`start`, :attr:`url`, :meth:`stop`."""

    def __init__(self) -> None:
        self.port = 0
        self.workdir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0, attempts: int = 3) -> Self:
        """Start the server and wait for ``PING`` (on another free port if the one picked was taken
        meanwhile); :class:`RedisUnavailable` says why it could not."""
        problem = redis_unavailable()
        if problem is not None:
            raise RedisUnavailable(problem)
        for attempt in range(attempts):
            try:
                return self._start(timeout)
            except RedisUnavailable:
                self.stop()
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _start(self, timeout: float) -> Self:
        self.workdir = Path(tempfile.mkdtemp(prefix="empirio-redis-"))
        self.port = _free_port()
        log = self.workdir / "redis.log"
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.workdir),
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", str(log)]
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RedisUnavailable(f"redis-server exited with {self._process.returncode}: {text}")
            if _ping(self.port):
                return self
            time.sleep(0.05)
        self.stop()
        raise RedisUnavailable(f"redis-server did not answer PING on port {self.port} within {timeout}s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
