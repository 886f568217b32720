"""``GET /v1/media/{object_id}/{filename}`` (D-90): a generated object by its signed URL. The signature is
the credential (no API key, so the URL works in a browser or an ``<img>``); a missing, altered or expired
one is 403, an object past its 30 days 404 ``not_found``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import NotFound
from gateway.routes.testmode import maybe_fail
from gateway.state import state_of

__all__ = ["get_media"]


async def get_media(request: Request) -> Response:
    maybe_fail(request)
    state = state_of(request.scope)
    object_id, filename = request.path_params["object_id"], request.path_params["filename"]
    now = int(state.clock.now())
    state.media.signer.check(object_id, filename, request.query_params.get("expires"),
                             request.query_params.get("signature"), now)
    found = state.media.store.get(object_id, now)
    if found is None or found[0].filename != filename:
        raise NotFound("The media object does not exist or has been deleted.")
    record, data = found
    return Response(data, media_type=record.content_type,
                    headers={"cache-control": "private, max-age=3600", "x-content-type-options": "nosniff"})
