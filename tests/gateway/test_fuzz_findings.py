"""Inputs Schemathesis found the reference mishandling, kept as regressions: each is a clear 4xx (or the
right ``allow`` header), never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from suites.launcher import Deployment


@pytest.fixture(scope="module")
def gateway(deployment: Deployment) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {deployment.api_key}"}
    with httpx.Client(base_url=deployment.base_url, headers=headers, timeout=10) as client:
        yield client


def test_a_document_content_source_with_non_block_items_is_400(gateway: httpx.Client) -> None:
    document = {"type": "document", "source": {"type": "content", "content": [None, None]}}
    body = {"model": "claude-haiku-4-5-20251001", "max_tokens": 16,
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Read"}, document]}]}
    answer = gateway.post("/v1/messages", json=body)
    assert answer.status_code == 400
    assert answer.json()["type"] == "error" and answer.json()["error"]["type"] == "invalid_request_error"


def test_a_non_ascii_media_signature_is_403(gateway: httpx.Client) -> None:
    answer = gateway.get("/v1/media/obj_x/a.png?expires=99999999999&signature=%C3%A9%ED%A0%80%FF")
    assert answer.status_code == 403


def test_405_allows_every_method_of_the_path(gateway: httpx.Client) -> None:
    answer = gateway.put("/v1/responses/resp_x")
    assert answer.status_code == 405
    assert {m.strip() for m in answer.headers["allow"].split(",")} >= {"GET", "DELETE"}
