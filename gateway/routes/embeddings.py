"""``POST /v1/embeddings``: decode (spec + catalog) → admit → the family's adapter → encode → charge
(D-78 – D-80). A client that leaves before the upstream answers cancels the call and is not billed (D-76).
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import ModelUnavailable
from gateway.ir import Usage
from gateway.middleware.credits import charge
from gateway.middleware.gate import admit
from gateway.middleware.limits import spent
from gateway.routes.generate import CLIENT_CLOSED, require_json
from gateway.routes.metering import estimate_tokens, while_connected
from gateway.routes.testmode import maybe_fail
from gateway.state import state_of
from gateway.usage import record_usage

__all__ = ["create_embedding"]


async def create_embedding(request: Request) -> Response:
    state = state_of(request.scope)
    maybe_fail(request)
    require_json(request)
    embedding = state.embedding_codec.decode(await request.body(), state.catalog)
    record_usage(request.scope, model=embedding.model.id)
    adapter = state.embedders.get(embedding.model.upstream_family)
    if adapter is None:
        raise ModelUnavailable(f"The model '{embedding.model.id}' is not available on this deployment.")
    prompt = estimate_tokens(sum(len(text) for text in embedding.inputs))
    await admit(request.scope, prompt, embedding.cost(prompt))
    outcome = await while_connected(request.receive, adapter.embed(embedding))
    if outcome is None:
        return Response(status_code=CLIENT_CLOSED)
    result = outcome[0]
    charge(request.scope, embedding.cost(result.prompt_tokens))
    spent(request.scope, result.prompt_tokens)
    record_usage(request.scope, Usage(input_tokens=result.prompt_tokens))
    body = state.embedding_codec.encode(embedding, result)
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")
