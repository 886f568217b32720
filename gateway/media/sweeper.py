"""The sweeper (D-91): deletes media and uploads past 30 days and jobs past their retention, on the
injectable clock — hourly in the background, or on demand (the test-mode control API)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from gateway.store.files import FileStore
from gateway.store.jobs import JobStore
from gateway.store.media import MediaStore

__all__ = ["SWEEP_INTERVAL_SECONDS", "Sweeper"]

SWEEP_INTERVAL_SECONDS = 3600.0
log = logging.getLogger("gateway.sweeper")


@dataclass
class Sweeper:
    media: MediaStore
    files: FileStore
    jobs: JobStore
    clock: Callable[[], float]

    async def sweep(self) -> dict[str, int]:
        """Delete what expired by now; how many of each kind."""
        now = int(self.clock())
        return {"media": await self.media.purge(now), "files": await self.files.purge(now),
                "jobs": await self.jobs.purge(now)}

    async def run(self, interval: float = SWEEP_INTERVAL_SECONDS) -> None:
        """Sweep every ``interval`` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval)
            try:
                if removed := {k: v for k, v in (await self.sweep()).items() if v}:
                    log.info("swept %s", removed)
            except Exception:
                log.exception("sweep failed")
