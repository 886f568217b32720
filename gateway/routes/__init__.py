"""The route table: every HTTP path the gateway serves, and the run-events WebSocket."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import BaseRoute, Route, WebSocketRoute

from gateway.routes import (
    embeddings,
    files,
    health,
    images,
    jobs,
    media,
    models,
    responses,
    run_events,
    search,
    speech,
    transcriptions,
    usage,
    videos,
)
from gateway.routes.generate import generation_route

__all__ = ["routes"]


class _AnyText(Convertor[str]):
    """A path parameter that may hold anything, newlines and slashes included (model ids are
    user input: whatever they are, an unknown one is 404 model_not_found, not an unknown path)."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anytext", _AnyText())


def routes() -> list[BaseRoute]:
    return [
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/v1/models", models.list_models, methods=["GET"]),
        Route("/v1/models/{model_id:anytext}", models.retrieve_model, methods=["GET"]),
        Route("/v1/chat/completions", generation_route("openai_chat"), methods=["POST"]),
        Route("/v1/messages", generation_route("anthropic_messages"), methods=["POST"]),
        Route("/v1/responses", generation_route("openai_responses"), methods=["POST"]),
        Route("/v1/responses/{response_id}", responses.retrieve_response, methods=["GET"]),
        Route("/v1/responses/{response_id}", responses.delete_response, methods=["DELETE"]),
        Route("/v1/responses/{response_id}/input_items", responses.list_input_items, methods=["GET"]),
        Route("/v1/files/upload", files.upload_file, methods=["POST"]),
        Route("/v1/embeddings", embeddings.create_embedding, methods=["POST"]),
        Route("/v1/audio/speech", speech.create_speech, methods=["POST"]),
        Route("/v1/videos/generations", videos.create_video, methods=["POST"]),
        Route("/v1/audio/transcriptions", transcriptions.create_transcription, methods=["POST"]),
        Route("/v1/search", search.create_search, methods=["POST"]),
        Route("/v1/jobs/{job_id:anytext}", jobs.get_job, methods=["GET"]),
        Route("/v1/media/{object_id}/{filename}", media.get_media, methods=["GET"]),
        Route("/v1/images/generations", images.create_image, methods=["POST"]),
        Route("/v1/usage", usage.list_usage, methods=["GET"]),
        WebSocketRoute("/v1/runs/events", run_events.run_events),
    ]
