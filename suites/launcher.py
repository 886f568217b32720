"""Start the reference gateway and the mock upstreams as subprocesses on free loopback ports.

Used by the plugin when no ``--base-url`` is given, and by the project's own tests. Nothing here imports
the reference: ``gateway`` and ``mocks`` (the ``reference`` extra) are only run, as ``python -m gateway``
and ``python -m mocks``, and the mock families come from ``python -m mocks families``. Without the extra,
:func:`reference_missing` says in one line what to install.

The deployment provisions its own accounts through the gateway's admin CLI (and, in test mode, exposes the
funded account's keys to the key checks through ``/__test__/keys``, D-202): a funded account with two
keys (and limits high enough that the suites never throttle themselves), a key revoked right after
creation, an account with no credits, an account limited to 1 request per minute (for the 429 checks), and
an account of :data:`LIMITS_REQUESTS` requests and :data:`LIMITS_TOKENS` tokens per :data:`LIMITS_WINDOW`
seconds with two keys (the rate-limit suite's, D-142).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import httpx

from suites.servers import PostgresServer, PostgresUnavailable, RedisServer, RedisUnavailable

__all__ = ["REFERENCE_MODULES", "SLOW_CLIENT_BOUND", "UPSTREAM_TIMEOUT_BOUND", "Deployment", "ReferenceMissing", "SharedServersMissing", "free_ports", "launch", "reference_missing"]

REFERENCE_MODULES = ("gateway", "mocks", "starlette", "uvicorn", "aiohttp")
"""What self-launch runs: the reference's packages and their server stack (the ``reference`` extra)."""

READ_TIMEOUT_SECONDS = "3"
"""The reference's upstream read timeout under test (``EMPIRIO_READ_TIMEOUT``, unless already set): short,
so a check can make an upstream hang past it quickly; the mocks answer far faster."""

TRANSPORT_ENV = {
    "EMPIRIO_FIRST_BYTE_TIMEOUT": "3",
    "EMPIRIO_IDLE_TIMEOUT": "3",
    "EMPIRIO_HEADER_TIMEOUT": "2",
    "EMPIRIO_BODY_TIMEOUT": "2",
    "EMPIRIO_KEEP_ALIVE_TIMEOUT": "3",
}
"""The reference's client and upstream time limits under test (D-71, D-72; each unless already set): short,
so the hostile suites see slow clients and hung upstreams cut within seconds."""

JOBS_ENV = {
    "EMPIRIO_JOB_TIMEOUT": "6",
    "EMPIRIO_JOB_POLL_INTERVAL": "0.1",
}
"""The reference's job deadline and upstream-job polling interval under test (D-89, D-114; each unless already
set): a hung upstream job fails within seconds, a finished one is seen at once."""

JOB_TIMEOUT_SECONDS = 6.0
"""``EMPIRIO_JOB_TIMEOUT`` above, as the suites' ``--job-timeout`` bound is derived from it."""

UPSTREAM_TIMEOUT_BOUND = 6.0
"""Seconds within which the self-launched reference answers a hung upstream (``--upstream-timeout``)."""

SLOW_CLIENT_BOUND = 5.0
"""Seconds within which it cuts a slow or idle client (``--slow-client-bound``)."""

LIMITS_REQUESTS, LIMITS_TOKENS, LIMITS_WINDOW = 6, 20_000, 3.0
"""The rate-limit suite's account (D-142): a small budget over a short window, so exactness is seen in seconds."""
LOW_BALANCE_USD = "0.02"
"""The low-balance account's credits (D-187): a few cheap calls, fewer than the concurrency check sends."""

INSTALL_HINT = "pip install 'empirio-conformance[reference]'"


class ReferenceMissing(RuntimeError):
    """The reference gateway and mocks cannot be started here (the ``reference`` extra is not installed)."""


def reference_missing() -> str | None:
    """``None`` when the reference can be started here, else the one-line reason and what to do."""
    missing = [name for name in REFERENCE_MODULES if _find_spec(name) is None]
    if not missing:
        return None
    return (f"no --base-url given and the reference gateway cannot be started here ({', '.join(missing)} not "
            f"installed): {INSTALL_HINT}, or pass --base-url and --api-key of the deployment to test")


def _find_spec(name: str) -> importlib.machinery.ModuleSpec | None:
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def _reference_env() -> dict[str, str]:
    """The environment for the reference's processes: where ``gateway`` and ``mocks`` were found, unless
    it is the interpreter's own site-packages, goes first on ``PYTHONPATH`` (a checkout that is only on
    ``sys.path`` as the working directory still imports from the processes' temporary directory)."""
    env = dict(os.environ)
    on_path = {str(Path(sysconfig.get_path(key)).resolve()) for key in ("purelib", "platlib")}
    homes: list[str] = []
    for name in ("gateway", "mocks"):
        spec = _find_spec(name)
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        homes += [home for location in locations if (home := str(Path(location).resolve().parent)) not in on_path]
    paths = [*dict.fromkeys(homes), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def _families(env: dict[str, str], cwd: Path) -> list[str]:
    out = subprocess.run([sys.executable, "-m", "mocks", "families"], env=env, cwd=cwd,
                         check=False, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"python -m mocks families exited with {out.returncode}: {out.stderr.strip()[-2000:]}")
    families = json.loads(out.stdout)
    if not isinstance(families, dict) or not families:
        raise RuntimeError(f"python -m mocks families printed no families: {out.stdout[:200]!r}")
    return [str(name) for name in families]


@dataclass
class Deployment:
    base_url: str
    api_key: str
    second_key: str
    revoked_key: str
    zero_credit_key: str
    control_url: str
    workdir: Path
    upstreams: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    rate_limited_key: str = ""
    other_account_key: str = ""
    limits_key: str = ""
    limits_second_key: str = ""
    limits_window: float = LIMITS_WINDOW
    upstream_timeout: float = UPSTREAM_TIMEOUT_BOUND
    slow_client_bound: float = SLOW_CLIENT_BOUND
    balance_url: str = ""
    """Test mode: the control API's balance of the key presented (what ``--balance-url`` takes)."""
    clock_url: str = ""
    """Test mode: the gateway's movable clock (what ``--clock-url`` takes; D-91)."""
    low_balance_key: str = ""
    low_balance_account: str = ""
    """A key of an account with :data:`LOW_BALANCE_USD` and high rate limits (what ``--low-balance-key`` takes; D-187)."""
    keys_url: str = ""
    """Test mode: the presenting account's keys, listed, created and revoked (what ``--keys-url`` takes; D-202)."""
    env: dict[str, str] = field(default_factory=dict, repr=False)
    instance_urls: list[str] = field(default_factory=list)
    """Every gateway instance's base URL (``base_url`` first); more than one share the store and the limiter."""
    instance_processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    servers: list[RedisServer | PostgresServer] = field(default_factory=list)
    """The private Redis and PostgreSQL a ``shared`` launch started (stopped with the deployment)."""

    def admin(self, *args: str) -> dict[str, str]:
        """Run ``python -m gateway admin args`` on the deployment's store; its JSON answer."""
        return _admin(self.env, self.workdir, *args)

    def refill_low_balance(self) -> None:
        """Top the low-balance account back up to :data:`LOW_BALANCE_USD` (the checks spend it; a shared
        deployment's next run needs it again)."""
        if not self.low_balance_account:
            return
        listed = _admin(self.env, self.workdir, "balance", "--account", self.low_balance_account)
        missing = Decimal(LOW_BALANCE_USD) - Decimal(str(listed["balance_usd"]))
        if missing > 0:
            _admin(self.env, self.workdir, "top-up", "--account", self.low_balance_account, "--amount", str(missing))

    def restart_gateway(self, defects: tuple[str, ...] | None = None) -> None:
        """Start the gateway again on the same port and store, after its process ended (or ending it);
        ``defects`` (test mode) are on from its start, else those it was launched with."""
        gateway = self.processes[-1]
        if gateway.poll() is None:
            gateway.terminate()
            gateway.wait(timeout=10)
        log = self.workdir / "gateway.log"
        port = self.base_url.rsplit(":", 1)[1]
        env = self.env if defects is None else {**self.env, "EMPIRIO_DEFECTS": ",".join(defects)}
        process = _spawn(["-m", "gateway", "serve", "--host", "127.0.0.1", "--port", port], env, log,
                         append=True)
        self.processes[-1] = process
        _wait_healthy(f"{self.base_url}/healthz", process, log)

    def stop(self) -> None:
        for process in [*self.instance_processes, *self.processes]:
            process.terminate()
        for process in [*self.instance_processes, *self.processes]:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for server in self.servers:
            server.stop()


class SharedServersMissing(ReferenceMissing):
    """A ``shared`` launch could not start its Redis or PostgreSQL; the message says why."""


def _shared_servers() -> list[RedisServer | PostgresServer]:
    """A started private Redis, then PostgreSQL."""
    started: list[RedisServer | PostgresServer] = []
    try:
        started.append(RedisServer().start())
        started.append(PostgresServer().start())
    except (RedisUnavailable, PostgresUnavailable) as exc:
        for server in started:
            server.stop()
        raise SharedServersMissing(f"a shared deployment needs Redis and PostgreSQL: {exc}") from None
    return started


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (all sockets are held open together, so the OS cannot
    hand the same port out twice)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not become healthy in {timeout}s:\n{log.read_text()[-4000:]}")


def _admin(env: dict[str, str], workdir: Path, *args: str) -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "gateway", "admin", *args], env=env, cwd=workdir,
                         check=False, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"gateway admin {' '.join(args)} exited with {out.returncode}: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout) if out.stdout.strip() else {}


def _spawn(args: list[str], env: dict[str, str], log: Path, *, append: bool = False) -> subprocess.Popen[bytes]:
    with log.open("ab" if append else "wb") as sink:
        return subprocess.Popen([sys.executable, *args], env=env, cwd=log.parent, stdout=sink, stderr=subprocess.STDOUT)


def launch(*, test_mode: bool = True, defects: tuple[str, ...] = (), instances: int = 1,
           redis_url: str = "", database_url: str = "", shared: bool = False,
           upstream_urls: dict[str, str] | None = None, settings_env: dict[str, str] | None = None,
           workers: int = 1) -> Deployment:
    """A running reference deployment; call :meth:`Deployment.stop` when done.

    ``instances`` gateway processes share its store (``Deployment.instance_urls``): the SQLite file, or the
    PostgreSQL at ``database_url`` (``EMPIRIO_DATABASE_URL``); with ``redis_url`` they share one rate limiter
    in that Redis (``EMPIRIO_REDIS_URL``), else each limits on its own. ``shared`` starts a private Redis and
    PostgreSQL on loopback for them (:mod:`suites.servers`; :class:`SharedServersMissing` says why it cannot).
    ``upstream_urls`` sends families to other upstreams than the mocks (the benchmark's), ``settings_env`` sets
    further ``EMPIRIO_*`` settings; ``workers`` runs the first instance as that many processes on one port
    (``serve --workers``, D-206: needs ``shared`` or both URLs).
    Raises :class:`ReferenceMissing` (one line) when the ``reference`` extra is not installed."""
    problem = reference_missing()
    if problem is not None:
        raise ReferenceMissing(problem)
    servers = _shared_servers() if shared else []
    if servers:
        redis_url, database_url = servers[0].url, servers[1].url
    workdir = Path(tempfile.mkdtemp(prefix="empirio-"))
    env = _reference_env()
    families = _families(env, workdir)
    *ports, gateway_port = free_ports(len(families) + instances)
    ports, instance_ports = ports[:len(families)], ports[len(families):]
    mock_ports = dict(zip(families, ports, strict=True))
    env.update({
        "EMPIRIO_DB": str(workdir / "gateway.db"),
        "EMPIRIO_TEST_MODE": "1" if test_mode else "0",
        "EMPIRIO_DEFECTS": ",".join(defects),
        "PYTHONUNBUFFERED": "1",
    })
    if redis_url:
        env["EMPIRIO_REDIS_URL"] = redis_url
    if database_url:
        env["EMPIRIO_DATABASE_URL"] = database_url
    env.setdefault("EMPIRIO_READ_TIMEOUT", READ_TIMEOUT_SECONDS)
    for name, value in TRANSPORT_ENV.items():
        env.setdefault(name, value)
    for name, value in JOBS_ENV.items():
        env.setdefault(name, value)
    for family, port in mock_ports.items():
        env[f"EMPIRIO_UPSTREAM_{family.upper()}_URL"] = f"http://127.0.0.1:{port}"
    for family, url in (upstream_urls or {}).items():
        env[f"EMPIRIO_UPSTREAM_{family.upper()}_URL"] = url
    env.update(settings_env or {})

    deployment = Deployment("", "", "", "", "", "", workdir,
                            upstreams={f: f"http://127.0.0.1:{p}" for f, p in mock_ports.items()}, env=env,
                            servers=servers)
    try:
        mocks_log = workdir / "mocks.log"
        mocks = _spawn(["-m", "mocks", "serve", *[f"--port={f}={p}" for f, p in mock_ports.items()]], env, mocks_log)
        deployment.processes.append(mocks)

        funded = _admin(env, workdir, "provision", "--name", "conformance", "--credits", "1000", "--label", "primary")
        _admin(env, workdir, "set-limits", "--account", funded["account_id"], "--rpm", "100000", "--tpm", "1000000000")
        second = _admin(env, workdir, "create-key", "--account", funded["account_id"], "--label", "second")
        revoked = _admin(env, workdir, "create-key", "--account", funded["account_id"], "--label", "revoked")
        _admin(env, workdir, "revoke-key", "--key", revoked["key_id"])
        broke = _admin(env, workdir, "provision", "--name", "zero-credit", "--credits", "0", "--label", "zero")
        limited = _admin(env, workdir, "provision", "--name", "rate-limited", "--credits", "1000", "--label", "limited")
        _admin(env, workdir, "set-limits", "--account", limited["account_id"], "--rpm", "1", "--tpm", "1000000000")
        other = _admin(env, workdir, "provision", "--name", "other-account", "--credits", "1000", "--label", "other")
        _admin(env, workdir, "set-limits", "--account", other["account_id"], "--rpm", "100000", "--tpm", "1000000000")

        limits = _admin(env, workdir, "provision", "--name", "rate-limits", "--credits", "1000", "--label", "limits")
        _admin(env, workdir, "set-limits", "--account", limits["account_id"], "--rpm", str(LIMITS_REQUESTS),
               "--tpm", str(LIMITS_TOKENS), "--window", str(LIMITS_WINDOW))
        limits_second = _admin(env, workdir, "create-key", "--account", limits["account_id"], "--label", "limits-2")
        low = _admin(env, workdir, "provision", "--name", "low-balance", "--credits", LOW_BALANCE_USD, "--label", "low")
        _admin(env, workdir, "set-limits", "--account", low["account_id"], "--rpm", "100000", "--tpm", "1000000000")

        gateway_log = workdir / "gateway.log"
        gateway = _spawn(["-m", "gateway", "serve", "--host", "127.0.0.1", "--port", str(gateway_port),
                          *(["--workers", str(workers)] if workers > 1 else [])], env, gateway_log)
        deployment.processes.append(gateway)
        base_url = f"http://127.0.0.1:{gateway_port}"
        for port in mock_ports.values():
            _wait_healthy(f"http://127.0.0.1:{port}/health", mocks, mocks_log)
        _wait_healthy(f"{base_url}/healthz", gateway, gateway_log)
        deployment.instance_urls.append(base_url)
        for number, port in enumerate(instance_ports, start=2):
            log = workdir / f"gateway-{number}.log"
            instance = _spawn(["-m", "gateway", "serve", "--host", "127.0.0.1", "--port", str(port)], env, log)
            deployment.instance_processes.append(instance)
            _wait_healthy(f"http://127.0.0.1:{port}/healthz", instance, log)
            deployment.instance_urls.append(f"http://127.0.0.1:{port}")
    except BaseException:
        deployment.stop()
        raise
    deployment.base_url = base_url
    deployment.api_key = funded["api_key"]
    deployment.second_key = second["api_key"]
    deployment.revoked_key = revoked["api_key"]
    deployment.zero_credit_key = broke["api_key"]
    deployment.rate_limited_key = limited["api_key"]
    deployment.other_account_key = other["api_key"]
    deployment.limits_key, deployment.limits_second_key = limits["api_key"], limits_second["api_key"]
    deployment.low_balance_key, deployment.low_balance_account = low["api_key"], low["account_id"]
    deployment.control_url = f"{base_url}/__test__" if test_mode else ""
    deployment.balance_url = f"{base_url}/__test__/balance" if test_mode else ""
    deployment.clock_url = f"{base_url}/__test__/clock" if test_mode else ""
    deployment.keys_url = f"{base_url}/__test__/keys" if test_mode else ""
    return deployment
