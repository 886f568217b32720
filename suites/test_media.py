"""Hosted media (D-90): an image's signed URL serves its bytes with their content type, without an API key;
a tampered, stripped or altered URL is 403 in the OpenAI envelope."""

from __future__ import annotations

import base64

import httpx
import pytest

from suites.checks import expect, holds
from suites.client import ApiClient
from suites.discovery import Discovery
from suites.rules import register

SIGNED = "media_signed_url"
register(SIGNED, "decision:D-90",
         "a media URL serves its bytes and content type as signed; an altered or unsigned one is 403 permission_error")


def _tampered(url: str) -> list[str]:
    base, _, query = url.partition("?")
    signature = query.rsplit("signature=", 1)[1]
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return [f"{base}?{query.rsplit('signature=', 1)[0]}signature={flipped}", base,
            url.replace("image-1.png", "image-2.png")]


@pytest.mark.rule(SIGNED, "openai_error_envelope")
def test_signed_url_serves_and_refuses_tampering(api: ApiClient, discovery: Discovery) -> None:
    models = discovery.serving("/v1/images/generations")
    if not models:
        pytest.skip(discovery.lacks_field("available model serving /v1/images/generations", "endpoints"))
    response = api.post("/v1/images/generations", json={"model": models[0]["id"], "prompt": "a red kite",
                                                        "size": "128x128", "response_format": "b64_json"})
    expect(SIGNED, response.status_code == 200, "200", f"{response.status_code}: {response.text[:300]}")
    item = response.json()["data"][0]
    hosted = httpx.get(item["url"], timeout=30)
    expect(SIGNED, hosted.status_code == 200, "200 for the signed URL", hosted.status_code)
    holds(SIGNED, hosted.headers.get("content-type", "").startswith("image/png"), "content-type image/png")
    holds(SIGNED, hosted.content == base64.b64decode(item["b64_json"]), "the URL serves the image's bytes")
    for url in _tampered(item["url"]):
        refused = httpx.get(url, timeout=30)
        expect(SIGNED, refused.status_code == 403, f"403 for {url[-60:]}", refused.status_code)
        error = refused.json().get("error") or {}
        holds(SIGNED, error.get("type") == "permission_error", f"permission_error, got {error.get('type')!r}")
