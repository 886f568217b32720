"""The benchmark's servers, started in one run on loopback: the minimal upstream, the bare relay in front of
it, and the reference gateway (production mode, everything on: auth, limits, credits, validation, routing,
usage log) sending the ``openai`` family to that upstream. Optional peers come from :mod:`loadtests.bench.peers`."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from loadtests.bench.peers import start_peer
from suites.launcher import Deployment, free_ports, launch

__all__ = ["MODEL", "Target", "Targets", "start", "start_gateway", "wait_listening"]

ROOT = Path(__file__).resolve().parents[2]
MODEL = "qwen3-max"
"""A catalog model of the ``openai`` family (the benchmark's upstream answers whatever it is asked)."""


@dataclass(frozen=True)
class Target:
    """A server to drive: ``url`` is its chat completions endpoint."""

    name: str
    url: str
    api_key: str = ""
    pid: int | None = None


@dataclass
class Targets:
    targets: list[Target]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    deployment: Deployment | None = None

    def by_name(self, name: str) -> Target:
        return next(t for t in self.targets if t.name == name)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.deployment is not None:
            self.deployment.stop()


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Wait until something accepts connections on ``port`` (raising if ``process`` exits first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listened on {port} within {timeout}s")


def spawn(module: str, *args: str) -> subprocess.Popen[bytes]:
    """``python -m module args`` from the project's root, its output discarded."""
    return subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_gateway(upstream_url: str, *, settings_env: dict[str, str] | None = None, workers: int = 1,
                  shared: bool = False) -> tuple[Deployment, Target]:
    """The reference gateway in production mode sending the ``openai`` family to ``upstream_url``, with a
    funded, unthrottled account (``shared``: on a private Redis and PostgreSQL; ``workers`` processes)."""
    deployment = launch(test_mode=False, upstream_urls={"openai": upstream_url}, settings_env=settings_env,
                        shared=shared, workers=workers)
    try:
        account = deployment.admin("provision", "--name", "bench", "--credits", "100000", "--label", "bench")
        deployment.admin("set-limits", "--account", account["account_id"], "--rpm", "1000000000",
                         "--tpm", "1000000000000")
    except BaseException:
        deployment.stop()
        raise
    return deployment, Target("gateway", f"{deployment.base_url}/v1/chat/completions", account["api_key"],
                              pid=deployment.processes[-1].pid)


def start(settings_env: dict[str, str] | None = None, peers: list[str] | None = None) -> Targets:
    """Start the upstream, the relay, the gateway (its account funded and unthrottled) and ``peers``."""
    upstream_port, relay_port, *peer_ports = free_ports(2 + len(peers or ()))
    started = Targets([])
    try:
        upstream = spawn("loadtests.bench.upstream", "--port", str(upstream_port))
        started.processes.append(upstream)
        wait_listening(upstream_port, upstream)
        upstream_url = f"http://127.0.0.1:{upstream_port}"
        relay = spawn("loadtests.bench.relay", "--port", str(relay_port), "--upstream", upstream_url)
        started.processes.append(relay)
        wait_listening(relay_port, relay)
        started.deployment, gateway = start_gateway(upstream_url, settings_env=settings_env)
        started.targets = [
            Target("upstream", f"{upstream_url}/v1/chat/completions", pid=upstream.pid),
            Target("relay", f"http://127.0.0.1:{relay_port}/v1/chat/completions", pid=relay.pid),
            gateway,
        ]
        for name, port in zip(peers or (), peer_ports, strict=True):
            peer, key = start_peer(name, port, upstream_url, MODEL)
            started.processes.append(peer)
            wait_listening(port, peer, timeout=180)
            started.targets.append(Target(name, f"http://127.0.0.1:{port}/v1/chat/completions", key, pid=peer.pid))
    except BaseException:
        started.stop()
        raise
    return started
