"""Property-based fuzzing of the implemented operations with Schemathesis, positive and negative.

Requests go through the suites' client, so every response is also held to the shared contract and
counted for coverage; Schemathesis adds its own checks (server errors, status and content-type
conformance, negative data rejected, positive data accepted, auth not ignored). Examples per
operation are bounded by ``EMPIRIO_FUZZ_EXAMPLES`` (default 30).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from suites import SPEC_PATH
from suites.client import ApiClient
from suites.plugin import Target

IMPLEMENTED = ("listModels", "retrieveModel", "createEmbedding", "createSearch")
"""operationIds fuzzed; later issues extend this as operations land."""

MAX_EXAMPLES = int(os.environ.get("EMPIRIO_FUZZ_EXAMPLES", "30"))


@pytest.fixture(scope="session")
def api_schema(target: Target) -> Any:
    loaded = schemathesis.openapi.from_path(str(SPEC_PATH))
    loaded.config.update(base_url=target.base_url, headers={"Authorization": f"Bearer {target.api_key}"})
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES, with_security_parameters=False
    )
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema").include(operation_id=list(IMPLEMENTED))


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.rule("responses_match_contract", "not_a_server_error")
def test_fuzz(case: Any, api: ApiClient, target: Target) -> None:
    kwargs = case.as_transport_kwargs(base_url=target.base_url, headers={"Authorization": f"Bearer {target.api_key}"})
    body = kwargs.pop("data", None)
    response = api.request(
        kwargs.pop("method"),
        kwargs.pop("url"),
        auth="none",
        headers={k: str(v) for k, v in (kwargs.pop("headers", None) or {}).items()},
        params=kwargs.pop("params", None),
        json=kwargs.pop("json", None),
        content=body if isinstance(body, (bytes, str)) else None,
    )
    case.validate_response(response, headers={"Authorization": f"Bearer {target.api_key}"})
