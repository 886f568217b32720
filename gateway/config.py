"""Gateway settings: a TOML file, then environment variables on top.

    [server]    host, port
    [store]     path                         SQLite file holding accounts, keys and credits (default ./empirio.db)
    [catalog]   path                         the model catalog (defaults to fixtures/catalog/models.yaml)
    [limits]    max_body_bytes
    [timeouts]  connect, read (seconds between upstream bytes), total (seconds per upstream call)
    [security]  key_pepper                   HMAC key for stored API-key digests
    [test]      mode, …                      test mode; the table's other keys are read by gateway.testing
    [upstreams.<family>] base_url, api_key   one table per upstream family (defaults: the local mocks)

Environment: ``EMPIRIO_CONFIG`` (file path), ``EMPIRIO_DB``, ``EMPIRIO_CATALOG``, ``EMPIRIO_HOST``,
``EMPIRIO_PORT``, ``EMPIRIO_READ_TIMEOUT``, ``EMPIRIO_KEY_PEPPER``, ``EMPIRIO_TEST_MODE``,
``EMPIRIO_UPSTREAM_<FAMILY>_URL`` and ``EMPIRIO_UPSTREAM_<FAMILY>_KEY``.
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
    catalog_path: Path = field(default_factory=catalog_file)
    max_body_bytes: int = 20 * 1024 * 1024
    connect_timeout: float = 5.0
    read_timeout: float = 120.0
    total_timeout: float = 900.0
    key_pepper: str = ""
    test_mode: bool = False
    test_options: dict[str, Any] = field(default_factory=dict)
    upstreams: dict[str, Upstream] = field(default_factory=dict)


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read settings from ``path`` (or ``$EMPIRIO_CONFIG``) and the environment."""
    env = dict(os.environ if env is None else env)
    path = path or env.get("EMPIRIO_CONFIG")
    data: dict[str, Any] = tomllib.loads(Path(path).read_text()) if path else {}
    server, store, catalog = data.get("server", {}), data.get("store", {}), data.get("catalog", {})
    limits, security, test = data.get("limits", {}), data.get("security", {}), data.get("test", {})
    timeouts = data.get("timeouts", {})

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
        catalog_path=Path(env.get("EMPIRIO_CATALOG", catalog.get("path", catalog_file()))),
        max_body_bytes=int(limits.get("max_body_bytes", Settings.max_body_bytes)),
        connect_timeout=float(timeouts.get("connect", Settings.connect_timeout)),
        read_timeout=float(env.get("EMPIRIO_READ_TIMEOUT", timeouts.get("read", Settings.read_timeout))),
        total_timeout=float(timeouts.get("total", Settings.total_timeout)),
        key_pepper=env.get("EMPIRIO_KEY_PEPPER", security.get("key_pepper", "")),
        test_mode=_truthy(env["EMPIRIO_TEST_MODE"]) if "EMPIRIO_TEST_MODE" in env else bool(test.get("mode")),
        test_options={k: v for k, v in test.items() if k != "mode"},
        upstreams=upstreams,
    )
