"""D-15 beyond the three text formats: a model the catalog lists with ``available: false`` is 404
``model_not_found`` on every generation endpoint that takes a JSON body naming a model (search,
embeddings, images, videos, speech), answered without calling an upstream. The text endpoints are
checked in every format by ``suites/test_all_formats.py::test_unavailable_model_is_404_in_the_format_envelope``;
Chat Completions is also listed here so that the same checks run against a catalog whose only unavailable model
is a text model (the reference's, since D-193) and are proven able to fail there.
"""

from __future__ import annotations

import pytest

from suites.checks import errors, formats
from suites.checks.chat import no_leaks
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
from suites.selection import Failures
from suites.upstreams import not_forwarded

BODIES: dict[str, dict[str, object]] = {
    "/v1/chat/completions": {"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 16},
    "/v1/search": {"query": "lighthouses of Brittany"},
    "/v1/embeddings": {"input": "a lighthouse"},
    "/v1/images/generations": {"prompt": "a lighthouse at dusk"},
    "/v1/videos/generations": {"prompt": "a lighthouse at dusk"},
    "/v1/audio/speech": {"input": "A lighthouse at dusk."},
}
"""The fields besides ``model`` each endpoint's request requires (``specs/openapi.yaml``)."""


@pytest.mark.rule("unavailable_model_404", "openai_error_envelope", "rejected_by_gateway", "no_upstream_leak")
@pytest.mark.parametrize("endpoint", list(BODIES))
def test_unavailable_model_is_404_on_every_endpoint(api: ApiClient, contract: Contract, discovery: Discovery,
                                                    endpoint: str) -> None:
    unavailable = sorted(m["id"] for m in discovery.models
                         if m.get("available") is False and endpoint in (m.get("endpoints") or ()))
    if not unavailable:
        pytest.skip(discovery.lacks_field(f"{endpoint} model with available: false", "available"))
    failures = Failures()
    for model_id in unavailable[:3]:
        with failures.check(model_id):
            response = api.post(endpoint, json={"model": model_id, **BODIES[endpoint]})
            formats.unavailable_model_not_found(response, "openai", model_id)
            errors.openai_error(response, contract, status=404, code="model_not_found")
            not_forwarded(response, f"a request for {model_id} (available: false)")
            no_leaks(response.content)
    failures.raise_any()
