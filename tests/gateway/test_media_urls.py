"""Signed media URLs and the media route (D-90, D-111), the sweeper on the injectable clock (D-91)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.config import load_settings
from gateway.store.media import MediaObject
from tests.blocking import blocking


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    settings = dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db",
                                   public_url="https://media.example.test/", test_mode=True)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, app.state.gateway


def _path(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_a_published_object_is_served_by_its_signed_url_only(served: tuple[TestClient, Any]) -> None:
    client, state = served
    url = blocking(state.media).publish("acct_1", b"\x89PNG\r\n\x1a\nrest", "image/png", "out 1.png")
    assert url.startswith("https://media.example.test/v1/media/med_")
    path, query = _path(url)
    good = client.get(path, params=query)
    assert good.status_code == 200 and good.content.startswith(b"\x89PNG") and good.headers["content-type"] == "image/png"
    tampered = dict(query, signature=query["signature"][:-2] + ("AA" if not query["signature"].endswith("AA") else "BB"))
    longer = dict(query, expires=str(int(query["expires"]) + 1))
    for params in (tampered, longer, {}, {"expires": query["expires"]}):
        refused = client.get(path, params=params)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "invalid_signature", params
    other_name = client.get(path.rsplit("/", 1)[0] + "/other.png", params=query)
    assert other_name.status_code == 403


def test_the_url_expires_after_seven_days_and_the_object_is_swept_after_thirty(served: tuple[TestClient, Any]) -> None:
    client, state = served
    path, query = _path(blocking(state.media).publish("acct_1", b"RIFF....WAVE", "audio/wav", "a.wav"))
    client.post("/__test__/clock", json={"advance": 7 * 86400 + 1})
    expired = client.get(path, params=query)
    assert expired.status_code == 403 and expired.json()["error"]["code"] == "url_expired"
    fresh_path, fresh = _path(state.media.url(blocking(state.media.store).get(path.split("/")[3], int(state.clock.now()))[0]))
    assert client.get(fresh_path, params=fresh).status_code == 200
    client.post("/__test__/clock", json={"advance": 23 * 86400})
    swept = client.post("/__test__/sweep").json()["deleted"]
    assert swept["media"] == 1
    renewed_path, renewed = _path(state.media.url(_record(path)))
    gone = client.get(renewed_path, params=renewed)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


def test_signature_then_existence_then_expiry(served: tuple[TestClient, Any]) -> None:
    """D-111: a swept object's own (long expired) URL is 404; an unsigned one is still 403."""
    client, state = served
    path, query = _path(blocking(state.media).publish("acct_1", b"RIFF....WAVE", "audio/wav", "a.wav"))
    client.post("/__test__/clock", json={"advance": 30 * 86400 + 1})
    client.post("/__test__/sweep")
    gone = client.get(path, params=query)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    unsigned = client.get(path, params={"expires": query["expires"]})
    assert unsigned.status_code == 403 and unsigned.json()["error"]["code"] == "invalid_signature"


def _record(path: str) -> MediaObject:
    """A record of the object at ``path``, to sign a fresh URL for it."""
    _, _, _, object_id, filename = path.split("/")
    return MediaObject(id=object_id, account_id="acct_1", filename=filename, content_type="audio/wav", bytes=12,
                       created_at=0, expires_at=0)


def test_the_clock_only_moves_forward(served: tuple[TestClient, Any]) -> None:
    client, _ = served
    assert client.post("/__test__/clock", json={"advance": -5}).status_code == 400
    before = client.get("/__test__/clock").json()["now"]
    assert client.post("/__test__/clock", json={"advance": 60}).json()["now"] >= before + 60
