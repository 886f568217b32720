"""Helpers for the mock-upstream tests: start ``python -m mocks serve`` on free ports, read SSE by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from gateway.config import FAMILIES as ALL_FAMILIES
from suites.launcher import free_ports

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = tuple(ALL_FAMILIES)
AUTH: dict[str, dict[str, str]] = {
    "openai": {"authorization": "Bearer sk-test-openai"},
    "deepseek": {"authorization": "Bearer sk-test-deepseek"},
    "anthropic": {"x-api-key": "sk-test-anthropic", "anthropic-version": "2023-06-01"},
    "embeddings": {"authorization": "Bearer sk-test-embeddings"},
    "audio": {"authorization": "Bearer sk-test-audio"},
    "media": {"authorization": "Bearer sk-test-media"},
}




@dataclass
class MockServer:
    """The mocks as a real subprocess, one loopback port per family."""

    urls: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self, log: Path) -> None:
        ports = dict(zip(FAMILIES, free_ports(len(FAMILIES)), strict=True))
        args = [sys.executable, "-m", "mocks", "serve", *(f"--port={f}={p}" for f, p in ports.items())]
        with log.open("wb") as sink:
            self.process = subprocess.Popen(args, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.urls = {f: f"http://127.0.0.1:{p}" for f, p in ports.items()}
        deadline = time.monotonic() + 20
        pending = set(self.urls)
        while pending:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"mocks did not start:\n{log.read_text()[-3000:]}")
            for family in list(pending):
                try:
                    if httpx.get(f"{self.urls[family]}/health", timeout=0.5).status_code == 200:
                        pending.discard(family)
                except httpx.TransportError:
                    time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass(frozen=True)
class SSE:
    event: str | None
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


def parse_sse(raw: bytes) -> tuple[list[SSE], int]:
    """The events in a complete SSE body and the number of comment lines (``: keep-alive``)."""
    events: list[SSE] = []
    comments = 0
    name: str | None = None
    data: list[str] = []
    for line in raw.decode("utf-8").split("\n"):
        if line == "":
            if data or name is not None:
                events.append(SSE(name, "\n".join(data)))
            name, data = None, []
        elif line.startswith(":"):
            comments += 1
        else:
            key, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if key == "event":
                name = value
            elif key == "data":
                data.append(value)
    return events, comments


def stream(client: httpx.Client, path: str, body: dict[str, Any], **kwargs: Any) -> tuple[httpx.Response, list[SSE], int]:
    """POST ``body`` with ``stream: true`` and read the whole event stream."""
    with client.stream("POST", path, json={**body, "stream": True}, **kwargs) as response:
        raw = response.read()
    events, comments = parse_sse(raw)
    return response, events, comments


def openai_events(events: list[SSE]) -> list[dict[str, Any]]:
    """The JSON chunks of an OpenAI-style stream, checking it ends with exactly one ``[DONE]``."""
    assert events and events[-1].data == "[DONE]", "stream does not end with [DONE]"
    assert [e.data for e in events].count("[DONE]") == 1
    return [e.json() for e in events[:-1]]
