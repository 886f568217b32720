"""``POST /v1/files/upload`` (D-16, D-81, D-82): sniffed content types, the cap, the response shape,
per-account storage; the sniffing table on its own."""

from __future__ import annotations

import base64
import dataclasses
import json
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.catalog import load_catalog
from gateway.config import Settings, load_settings
from gateway.errors import InvalidRequest
from gateway.files.resolve import resolve_files
from gateway.files.sniff import claim_agrees, sniff
from gateway.formats.openai_chat.decode import decode_chat
from gateway.ir import ChatRequest
from gateway.security import digest, new_key
from gateway.store.files import StoredFile
from gateway.store.sqlite_files import SqliteFileStore
from tests.blocking import blocking, run

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
WAV = b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + b"\x00" * 28
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
CAP = 4096


@pytest.fixture()
def gateway(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    settings = dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db", max_upload_bytes=CAP)
    app = create_app(settings)
    store = blocking(app.state.gateway.store)
    keys = []
    for name, balance in (("acme", 10**12), ("broke", 0)):
        key = new_key()
        store.add_key(store.create_account(name, balance).id, digest(key, store.pepper()), "k")
        keys.append({"authorization": f"Bearer {key}"})
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, keys[0], keys[1]


def _upload(client: TestClient, auth: dict[str, str], data: bytes, content_type: str | None = None,
            name: str = "a.png") -> tuple[int, dict[str, object]]:
    part = (name, data, content_type) if content_type else (name, data)
    response = client.post("/v1/files/upload", files={"file": part}, data={"purpose": "test"}, headers=auth)
    return response.status_code, response.json()


@pytest.mark.parametrize(("data", "claimed", "found"), [
    (PNG, "image/png", "image/png"), (WAV, "audio/wav", "audio/wav"), (WAV, "audio/x-wav", "audio/wav"),
    (PNG, "application/octet-stream", "image/png"), (PNG, None, "image/png"),
])
def test_an_upload_answers_the_stored_file(gateway: tuple[TestClient, dict[str, str], dict[str, str]],
                                           data: bytes, claimed: str | None, found: str) -> None:
    client, auth, _ = gateway
    status, body = _upload(client, auth, data, claimed, "my photo.png")
    assert status == 200, body
    assert body["object"] == "file" and body["content_type"] == found and body["bytes"] == len(data)
    assert str(body["id"]).startswith("file_") and body["filename"] == "my photo.png"
    assert str(body["path"]).startswith("bunny://") and " " not in str(body["path"])
    state = client.app.state.gateway  # type: ignore[attr-defined]
    owner = next(a for a in blocking(state.store).list_accounts() if a.name == "acme")
    assert blocking(state.files).find(owner.id, body["path"], int(body["created_at"]) + 1).content_type == found


@pytest.mark.parametrize(("data", "claimed"), [
    (PNG, "audio/mpeg"), (b"just some text", "image/png"), (PDF, "application/pdf"), (WAV, "image/png"),
])
def test_a_spoofed_or_unaccepted_type_is_400(gateway: tuple[TestClient, dict[str, str], dict[str, str]],
                                             data: bytes, claimed: str) -> None:
    client, auth, _ = gateway
    status, body = _upload(client, auth, data, claimed)
    assert status == 400 and body["error"]["code"] == "unsupported_file_type", body  # type: ignore[index]


def test_the_cap_is_413_in_the_envelope(gateway: tuple[TestClient, dict[str, str], dict[str, str]]) -> None:
    client, auth, _ = gateway
    assert _upload(client, auth, PNG + b"\x00" * (CAP - len(PNG)), "image/png")[0] == 200
    status, body = _upload(client, auth, PNG + b"\x00" * (CAP + 1 - len(PNG)), "image/png")
    assert status == 413 and body["error"]["code"] == "request_too_large", body  # type: ignore[index]
    status, body = _upload(client, auth, PNG + b"\x00" * (CAP * 40), "image/png")
    assert status == 413, body


def test_missing_or_malformed_parts_are_400(gateway: tuple[TestClient, dict[str, str], dict[str, str]]) -> None:
    client, auth, _ = gateway
    response = client.post("/v1/files/upload", data={"purpose": "x"}, files={"other": ("a.png", PNG)}, headers=auth)
    assert response.status_code == 400 and response.json()["error"]["code"] == "missing_parameter"
    response = client.post("/v1/files/upload", json={"file": "x"}, headers=auth)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_multipart"
    response = client.post("/v1/files/upload", content=b"--x\r\nnonsense",
                           headers={**auth, "content-type": "multipart/form-data; boundary=x"})
    assert response.status_code == 400, response.text
    assert _upload(client, auth, b"", "image/png")[0] == 400


def test_uploads_are_free_and_need_a_key(gateway: tuple[TestClient, dict[str, str], dict[str, str]]) -> None:
    client, _, broke = gateway
    assert _upload(client, broke, PNG, "image/png")[0] == 200
    assert _upload(client, {}, PNG, "image/png")[0] == 401


def test_files_belong_to_their_account(tmp_path: Path) -> None:
    store = blocking(SqliteFileStore(tmp_path / "f.db"))
    record = StoredFile("file_x", "acct_a", "bunny://uploads/file_x/a.png", "a.png", "image/png", 3, None, 100, 200)
    store.put(record, b"abc")
    assert store.find("acct_a", record.path, 150) == record and store.find("acct_a", "file_x", 150) == record
    assert store.find("acct_b", record.path, 150) is None and store.content("acct_b", "file_x", 150) is None
    assert store.content("acct_a", "file_x", 150) == b"abc"
    assert store.find("acct_a", "file_x", 200) is None
    assert store.purge(200) == 1


@pytest.mark.parametrize(("data", "found"), [
    (PNG, "image/png"), (b"\xff\xd8\xff\xe0", "image/jpeg"), (b"GIF89a..", "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"), (WAV, "audio/wav"), (b"ID3\x04", "audio/mpeg"),
    (b"\xff\xfb\x90\x00", "audio/mpeg"), (b"OggS\x00", "audio/ogg"), (b"fLaC", "audio/flac"),
    (b"\x00\x00\x00\x18ftypmp42", "video/mp4"), (b"\x00\x00\x00\x18ftypM4A ", "audio/mp4"),
    (b"\x00\x00\x00\x14ftypqt  ", "video/quicktime"), (b"\x1a\x45\xdf\xa3\x9f\x42\x82\x84webm", "video/webm"),
    (PDF, "application/pdf"), (b"hello", None), (b"\xff\xff\xff", None), (b"", None),
])
def test_sniffing_table(data: bytes, found: str | None) -> None:
    assert sniff(data) == found


def test_claims_agree_by_alias_only() -> None:
    assert claim_agrees("image/jpeg", "image/jpg") and claim_agrees("audio/mpeg", "audio/mp3; x=1")
    assert claim_agrees("video/mp4", "audio/mp4") and claim_agrees("image/png", None)
    assert not claim_agrees("image/png", "image/jpeg") and not claim_agrees("image/png", "audio/mpeg")


def test_the_cap_is_configurable() -> None:
    assert load_settings(env={}).max_upload_bytes == 25 * 1024 * 1024
    assert load_settings(env={"EMPIRIO_MAX_UPLOAD_BYTES": "1000"}).max_upload_bytes == 1000


def _chat_request(model: str, part: dict[str, object]) -> ChatRequest:
    body = {"model": model, "messages": [{"role": "user", "content": [{"type": "text", "text": "Look"}, part]}]}
    return decode_chat(json.dumps(body).encode(), load_catalog(Settings().catalog_path))


def test_stored_files_resolve_for_their_account_only(tmp_path: Path) -> None:
    """D-83: a bunny:// path or file id of the account becomes inline data of the stored type; another
    account's, an unknown one, a file of another kind or one the family cannot carry is a 400 naming the part."""
    store = blocking(SqliteFileStore(tmp_path / "f.db"))
    png = StoredFile("file_p", "acct_a", "bunny://uploads/file_p/a.png", "a.png", "image/png", len(PNG), None, 100, 900)
    wav = StoredFile("file_w", "acct_a", "bunny://uploads/file_w/a.wav", "a.wav", "audio/wav", len(WAV), None, 100, 900)
    store.put(png, PNG)
    store.put(wav, WAV)
    image = {"type": "image_url", "image_url": {"url": png.path}}
    request = _chat_request("qwen3-5-omni-flash", image)
    run(resolve_files(request, store.inner, "acct_a", 150))
    part = request.messages[0].media[0]
    assert (part.source, part.media_type, base64.b64decode(part.value)) == ("data", "image/png", PNG)
    for account, url, model, code in (("acct_b", png.path, "qwen3-5-omni-flash", "invalid_parameter"),
                                      ("acct_a", "bunny://uploads/nope.png", "qwen3-5-omni-flash", "invalid_parameter"),
                                      ("acct_a", wav.path, "qwen3-5-omni-flash", "invalid_parameter")):
        with pytest.raises(InvalidRequest) as caught:
            run(resolve_files(_chat_request(model, {"type": "image_url", "image_url": {"url": url}}), store.inner, account,
                              150))
        assert (caught.value.code, caught.value.param) == (code, "messages[0].content[1]")
    bmp = StoredFile("file_b", "acct_a", "bunny://uploads/file_b/a.bmp", "a.bmp", "image/bmp", 2, None, 100, 900)
    store.put(bmp, b"BM")
    with pytest.raises(InvalidRequest) as caught:
        run(resolve_files(_chat_request("claude-haiku-4-5-20251001", {"type": "image_url", "image_url": {"url": bmp.path}}),
                          store.inner, "acct_a", 150))
    assert caught.value.code == "unsupported_file_type"


def test_a_json_transcription_is_held_to_the_json_limit(tmp_path: Path) -> None:
    """D-137: the upload cap covers a multipart file part; a JSON body on the same path is held to
    ``max_body_bytes`` (it was let through to the upload cap and answered 202)."""
    settings = dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db", max_upload_bytes=CAP * 4,
                                   max_body_bytes=CAP)
    app = create_app(settings)
    store = blocking(app.state.gateway.store)
    key = new_key()
    store.add_key(store.create_account("acme", 10**12).id, digest(key, store.pepper()), "k")
    body = json.dumps({"model": "whisper-1", "audio_url": "https://example.com/a.wav"}).encode()
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/v1/audio/transcriptions", content=body + b" " * (CAP + 1 - len(body)),
                               headers={"authorization": f"Bearer {key}", "content-type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large", response.text
