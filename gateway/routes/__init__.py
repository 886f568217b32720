"""The route table: every HTTP path the gateway serves."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from gateway.routes import health, models, testmode

__all__ = ["routes"]


def routes(*, test_mode: bool) -> list[BaseRoute]:
    table: list[BaseRoute] = [
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/v1/models", models.list_models, methods=["GET"]),
        Route("/v1/models/{model_id:path}", models.retrieve_model, methods=["GET"]),
    ]
    if test_mode:
        table += testmode.routes()
    return table
