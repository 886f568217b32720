"""One load point: wrk (one thread, ``connections`` keep-alive connections, ``seconds`` long) posting the same
JSON body, its summary read back through a Lua ``done`` hook. wrk is Debian's ``wrk`` package (``make bench``
installs it when it can)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["Point", "WrkMissing", "run"]

_SCRIPT = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
{auth}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH {{\\"requests\\": %d, \\"duration_us\\": %d, \\"p50_us\\": %d, \\"p99_us\\": %d, "
    .. "\\"non_2xx\\": %d, \\"socket_errors\\": %d}}\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


class WrkMissing(RuntimeError):
    """wrk is not on the PATH."""


@dataclass(frozen=True)
class Point:
    """What one wrk run measured."""

    target: str
    mode: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def run(target: str, mode: str, url: str, body: dict[str, Any], connections: int, seconds: float,
        api_key: str = "") -> Point:
    """Drive ``url`` with ``body`` for ``seconds`` over ``connections`` connections."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise WrkMissing("wrk is not installed (Debian: apt-get install wrk)")
    auth = f'wrk.headers["Authorization"] = "Bearer {api_key}"' if api_key else ""
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        script = Path(folder) / "post.lua"
        script.write_text(_SCRIPT.format(body=_lua_string(json.dumps(body)), auth=auth))
        out = subprocess.run(
            [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script), url],
            check=True, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary: {out.stdout[-500:]} {out.stderr[-500:]}")
    summary = json.loads(line[len("BENCH "):])
    seconds_run = summary["duration_us"] / 1e6
    return Point(target=target, mode=mode, connections=connections,
                 rps=round(summary["requests"] / seconds_run, 1) if seconds_run else 0.0,
                 p50_ms=summary["p50_us"] / 1000, p99_ms=summary["p99_us"] / 1000, requests=summary["requests"],
                 non_2xx=summary["non_2xx"], socket_errors=summary["socket_errors"])
