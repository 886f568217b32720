"""``POST /v1/files/upload`` (D-16, D-81, D-82): the stored file's shape, content types judged by the
bytes (a spoofed or unaccepted type refused), the size cap, a missing part, no key, no credits needed;
the uploaded ``bunny://`` path in a chat image part, of the account and of another (D-83), and as a video's
``image`` or a transcription's ``file`` of another account (D-133); with ``--clock-url`` (D-131), the path no
longer resolving once the upload's 30 days are over and the sweeper ran.

The files are built here (a 1x1 PNG, 0.1 s of WAV silence, a tiny PDF); the cap is the contract's
``x-empiriolabs-limits.upload_max_bytes``.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import httpx
import pytest

from suites.checks import CheckFailure, errors, expect, fail, holds
from suites.checks import files as checks
from suites.checks import media as media_checks
from suites.client import ApiClient
from suites.clock import TestClock
from suites.contract import Contract
from suites.discovery import Discovery
from suites.drivers import DRIVERS
from suites.plugin import Target
from suites.selection import choose_per_provider
from suites.upstreams import forwarded, not_forwarded

UPLOAD = "/v1/files/upload"
LARGEST_CAP_SENT = 64 * 1024 * 1024
"""A documented cap above this is not probed (the upload would be too slow to be worth it)."""


def _upload(api: ApiClient, data: bytes, content_type: str, *, name: str = "sample.bin",
            key: str | None = None, **kwargs: Any) -> httpx.Response:
    return api.post(UPLOAD, files={"file": (name, data, content_type)}, data={"purpose": "conformance"},
                    key=key, **kwargs)


def _stored(response: httpx.Response, contract: Contract, rule: str) -> dict[str, Any]:
    expect(rule, response.status_code == 200, "200 with the stored file", f"{response.status_code}: {response.text[:300]}")
    body: dict[str, Any] = response.json()
    problems = contract.schema_errors("#/components/schemas/FileUploadResponse", body)
    holds(rule, not problems, f"not a FileUploadResponse: {problems[:3]} in {body!r}")
    return body


def _refused(response: httpx.Response, contract: Contract, rule: str, what: str) -> None:
    try:
        errors.openai_error(response, contract, status=400, code="unsupported_file_type", type="invalid_request_error")
    except CheckFailure as failure:
        raise CheckFailure(rule, f"{what}: {failure}") from None


@pytest.mark.rule(checks.UPLOADED)
@pytest.mark.parametrize(("data", "content_type", "name"), [
    (checks.PNG, "image/png", "pixel.png"), (checks.WAV, "audio/wav", "silence.wav"),
], ids=["png", "wav"])
def test_upload_answers_the_stored_file(api: ApiClient, contract: Contract, data: bytes, content_type: str,
                                        name: str) -> None:
    body = _stored(_upload(api, data, content_type, name=name), contract, checks.UPLOADED)
    expect(checks.UPLOADED, str(body["path"]).startswith("bunny://"), "a bunny:// path", body["path"])
    expect(checks.UPLOADED, body["bytes"] == len(data), f"bytes = {len(data)}", body["bytes"])
    expect(checks.UPLOADED, body["content_type"] == content_type, content_type, body["content_type"])
    expect(checks.UPLOADED, body["filename"] == name, name, body["filename"])
    again = _stored(_upload(api, data, content_type, name=name), contract, checks.UPLOADED)
    holds(checks.UPLOADED, again["id"] != body["id"] and again["path"] != body["path"],
          f"two uploads got the same id or path: {body['id']} {body['path']}")


@pytest.mark.rule(checks.SNIFFED)
@pytest.mark.parametrize(("data", "found"), [(checks.PNG, "image/png"), (checks.WAV, "audio/wav")],
                         ids=["png", "wav"])
def test_content_type_is_the_bytes_type(api: ApiClient, contract: Contract, data: bytes, found: str) -> None:
    """A file declared only as ``application/octet-stream`` is stored as what its bytes are."""
    body = _stored(_upload(api, data, "application/octet-stream", name="blob"), contract, checks.SNIFFED)
    expect(checks.SNIFFED, body["content_type"] == found, found, body["content_type"])


@pytest.mark.rule(checks.SPOOFED)
@pytest.mark.parametrize(("data", "claimed"), [
    (checks.PNG, "audio/mpeg"), (b"plain text, not a picture\n" * 4, "image/png"), (checks.WAV, "image/png"),
], ids=["png-as-audio", "text-as-png", "wav-as-png"])
def test_a_spoofed_content_type_is_400(api: ApiClient, contract: Contract, data: bytes, claimed: str) -> None:
    _refused(_upload(api, data, claimed, name="spoofed"), contract, checks.SPOOFED, f"bytes declared {claimed}")


@pytest.mark.rule(checks.UNACCEPTED)
def test_a_pdf_is_not_accepted(api: ApiClient, contract: Contract) -> None:
    _refused(_upload(api, checks.PDF, "application/pdf", name="doc.pdf"), contract, checks.UNACCEPTED, "a PDF")


@pytest.mark.rule(checks.CAP)
def test_a_file_over_the_cap_is_413(api: ApiClient, contract: Contract) -> None:
    cap = contract.spec.get("x-empiriolabs-limits", {}).get("upload_max_bytes")
    if not isinstance(cap, int):
        pytest.skip("the contract states no upload_max_bytes")
    if cap > LARGEST_CAP_SENT:
        pytest.skip(f"the upload cap ({cap} bytes) is over {LARGEST_CAP_SENT} bytes: not probed")
    data = checks.PNG + secrets.token_bytes(cap + 1 - len(checks.PNG))
    response = _upload(api, data, "image/png", name="big.png")
    try:
        errors.openai_error(response, contract, status=413, code="request_too_large", type="invalid_request_error")
    except CheckFailure as failure:
        raise CheckFailure(checks.CAP, f"a file of {cap + 1} bytes: {failure}") from None


@pytest.mark.rule(checks.MISSING)
def test_an_upload_without_a_file_is_400(api: ApiClient, contract: Contract) -> None:
    boundary = secrets.token_hex(8)
    content = (f"--{boundary}\r\ncontent-disposition: form-data; name=\"purpose\"\r\n\r\nconformance\r\n"
               f"--{boundary}--\r\n").encode()
    response = api.post(UPLOAD, content=content, headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    try:
        error = errors.openai_error(response, contract, status=400, code="missing_parameter")
    except CheckFailure as failure:
        raise CheckFailure(checks.MISSING, str(failure)) from None
    expect(checks.MISSING, error.get("param") == "file", "param 'file'", error.get("param"))


@pytest.mark.rule(checks.NEEDS_KEY)
def test_an_upload_needs_a_key(api: ApiClient, contract: Contract) -> None:
    response = _upload(api, checks.PNG, "image/png", name="pixel.png", auth="none")
    try:
        errors.openai_error(response, contract, status=401, type="authentication_error")
    except CheckFailure as failure:
        raise CheckFailure(checks.NEEDS_KEY, str(failure)) from None


@pytest.mark.rule(checks.FREE)
def test_uploads_need_no_credits(api: ApiClient, contract: Contract, target: Target) -> None:
    if target.zero_credit_key is None:
        pytest.skip("needs --zero-credit-key (a key of an account without credits)")
    _stored(_upload(api, checks.PNG, "image/png", name="pixel.png", key=target.zero_credit_key), contract,
            checks.FREE)


def _image_chat(api: ApiClient, discovery: Discovery, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(a chat model taking images, a chat request with an image part at ``path``)."""
    chat = DRIVERS["chat"]
    pool = [m for m in chat.models(discovery) if "image" in (m.get("input_modalities") or ())]
    model = choose_per_provider(pool, lambda m: chat.served(api, m), endpoint=chat.endpoint,
                                what="chat model taking image input")[0]
    body = chat.body(model, "Describe the picture in one sentence.", max_tokens=32)
    body["messages"][-1]["content"] = [{"type": "text", "text": "Describe the picture in one sentence."},
                                       {"type": "image_url", "image_url": {"url": path}}]
    return model, body


@pytest.mark.rule(checks.RESOLVED)
def test_an_uploaded_path_is_taken_in_chat(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    path = _stored(_upload(api, checks.PNG, "image/png", name="pixel.png"), contract, checks.RESOLVED)["path"]
    model, body = _image_chat(api, discovery, str(path))
    response = api.post(DRIVERS["chat"].endpoint, json=body)
    expect(checks.RESOLVED, response.status_code == 200, f"200 from {model['id']} with the uploaded image",
           f"{response.status_code}: {response.text[:300]}")
    entries = forwarded(response)
    if entries is not None:
        try:
            media_checks.part_arrived(entries, "image", "image/png", f"{model['id']} uploaded {path}")
        except CheckFailure as failure:
            raise CheckFailure(checks.RESOLVED, str(failure)) from None


@pytest.mark.rule(checks.FOREIGN)
def test_another_accounts_path_is_refused(api: ApiClient, contract: Contract, discovery: Discovery,
                                          target: Target) -> None:
    if target.other_account_key is None:
        pytest.skip("needs --other-account-key (a key of another account)")
    path = _stored(_upload(api, checks.PNG, "image/png", name="pixel.png"), contract, checks.FOREIGN)["path"]
    _, body = _image_chat(api, discovery, str(path))
    response = api.post(DRIVERS["chat"].endpoint, json=body, key=target.other_account_key)
    try:
        error = errors.openai_error(response, contract, status=400, type="invalid_request_error")
    except CheckFailure as failure:
        raise CheckFailure(checks.FOREIGN, f"another account's {path}: {failure}") from None
    where = f"messages[{len(body['messages']) - 1}].content[1]"
    expect(checks.FOREIGN, error.get("param") == where, f"param {where}", error.get("param"))
    not_forwarded(response, "another account's bunny:// path")


@pytest.mark.rule(checks.SWEPT)
def test_an_upload_is_swept_after_thirty_days(api: ApiClient, contract: Contract, discovery: Discovery,
                                              clock: TestClock) -> None:
    retention = contract.spec.get("x-empiriolabs-limits", {}).get("media_object_retention_seconds")
    if not isinstance(retention, int):
        pytest.skip("the contract states no media_object_retention_seconds")
    stored = _stored(_upload(api, checks.PNG, "image/png", name="pixel.png"), contract, checks.SWEPT)
    expires = stored.get("expires_at")
    holds(checks.SWEPT, expires in (None, stored["created_at"] + retention),
          f"expires_at {expires} is not created_at {stored['created_at']} + {retention}")
    model, body = _image_chat(api, discovery, str(stored["path"]))
    before = api.post(DRIVERS["chat"].endpoint, json=body)
    expect(checks.SWEPT, before.status_code == 200, f"200 from {model['id']} with the fresh upload",
           f"{before.status_code}: {before.text[:300]}")
    clock.advance_to(int(expires or stored["created_at"] + retention) + 1)
    clock.sweep()
    after = api.post(DRIVERS["chat"].endpoint, json=body)
    where = f"messages[{len(body['messages']) - 1}].content[1]"
    try:
        error = errors.openai_error(after, contract, status=400, type="invalid_request_error")
    except CheckFailure as failure:
        fail(checks.SWEPT, f"{stored['path']} 30 days after its upload: {failure}")
        return
    expect(checks.SWEPT, error.get("param") == where, f"param {where}", error.get("param"))
    not_forwarded(after, "a bunny:// path of a swept upload")


_MEDIA_INPUTS: dict[str, tuple[str, str, bytes, str, dict[str, Any]]] = {
    "video-image": ("/v1/videos/generations", "image", checks.PNG, "image/png", {"prompt": "the picture, moving"}),
    "transcription-file": ("/v1/audio/transcriptions", "file", checks.WAV, "audio/wav", {}),
}
"""Per case: the endpoint, the parameter taking a ``bunny://`` path, the file uploaded, its type, the rest of
the body."""


@pytest.mark.rule(checks.FOREIGN_INPUT)
@pytest.mark.parametrize("case", sorted(_MEDIA_INPUTS))
def test_another_accounts_path_is_refused_on_media_inputs(api: ApiClient, contract: Contract, discovery: Discovery,
                                                          target: Target, other_account_key: str, case: str) -> None:
    endpoint, param, data, content_type, rest = _MEDIA_INPUTS[case]
    models = discovery.serving(endpoint)
    if not models:
        pytest.skip(discovery.lacks_field(f"available model serving {endpoint}", "endpoints"))
    path = _stored(_upload(api, data, content_type, name=f"input.{content_type.split('/')[1]}"), contract,
                   checks.FOREIGN_INPUT)["path"]
    body = {"model": models[0]["id"], **rest, param: path}
    foreign = api.post(endpoint, json=body, key=other_account_key)
    try:
        error = errors.openai_error(foreign, contract, status=400, type="invalid_request_error")
    except CheckFailure as failure:
        raise CheckFailure(checks.FOREIGN_INPUT, f"another account's {path} as {param}: {failure}") from None
    expect(checks.FOREIGN_INPUT, error.get("param") == param, f"param {param}", error.get("param"))
    not_forwarded(foreign, f"another account's bunny:// path as {param}")
    own = api.post(endpoint, json=body)
    expect(checks.FOREIGN_INPUT, own.status_code == 202, f"202 for the uploader's own {param}",
           f"{own.status_code}: {own.text[:300]}")
    _settled(api, str(own.json()["job_id"]), target)


def _settled(api: ApiClient, job_id: str, target: Target) -> None:
    """Wait for the job to end, so its upstream calls are not counted against a later rejection."""
    interval, deadline = (0.05 if target.mock_upstreams else 2.0), time.monotonic() + 60
    while time.monotonic() < deadline:
        polled = api.get(f"/v1/jobs/{job_id}")
        if polled.status_code != 200 or polled.json().get("status") in ("completed", "failed"):
            return
        time.sleep(interval)
