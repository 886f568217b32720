"""Hosted media (D-90, D-111): an image's signed URL serves its bytes with their content type, without an API
key; a tampered, stripped or altered URL is 403 in the OpenAI envelope. With ``--clock-url`` (D-131) the
deployment's clock is moved: the URL serves until its 7-day expiry, then is 403 ``url_expired``; the object is
deleted by the sweeper after 30 days, then even its signed URL is 404."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from suites.checks import CheckFailure, errors, expect, fail, holds
from suites.client import ApiClient
from suites.clock import TestClock
from suites.contract import Contract
from suites.discovery import Discovery
from suites.rules import register, register_all

SIGNED = "media_signed_url"
register(SIGNED, "decision:D-90",
         "a media URL serves its bytes and content type as signed; an altered or unsigned one is 403 permission_error")
VALID, EXPIRED, EXPIRED_403 = "media_url_valid_seven_days", "media_url_expires", "media_url_expired_403"
DELETED, DELETED_404 = "media_deleted_after_thirty_days", "media_deleted_404"
register_all("docs:api-reference-overview#generated-media-retention", {
    VALID: "a hosted URL is signed with a 7-day expiry and serves its object until then",
    EXPIRED: "a hosted URL past its 7-day expiry no longer serves its object",
    DELETED: "hosted objects are deleted after 30 days: not served any more",
})
register(EXPIRED_403, "decision:D-90", "a media URL past its expires is 403 permission_error url_expired")
register(DELETED_404, "decision:D-111",
         "a correctly signed URL of a deleted object is 404 not_found, even past its expiry (signature, then "
         "existence, then expiry)")


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


def _limit(contract: Contract, name: str) -> int:
    seconds = contract.spec.get("x-empiriolabs-limits", {}).get(name)
    if not isinstance(seconds, int):
        pytest.skip(f"the contract states no {name}")
    return seconds


def _hosted(api: ApiClient, discovery: Discovery, rule: str) -> tuple[str, bytes]:
    """A freshly hosted image's URL and the bytes it serves."""
    models = discovery.serving("/v1/images/generations")
    if not models:
        pytest.skip(discovery.lacks_field("available model serving /v1/images/generations", "endpoints"))
    response = api.post("/v1/images/generations", json={"model": models[0]["id"], "prompt": "a blue heron",
                                                        "size": "64x64"})
    expect(rule, response.status_code == 200, "200", f"{response.status_code}: {response.text[:300]}")
    url = str(response.json()["data"][0]["url"])
    served = httpx.get(url, timeout=30)
    expect(rule, served.status_code == 200, "200 for the fresh signed URL", served.status_code)
    return url, served.content


def _expires(url: str, rule: str) -> int:
    found = parse_qs(urlsplit(url).query).get("expires") or [""]
    holds(rule, found[0].isdigit(), f"the URL carries no expires: {url[-80:]}")
    return int(found[0]) if found[0].isdigit() else 0


def _refused(response: httpx.Response, contract: Contract, rule: str, status: int, code: str,
             what: str) -> dict[str, Any]:
    """The OpenAI error of ``response`` when it is ``status``/``code``; else rule ``rule`` fails (a decision
    the profile does not apply is recorded instead, and the error is empty)."""
    try:
        return errors.openai_error(response, contract, status=status, code=code)
    except CheckFailure as failure:
        fail(rule, f"{what}: {failure}")
        return {}


@pytest.mark.rule(VALID, EXPIRED, EXPIRED_403)
def test_a_signed_url_serves_for_seven_days_then_403(api: ApiClient, contract: Contract, discovery: Discovery,
                                                     clock: TestClock) -> None:
    lifetime = _limit(contract, "media_url_expiry_seconds")
    issued = clock.now()
    url, data = _hosted(api, discovery, VALID)
    expires = _expires(url, VALID)
    holds(VALID, issued + lifetime - 5 <= expires <= clock.now() + lifetime + 5,
          f"expires {expires} is not {lifetime} s after the URL was issued ({int(issued)})")
    clock.advance_to(expires - 60)
    late = httpx.get(url, timeout=30)
    expect(VALID, late.status_code == 200 and late.content == data, "the object a minute before the URL expires",
           f"{late.status_code}: {late.text[:200]}")
    clock.advance_to(expires + 1)
    expired = httpx.get(url, timeout=30)
    expect(EXPIRED, expired.status_code != 200, "no object past the URL's expiry", expired.status_code)
    error = _refused(expired, contract, EXPIRED_403, 403, "url_expired", "a URL past its expiry")
    expect(EXPIRED_403, error.get("type") == "permission_error", "permission_error", error.get("type"))


@pytest.mark.rule(DELETED, DELETED_404)
def test_an_object_is_deleted_after_thirty_days(api: ApiClient, contract: Contract, discovery: Discovery,
                                                clock: TestClock) -> None:
    retention = _limit(contract, "media_object_retention_seconds")
    made = clock.now()
    url, _ = _hosted(api, discovery, DELETED)
    clock.advance_to(made + retention + 60)
    clock.sweep()
    gone = httpx.get(url, timeout=30)
    expect(DELETED, gone.status_code != 200, "no object 30 days after it was made", gone.status_code)
    _refused(gone, contract, DELETED_404, 404, "not_found", "the signed URL of an object swept after 30 days")
