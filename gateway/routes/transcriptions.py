"""``POST /v1/audio/transcriptions`` (D-115, D-116): multipart or JSON → decode (spec + catalog) → the file
(uploaded, inline, a ``bunny://`` upload of the account, or an ``https://`` URL) sniffed as audio or video →
admit → a ``transcription`` job → 202. The job runs the upstream transcription job and completes at the
per-second price of the measured duration; :func:`resumer` continues it after a restart.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import InvalidRequest, ModelUnavailable, RequestTooLarge
from gateway.formats.json_body import parse_json
from gateway.formats.openai_responses.conversation import account_of
from gateway.formats.transcriptions import coerce
from gateway.ir.transcription import TranscriptionRequest
from gateway.jobs import JobContext, JobOutcome, Resume, Work
from gateway.middleware.credits import take_hold
from gateway.middleware.gate import admit
from gateway.routes.generate import require_json
from gateway.routes.jobs import accepted
from gateway.routes.media_inputs import stored_file
from gateway.routes.testmode import maybe_fail
from gateway.state import GatewayState, state_of
from gateway.store.jobs import JobRecord
from gateway.upstreams.transcription import TranscriptionAdapter
from gateway.usage import record_usage

__all__ = ["JOB_TYPE", "create_transcription", "resumer"]

JOB_TYPE = "transcription"
_KINDS = ("audio", "video")


def _work(state: GatewayState, adapter: TranscriptionAdapter, transcription: TranscriptionRequest,
          ref: str | None = None) -> Work:
    async def work(context: JobContext) -> JobOutcome:
        upstream_ref = ref
        if upstream_ref is None:
            upstream_ref = await adapter.submit(transcription)
            await context.remember(upstream_ref)
        await context.running()
        transcript = await adapter.finish(transcription, upstream_ref, state.settings.job_poll_interval,
                                          context.progress)
        body = state.transcription_codec.encode(transcription, transcript)
        return JobOutcome(body, transcription.price.cost(transcript.duration))

    return work


async def _multipart(request: Request, cap: int) -> tuple[dict[str, Any], bytes | None]:
    """The coerced text fields and the file part's bytes (``None`` when ``file`` is text)."""
    try:
        form = await MultiPartParser(request.headers, request.stream(), max_files=1, max_fields=32).parse()
    except MultiPartException as exc:
        raise InvalidRequest(f"The multipart body is malformed: {exc.message}", code="invalid_multipart") from exc
    fields: dict[str, list[str]] = {}
    upload: bytes | None = None
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if name != "file":
                raise InvalidRequest(f"Only 'file' may be a file part, not '{name[:64]}'.", param=name[:64])
            upload = await value.read(cap + 1)
            if len(upload) > cap:
                raise RequestTooLarge(f"The file exceeds the upload limit of {cap} bytes.")
            if not upload:
                raise InvalidRequest("The file is empty.", param="file")
        else:
            fields.setdefault(name, []).append(value)
    return coerce(fields), upload


async def _decode(request: Request, state: GatewayState) -> TranscriptionRequest:
    declared = request.headers.get("content-type", "").lower()
    codec = state.transcription_codec
    if declared.startswith("multipart/form-data"):
        body, upload = await _multipart(request, state.intake.cap)
        return codec.decode(body, state.catalog, multipart=True, upload=upload)
    require_json(request)
    return codec.decode(parse_json(await request.body()), state.catalog)


async def _with_file(state: GatewayState, transcription: TranscriptionRequest, account_id: str) -> TranscriptionRequest:
    if transcription.path is not None:
        data, _ = await stored_file(state.files, account_id, transcription.path, int(state.clock.now()), "file", _KINDS)
        return state.transcription_codec.with_audio(transcription, data)
    if transcription.audio is not None:
        found = state.intake.content_type(transcription.audio, None)
        if found.split("/", 1)[0] not in _KINDS:
            raise InvalidRequest(f"Transcriptions take audio and video files, not {found}.",
                                 code="unsupported_file_type", param="file")
    return transcription


async def create_transcription(request: Request) -> Response:
    state = state_of(request.scope)
    maybe_fail(request)
    transcription = await _decode(request, state)
    record_usage(request.scope, model=transcription.model.id)
    adapter = state.transcribers.get(transcription.model.upstream_family)
    if adapter is None:
        raise ModelUnavailable(f"The model '{transcription.model.id}' is not available on this deployment.")
    account_id = account_of(request.scope)
    transcription = await _with_file(state, transcription, account_id)
    await admit(request.scope)  # no estimate: the duration is known only once decoded upstream (D-185)
    record = await state.jobs.submit(account_id, JOB_TYPE, transcription.model.id, _work(state, adapter, transcription),
                               params=transcription.params(), hold=take_hold(request.scope))
    return accepted(request, record)


def resumer(state: GatewayState) -> Resume:
    """How a restarted gateway continues a transcription job: poll its recorded upstream job."""

    def resume(record: JobRecord) -> Work | None:
        transcription = state.transcription_codec.restore(record.params, state.catalog)
        adapter = state.transcribers.get(transcription.model.upstream_family) if transcription else None
        if transcription is None or adapter is None or record.upstream_ref is None:
            return None
        return _work(state, adapter, transcription, record.upstream_ref)

    return resume
