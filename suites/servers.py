"""Servers the harness can start itself: ``redis-server`` and PostgreSQL on free loopback ports (for a self-launched
reference of several instances sharing them, and for the project's tests).

:class:`RedisServer` runs the Debian (or any ``PATH``) ``redis-server`` with no persistence in a temporary
directory and waits for ``PING``; :func:`redis_unavailable` says in one line why one cannot start here.
:class:`PostgresServer` ``initdb``s a throw-away cluster (as the ``postgres`` user when run as root, since
PostgreSQL refuses root) and starts it with durability off; :func:`postgres_unavailable` says why it cannot.
``.ci/run`` installs the packages when they are missing and it can.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Self

__all__ = ["PostgresServer", "PostgresUnavailable", "RedisServer", "RedisUnavailable", "postgres_unavailable",
           "redis_unavailable"]

INSTALL_HINT = "apt-get install redis-server (as root; .ci/run does it)"
POSTGRES_HINT = "apt-get install postgresql (as root; .ci/run does it)"


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


class _Server:
    """One server process on a free loopback port, in a temporary directory removed when it stops."""

    stop_signal = signal.SIGTERM
    """What asks the process to end (before it is killed, 10 s later)."""

    def __init__(self) -> None:
        self.port = 0
        self.workdir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(self.stop_signal)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


class RedisServer(_Server):
    """A private ``redis-server`` on ``127.0.0.1``: :meth:`start`, :attr:`url`, :meth:`stop`."""

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


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's binaries are missing, cannot run here, or the server did not accept connections."""


def postgres_bin() -> Path | None:
    """The directory holding ``initdb``, ``postgres`` and ``pg_isready``: ``PATH``, Debian's
    ``/usr/lib/postgresql/<version>/bin`` (newest first), or ``/usr/local/bin``."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
                    if Path(p).parent.name.isdigit() else 0, reverse=True)
    candidates += [Path(p) for p in debian] + [Path("/usr/local/bin")]
    for directory in candidates:
        if all((directory / name).is_file() for name in ("initdb", "postgres", "pg_isready", "psql")):
            return directory
    return None


def _run_as() -> str | None:
    """The user the server runs as: ``postgres`` when we are root (PostgreSQL refuses root), else ourselves."""
    return "postgres" if os.geteuid() == 0 else None


def postgres_unavailable() -> str | None:
    """``None`` when a PostgreSQL server can be started here, else why not, in one line."""
    if postgres_bin() is None:
        return f"PostgreSQL (initdb, postgres, pg_isready, psql) is not installed: {POSTGRES_HINT}"
    user = _run_as()
    if user is not None:
        try:
            pwd.getpwnam(user)
        except KeyError:
            return f"running as root and there is no {user!r} system user to run PostgreSQL as (it refuses root)"
    return None


class PostgresServer(_Server):
    """A private PostgreSQL on ``127.0.0.1``: :meth:`start`, :attr:`url`, :meth:`create_database`, :meth:`stop`.

    Durability is off (``fsync``, ``synchronous_commit``, ``full_page_writes``): the cluster is thrown away;
    it stops by fast shutdown (``SIGINT``: clients still connected are cut off).
    """

    stop_signal = signal.SIGINT

    def __init__(self) -> None:
        super().__init__()
        self.bin: Path | None = None
        self.started_in = 0.0
        """Seconds ``initdb`` plus start-up took."""

    @property
    def url(self) -> str:
        return self.url_of("postgres")

    def url_of(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 30.0, attempts: int = 3) -> Self:
        """``initdb``, start the server and wait until it accepts connections (on another free port if the one
        picked was taken meanwhile); :class:`PostgresUnavailable` says why it could not."""
        problem = postgres_unavailable()
        if problem is not None:
            raise PostgresUnavailable(problem)
        self.bin = postgres_bin()
        for attempt in range(attempts):
            try:
                return self._start(timeout)
            except PostgresUnavailable:
                self.stop()
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _command(self, name: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
        assert self.bin is not None
        return subprocess.run([str(self.bin / name), *args], user=_run_as(), cwd=cwd, capture_output=True,
                              check=False)

    def _start(self, timeout: float) -> Self:
        began = time.monotonic()
        self.workdir = Path(tempfile.mkdtemp(prefix="empirio-postgres-"))
        user = _run_as()
        if user is not None:
            shutil.chown(self.workdir, user)
        data, log = self.workdir / "data", self.workdir / "postgres.log"
        done = self._command("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
                             "--locale=C", cwd=self.workdir)
        if done.returncode != 0:
            raise PostgresUnavailable(f"initdb exited with {done.returncode}: {done.stderr.decode()[-2000:]}")
        self.port = _free_port()
        assert self.bin is not None
        args = [str(self.bin / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(self.workdir),
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "max_connections=200"]
        with log.open("wb") as out:
            self._process = subprocess.Popen(args, user=user, stdout=out, stderr=subprocess.STDOUT,
                                             cwd=self.workdir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise PostgresUnavailable(f"postgres exited with {self._process.returncode}: {text}")
            if self._command("pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)).returncode == 0:
                self.started_in = time.monotonic() - began
                return self
            time.sleep(0.05)
        self.stop()
        raise PostgresUnavailable(f"postgres did not accept connections on port {self.port} within {timeout}s")

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement through ``psql`` (outside any event loop); its unaligned output."""
        done = self._command("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                             "-p", str(self.port), "-U", "postgres", "-d", database, "-c", statement)
        if done.returncode != 0:
            raise PostgresUnavailable(f"psql failed: {done.stderr.decode()[-2000:]}")
        return str(done.stdout.decode())

    def create_database(self) -> str:
        """A new empty database's URL (``t_<hex>``), so a test sees only its own rows."""
        name = f"t_{uuid.uuid4().hex}"
        self.sql(f"CREATE DATABASE {name}")
        return self.url_of(name)

    def drop_database(self, url: str) -> None:
        self.sql(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[-1]} WITH (FORCE)")

