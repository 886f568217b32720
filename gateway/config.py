"""Gateway settings: a TOML file, then environment variables on top.

    [server]    host, port; public_url (the origin clients reach, for polling and media URLs; default
                http://host:port, D-92); header_timeout (s to receive a request's head, 10), body_timeout (s of
                silence in a body, and the grace before body_min_rate applies, 10), body_min_rate (bytes/s
                a body must average, 1024), keep_alive (s an idle keep-alive connection stays open, 5)
    [store]     path                         SQLite file holding accounts, keys and credits (default ./empirio.db);
                url (postgresql://user@host:port/db: accounts, keys, ledger, jobs, responses, files and media
                live in this PostgreSQL, shared by every instance pointing at it; unset: the SQLite file, D-167);
                cache_seconds (s a key record or an account's limits may be reused before it is read again, 1;
                0: read on every request; D-207)
    [catalog]   path                         the model catalog (defaults to fixtures/catalog/models.yaml)
    [limits]    max_body_bytes; max_upload_bytes (per uploaded file, 25 MiB, D-82); max_header_bytes (request line and header names and values, 32 KiB),
                max_headers (100), connections_per_client (open connections per client address, 256);
                redis_url (redis://host:port/db: the rate limits live in this Redis, shared by every instance
                pointing at it; unset: in this process, D-151)
    [timeouts]  connect, read (seconds between upstream bytes), total (seconds per upstream call),
                first_byte (s to the upstream's answer head, 60), idle (s between upstream stream bytes, 60)
    [security]  key_pepper                   HMAC key for stored API-key digests
    [jobs]      timeout (s a job may run before it fails, 1800), poll_interval (s between polls of an upstream job, 2)
    [runs]      ping_interval (s between pings of a run-events WebSocket, 30), idle_timeout (s before one that
                follows no unfinished run is closed, 600; D-123)
    [test]      mode, …                      test mode; the table's other keys are read by gateway.testing
    [upstreams.<family>] base_url, api_key   one table per upstream family (defaults: the local mocks)

Environment: ``EMPIRIO_CONFIG`` (file path), ``EMPIRIO_DB``, ``EMPIRIO_CATALOG``, ``EMPIRIO_HOST``,
``EMPIRIO_PORT``, ``EMPIRIO_PUBLIC_URL``, ``EMPIRIO_JOB_TIMEOUT``, ``EMPIRIO_READ_TIMEOUT``, ``EMPIRIO_FIRST_BYTE_TIMEOUT``, ``EMPIRIO_IDLE_TIMEOUT``,
``EMPIRIO_HEADER_TIMEOUT``, ``EMPIRIO_BODY_TIMEOUT``, ``EMPIRIO_KEEP_ALIVE_TIMEOUT``,
``EMPIRIO_CONNECTIONS_PER_CLIENT``, ``EMPIRIO_MAX_UPLOAD_BYTES``, ``EMPIRIO_RUNS_PING_INTERVAL``,
``EMPIRIO_RUNS_IDLE_TIMEOUT``, ``EMPIRIO_CACHE_SECONDS``, ``EMPIRIO_REDIS_URL``, ``EMPIRIO_DATABASE_URL``, ``EMPIRIO_KEY_PEPPER``, ``EMPIRIO_TEST_MODE``,
``EMPIRIO_UPSTREAM_<FAMILY>_URL`` and ``EMPIRIO_UPSTREAM_<FAMILY>_KEY``. The transport limits are
D-70 and D-71, the upstream timeouts D-72.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.resources import catalog_file

__all__ = ["FAMILIES", "Settings", "SettingsError", "Upstream", "load_settings"]


FAMILIES: dict[str, int] = {
    "openai": 9101,
    "deepseek": 9102,
    "anthropic": 9103,
    "media": 9104,
    "audio": 9105,
    "search": 9106,
    "embeddings": 9107,
}
"""Upstream families and the loopback port of their mock by default."""


class SettingsError(ValueError):
    """The settings are inconsistent; the gateway will not start with them."""


@dataclass(frozen=True)
class Upstream:
    base_url: str
    api_key: str = ""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    db_path: Path = Path("empirio.db")
    database_url: str = ""
    cache_seconds: float = 1.0
    catalog_path: Path = field(default_factory=catalog_file)
    max_body_bytes: int = 20 * 1024 * 1024
    max_upload_bytes: int = 25 * 1024 * 1024
    connect_timeout: float = 5.0
    read_timeout: float = 120.0
    total_timeout: float = 900.0
    first_byte_timeout: float = 60.0
    idle_timeout: float = 60.0
    max_header_bytes: int = 32 * 1024
    max_headers: int = 100
    connections_per_client: int = 256
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    body_min_rate: int = 1024
    keep_alive_timeout: float = 5.0
    key_pepper: str = ""
    public_url: str = ""
    job_timeout: float = 1800.0
    job_poll_interval: float = 2.0
    runs_ping_interval: float = 30.0
    runs_idle_timeout: float = 600.0
    redis_url: str = ""
    test_mode: bool = False
    test_options: dict[str, Any] = field(default_factory=dict)
    upstreams: dict[str, Upstream] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        """The deployment's public origin (``public_url``, else this server's own address)."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read settings from ``path`` (or ``$EMPIRIO_CONFIG``) and the environment."""
    env = dict(os.environ if env is None else env)
    path = path or env.get("EMPIRIO_CONFIG")
    data: dict[str, Any] = tomllib.loads(Path(path).read_text()) if path else {}
    server, store, catalog = data.get("server", {}), data.get("store", {}), data.get("catalog", {})
    limits, security, test = data.get("limits", {}), data.get("security", {}), data.get("test", {})
    timeouts, jobs, runs = data.get("timeouts", {}), data.get("jobs", {}), data.get("runs", {})

    upstreams: dict[str, Upstream] = {}
    for family, port in FAMILIES.items():
        table = data.get("upstreams", {}).get(family, {})
        upper = family.upper()
        upstreams[family] = Upstream(
            base_url=env.get(f"EMPIRIO_UPSTREAM_{upper}_URL", table.get("base_url", f"http://127.0.0.1:{port}")),
            api_key=env.get(f"EMPIRIO_UPSTREAM_{upper}_KEY", table.get("api_key", "")),
        )

    return Settings(
        host=env.get("EMPIRIO_HOST", server.get("host", "127.0.0.1")),
        port=int(env.get("EMPIRIO_PORT", server.get("port", 8080))),
        db_path=Path(env.get("EMPIRIO_DB", store.get("path", "empirio.db"))),
        database_url=env.get("EMPIRIO_DATABASE_URL", store.get("url", "")),
        cache_seconds=float(env.get("EMPIRIO_CACHE_SECONDS", store.get("cache_seconds", Settings.cache_seconds))),
        catalog_path=Path(env.get("EMPIRIO_CATALOG", catalog.get("path", catalog_file()))),
        max_body_bytes=int(limits.get("max_body_bytes", Settings.max_body_bytes)),
        max_upload_bytes=int(env.get("EMPIRIO_MAX_UPLOAD_BYTES", limits.get("max_upload_bytes", Settings.max_upload_bytes))),
        connect_timeout=float(timeouts.get("connect", Settings.connect_timeout)),
        read_timeout=float(env.get("EMPIRIO_READ_TIMEOUT", timeouts.get("read", Settings.read_timeout))),
        total_timeout=float(timeouts.get("total", Settings.total_timeout)),
        first_byte_timeout=float(env.get("EMPIRIO_FIRST_BYTE_TIMEOUT",
                                         timeouts.get("first_byte", Settings.first_byte_timeout))),
        idle_timeout=float(env.get("EMPIRIO_IDLE_TIMEOUT", timeouts.get("idle", Settings.idle_timeout))),
        max_header_bytes=int(limits.get("max_header_bytes", Settings.max_header_bytes)),
        max_headers=int(limits.get("max_headers", Settings.max_headers)),
        connections_per_client=int(env.get("EMPIRIO_CONNECTIONS_PER_CLIENT",
                                           limits.get("connections_per_client", Settings.connections_per_client))),
        header_timeout=float(env.get("EMPIRIO_HEADER_TIMEOUT", server.get("header_timeout", Settings.header_timeout))),
        body_timeout=float(env.get("EMPIRIO_BODY_TIMEOUT", server.get("body_timeout", Settings.body_timeout))),
        body_min_rate=int(server.get("body_min_rate", Settings.body_min_rate)),
        keep_alive_timeout=float(env.get("EMPIRIO_KEEP_ALIVE_TIMEOUT",
                                         server.get("keep_alive", Settings.keep_alive_timeout))),
        key_pepper=env.get("EMPIRIO_KEY_PEPPER", security.get("key_pepper", "")),
        public_url=env.get("EMPIRIO_PUBLIC_URL", server.get("public_url", "")),
        job_timeout=float(env.get("EMPIRIO_JOB_TIMEOUT", jobs.get("timeout", Settings.job_timeout))),
        job_poll_interval=float(env.get("EMPIRIO_JOB_POLL_INTERVAL",
                                        jobs.get("poll_interval", Settings.job_poll_interval))),
        runs_ping_interval=float(env.get("EMPIRIO_RUNS_PING_INTERVAL",
                                         runs.get("ping_interval", Settings.runs_ping_interval))),
        runs_idle_timeout=float(env.get("EMPIRIO_RUNS_IDLE_TIMEOUT",
                                        runs.get("idle_timeout", Settings.runs_idle_timeout))),
        redis_url=env.get("EMPIRIO_REDIS_URL", limits.get("redis_url", "")),
        test_mode=_truthy(env["EMPIRIO_TEST_MODE"]) if "EMPIRIO_TEST_MODE" in env else bool(test.get("mode")),
        test_options={k: v for k, v in test.items() if k != "mode"},
        upstreams=upstreams,
    )
