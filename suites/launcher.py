"""Start the reference gateway and the mock upstreams as subprocesses on free loopback ports.

Used by the plugin when no ``--base-url`` is given, and by the project's own tests. The deployment
provisions its own accounts through the gateway's admin CLI: a funded account with two keys (and limits
high enough that the suites never throttle themselves), a key revoked right after creation, an account
with no credits, and an account limited to 1 request per minute (for the 429 checks).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from gateway.config import FAMILIES
from suites import ROOT

__all__ = ["Deployment", "free_ports", "launch"]



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

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


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


def _admin(env: dict[str, str], *args: str) -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "gateway", "admin", *args], env=env, cwd=ROOT,
                         check=False, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"gateway admin {' '.join(args)} exited with {out.returncode}: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout) if out.stdout.strip() else {}


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)


def launch(*, test_mode: bool = True, defects: tuple[str, ...] = ()) -> Deployment:
    """A running reference deployment; call :meth:`Deployment.stop` when done."""
    workdir = Path(tempfile.mkdtemp(prefix="empirio-"))
    *ports, gateway_port = free_ports(len(FAMILIES) + 1)
    mock_ports = dict(zip(FAMILIES, ports, strict=True))
    env = dict(os.environ)
    env.update({
        "EMPIRIO_DB": str(workdir / "gateway.db"),
        "EMPIRIO_TEST_MODE": "1" if test_mode else "0",
        "EMPIRIO_DEFECTS": ",".join(defects),
        "PYTHONUNBUFFERED": "1",
    })
    for family, port in mock_ports.items():
        env[f"EMPIRIO_UPSTREAM_{family.upper()}_URL"] = f"http://127.0.0.1:{port}"

    deployment = Deployment("", "", "", "", "", "", workdir,
                            upstreams={f: f"http://127.0.0.1:{p}" for f, p in mock_ports.items()})
    try:
        mocks_log = workdir / "mocks.log"
        mocks = _spawn(["-m", "mocks", "serve", *[f"--port={f}={p}" for f, p in mock_ports.items()]], env, mocks_log)
        deployment.processes.append(mocks)

        funded = _admin(env, "provision", "--name", "conformance", "--credits", "1000", "--label", "primary")
        _admin(env, "set-limits", "--account", funded["account_id"], "--rpm", "100000", "--tpm", "1000000000")
        second = _admin(env, "create-key", "--account", funded["account_id"], "--label", "second")
        revoked = _admin(env, "create-key", "--account", funded["account_id"], "--label", "revoked")
        _admin(env, "revoke-key", "--key", revoked["key_id"])
        broke = _admin(env, "provision", "--name", "zero-credit", "--credits", "0", "--label", "zero")
        limited = _admin(env, "provision", "--name", "rate-limited", "--credits", "1000", "--label", "limited")
        _admin(env, "set-limits", "--account", limited["account_id"], "--rpm", "1", "--tpm", "1000000000")

        gateway_log = workdir / "gateway.log"
        gateway = _spawn(["-m", "gateway", "serve", "--host", "127.0.0.1", "--port", str(gateway_port)], env, gateway_log)
        deployment.processes.append(gateway)
        base_url = f"http://127.0.0.1:{gateway_port}"
        for port in mock_ports.values():
            _wait_healthy(f"http://127.0.0.1:{port}/health", mocks, mocks_log)
        _wait_healthy(f"{base_url}/healthz", gateway, gateway_log)
    except BaseException:
        deployment.stop()
        raise
    deployment.base_url = base_url
    deployment.api_key = funded["api_key"]
    deployment.second_key = second["api_key"]
    deployment.revoked_key = revoked["api_key"]
    deployment.zero_credit_key = broke["api_key"]
    deployment.rate_limited_key = limited["api_key"]
    deployment.control_url = f"{base_url}/__test__" if test_mode else ""
    return deployment
