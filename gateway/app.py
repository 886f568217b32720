"""Assembles the gateway: settings → state (catalog, store, defects) → middleware stack → routes."""

from __future__ import annotations

from starlette.applications import Starlette

from gateway.catalog import load_catalog
from gateway.config import Settings
from gateway.defects import DefectSwitch
from gateway.middleware import build_stack
from gateway.middleware.errors import EXCEPTION_HANDLERS
from gateway.routes import routes
from gateway.state import GatewayState
from gateway.store.sqlite import SqliteStore

__all__ = ["create_app"]


def create_app(settings: Settings) -> Starlette:
    """A ready-to-serve ASGI app for ``settings``."""
    defects = DefectSwitch(test_mode=settings.test_mode)
    defects.set(settings.defects)
    app = Starlette(
        routes=routes(test_mode=settings.test_mode),
        middleware=build_stack(),
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.gateway = GatewayState(
        settings=settings,
        catalog=load_catalog(settings.catalog_path),
        store=SqliteStore(settings.db_path, pepper=settings.key_pepper),
        defects=defects,
    )
    return app
