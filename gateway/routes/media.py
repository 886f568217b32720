"""``GET /v1/media/{object_id}/{filename}`` (D-90, D-111): a generated object by its signed URL. The signature
is the credential (no API key, so the URL works in a browser or an ``<img>``). Checked in this order: a missing
or altered signature is 403 ``invalid_signature``; an object past its 30 days (swept or not yet) is 404
``not_found``; a URL past its ``expires`` is 403 ``url_expired``."""

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
    signer = state.media.signer
    expires = signer.verify(object_id, filename, request.query_params.get("expires"),
                            request.query_params.get("signature"))
    found = await state.media.store.get(object_id, now)
    if found is None or found[0].filename != filename:
        raise NotFound("The media object does not exist or has been deleted.")
    signer.unexpired(expires, now)
    record, data = found
    return Response(data, media_type=record.content_type,
                    headers={"cache-control": "private, max-age=3600", "x-content-type-options": "nosniff"})
