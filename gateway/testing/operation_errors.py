"""Defects of the documented errors outside the three text formats (D-134): the non-text generation
endpoints (embeddings, images, videos, speech, transcriptions, search) and the auxiliary operations answer
an error in the wrong envelope, with the wrong status or code, without ``retry-after``, or as a 500.

Every patch but one is a layer outermost in the stack rewriting a whole answer of the paths it names; the
auxiliary budget's is a wrapper of the limiter (``state.limiter``). With its defect off everything passes
untouched.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.limits.base import AUXILIARY_SUFFIX, Admission, Budget
from gateway.state import GatewayState
from gateway.testing.asgi import Reply, json_body, layer, rewrite_response
from gateway.testing.limiter_layer import LimiterLayer
from gateway.testing.registry import ActiveDefects, Defect, defect

__all__ = ["install"]

MEDIA_PATHS = frozenset({"/v1/embeddings", "/v1/images/generations", "/v1/videos/generations", "/v1/audio/speech",
                         "/v1/audio/transcriptions", "/v1/search"})
"""The generation endpoints beside the three text formats."""

MEDIA_401_ANTHROPIC_ENVELOPE = defect(
    "media_401_anthropic_envelope", "a 401 on the media, search and embeddings endpoints is in the OpenAI envelope")
MEDIA_413_AS_400 = defect("media_413_as_400", "a JSON body over the limit on a media endpoint is 413, not 400")
MEDIA_429_NO_RETRY_AFTER = defect("media_429_no_retry_after", "a 429 on a media endpoint carries retry-after")
TRANSCRIPTION_UNKNOWN_MODEL_400 = defect(
    "transcription_unknown_model_400", "an unknown model on /v1/audio/transcriptions is 404 model_not_found")
MEDIA_402_WRONG_CODE = defect(
    "media_402_wrong_code", "a 402 on images, videos, transcriptions and search is code insufficient_credits")
MEDIA_503_AS_502 = defect(
    "media_503_as_502", "an unavailable upstream of images, speech or embeddings is 503 model_unavailable")
AUX_INTERNAL_ERROR_PLAIN = defect(
    "aux_internal_error_plain", "a gateway fault on models, responses, files, jobs and media is 500 in the envelope")
AUXILIARY_BUDGET_IGNORED = defect(
    "auxiliary_budget_ignored", "past the account's auxiliary budget, catalog reads, polls and uploads are 429")
JOB_ID_SHAPE_500 = defect("job_id_shape_500", "an unknown job id of any shape is 404 job_not_found, never a 5xx")

Change = Callable[[int, list[tuple[bytes, bytes]], bytes], Reply | None]


def _on(paths: Callable[[str], bool], change: Change) -> Callable[[ASGIApp], ASGIApp]:
    """A layer rewriting the answers of paths ``paths`` accepts with ``change``."""
    def make(app: ASGIApp) -> ASGIApp:
        async def rewriting(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or not paths(scope["path"]):
                await app(scope, receive, send)
                return
            await rewrite_response(app, scope, receive, send, change)

        return rewriting

    return make


def _json(status: int, headers: list[tuple[bytes, bytes]], body: object) -> Reply:
    kept = [(k, v) for k, v in headers if k.lower() != b"content-type"]
    return status, [*kept, (b"content-type", b"application/json")], json.dumps(body).encode()


def _openai(status: int, headers: list[tuple[bytes, bytes]], type_: str, code: str, message: str) -> Reply:
    return _json(status, headers, {"error": {"message": message, "type": type_, "param": None, "code": code}})


def _declare(name: Defect, paths: Callable[[str], bool], change: Change) -> None:
    layer(name)(_on(paths, change))


def _media(path: str) -> bool:
    return path in MEDIA_PATHS


def _anthropic_401(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
    if status != 401:
        return None
    return _json(401, headers, {"type": "error", "error": {"type": "authentication_error",
                                                            "message": "Invalid or missing API key."}})


def _too_large_as_400(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
    if status != 413:
        return None
    return _openai(400, headers, "invalid_request_error", "invalid_parameter", "The request body is invalid.")


def _no_retry_after(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
    return (status, [(k, v) for k, v in headers if k.lower() != b"retry-after"], body) if status == 429 else None


def _unknown_model_as_400(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
    error = (json_body(body) or {}).get("error") if status == 404 else None
    if not isinstance(error, dict) or error.get("code") != "model_not_found":
        return None
    return _openai(400, headers, "invalid_request_error", "model_not_supported_on_endpoint",
                   "The model is not supported on this endpoint.")


def _payment_code(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
    if status != 402:
        return None
    return _openai(402, headers, "billing_error", "payment_required", "Add credits to continue.")


def _unavailable_as_502(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
    if status != 503:
        return None
    return _openai(502, [(k, v) for k, v in headers if k.lower() != b"retry-after"], "api_error", "upstream_error",
                   "The model provider returned an error.")


def _plain_500(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
    if status != 500:
        return None
    kept = [(k, v) for k, v in headers if k.lower() != b"content-type"]
    return 500, [*kept, (b"content-type", b"text/plain; charset=utf-8")], b"Internal Server Error"


def _job_shape_500(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
    return _openai(500, headers, "api_error", "internal_error", "An internal error occurred.") if status == 404 else None


def _auxiliary(path: str) -> bool:
    return path.startswith(("/v1/models", "/v1/responses/", "/v1/files/", "/v1/jobs/", "/v1/media/"))


def _odd_job_id(path: str) -> bool:
    return path.startswith("/v1/jobs/") and not path.removeprefix("/v1/jobs/").startswith("job_")


_declare(MEDIA_401_ANTHROPIC_ENVELOPE, _media, _anthropic_401)
_declare(MEDIA_413_AS_400, _media, _too_large_as_400)
_declare(MEDIA_429_NO_RETRY_AFTER, _media, _no_retry_after)
_declare(TRANSCRIPTION_UNKNOWN_MODEL_400, lambda p: p == "/v1/audio/transcriptions", _unknown_model_as_400)
_declare(MEDIA_402_WRONG_CODE, lambda p: p in {"/v1/images/generations", "/v1/videos/generations",
                                               "/v1/audio/transcriptions", "/v1/search"}, _payment_code)
_declare(MEDIA_503_AS_502, lambda p: p in {"/v1/images/generations", "/v1/audio/speech", "/v1/embeddings"},
         _unavailable_as_502)
_declare(AUX_INTERNAL_ERROR_PLAIN, _auxiliary, _plain_500)
_declare(JOB_ID_SHAPE_500, _odd_job_id, _job_shape_500)


_UNLIMITED = 1_000_000_000


class _Limiter(LimiterLayer):
    """The limiter, the auxiliary budgets unlimited while :data:`AUXILIARY_BUDGET_IGNORED` is on."""

    async def admit(self, key: str, budget: Budget, tokens: int = 0) -> Admission:
        if self._active.on(AUXILIARY_BUDGET_IGNORED.name) and key.endswith(AUXILIARY_SUFFIX):
            budget = Budget(_UNLIMITED, budget.tokens, budget.window)
        return await self._limiter.admit(key, budget, tokens)


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the limiter; the other patches are in the stack (declared above)."""
    state.limiter = _Limiter(state.limiter, active)
