"""Peer gateways the benchmark can measure beside the reference (``make bench PEERS=litellm``), each installed
on first use into its own venv under the project's ignored ``.bench/`` folder and pointed at the same minimal
upstream.

* ``litellm``: the LiteLLM proxy, one worker, the benchmark's model routed as an OpenAI-compatible model.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

__all__ = ["PEERS", "start_peer"]

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / ".bench"
LITELLM = "litellm[proxy]"

PEERS = ("litellm",)


def _venv(name: str, requirement: str) -> Path:
    """The peer's venv (created and filled on first use); its ``bin`` folder."""
    venv = FOLDER / name
    stamp = venv / ".installed"
    if not stamp.exists():
        print(f"installing {requirement} into {venv} (first use only)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", requirement], check=True)
        stamp.touch()
    return venv / "bin"


def start_peer(name: str, port: int, upstream_url: str, model: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start peer ``name`` on ``port`` in front of ``upstream_url``; it serves ``model`` at
    ``/v1/chat/completions`` to the key returned beside the process (its master key: LiteLLM refuses to start
    without one, and checks it on every request as the reference checks its keys)."""
    if name != "litellm":
        raise ValueError(f"unknown peer {name!r} (known: {', '.join(PEERS)})")
    bin_ = _venv("litellm", LITELLM)
    key = f"sk-{secrets.token_hex(32)}"
    config = FOLDER / "litellm.yaml"
    config.write_text(
        "model_list:\n"
        f"  - model_name: {model}\n"
        "    litellm_params:\n"
        f"      model: openai/{model}\n"
        f"      api_base: {upstream_url}/v1\n"
        "      api_key: bench\n"
        "general_settings:\n"
        f"  master_key: {key}\n"
        "litellm_settings:\n"
        "  telemetry: false\n")
    log = (FOLDER / "litellm.log").open("wb")
    return subprocess.Popen([str(bin_ / "litellm"), "--config", str(config), "--host", "127.0.0.1",
                             "--port", str(port), "--num_workers", "1"], cwd=FOLDER, stdout=log,
                            stderr=subprocess.STDOUT), key
