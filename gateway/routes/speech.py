"""``POST /v1/audio/speech``: decode (spec + catalog) → admit → the family's adapter → the audio bytes →
charge (D-87, D-88). Usage and cost are reported in ``x-usage-*`` headers, the body being the audio itself.
A client that leaves before the upstream answers cancels the call and is not billed (D-76).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import ModelUnavailable
from gateway.ir import Usage
from gateway.middleware.credits import charge
from gateway.middleware.gate import admit
from gateway.money import billed
from gateway.routes.generate import CLIENT_CLOSED, require_json
from gateway.routes.metering import estimate_tokens, while_connected
from gateway.routes.testmode import maybe_fail
from gateway.state import state_of
from gateway.usage import record_usage

__all__ = ["create_speech"]


async def create_speech(request: Request) -> Response:
    state = state_of(request.scope)
    maybe_fail(request)
    require_json(request)
    speech = state.speech_codec.decode(await request.body(), state.catalog)
    record_usage(request.scope, model=speech.model.id)
    adapter = state.speakers.get(speech.model.upstream_family)
    if adapter is None:
        raise ModelUnavailable(f"The model '{speech.model.id}' is not available on this deployment.")
    await admit(request.scope, cost=speech.cost(estimate_tokens(len(speech.text)), 0))  # output unknown: the input's share
    outcome = await while_connected(request.receive, adapter.speak(speech))
    if outcome is None:
        return Response(status_code=CLIENT_CLOSED)
    result = outcome[0]
    cost = speech.cost(result.input_tokens, result.output_tokens)
    charge(request.scope, cost)
    record_usage(request.scope, Usage(input_tokens=result.input_tokens, output_tokens=result.output_tokens))
    headers = {"x-usage-input-tokens": str(result.input_tokens), "x-usage-output-tokens": str(result.output_tokens),
               "x-usage-cost": f"{billed(cost):f}"}
    return Response(result.audio, media_type=result.content_type, headers=headers)
