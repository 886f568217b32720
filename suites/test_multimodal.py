"""Multimodal input on every format (D-57 – D-59): image, audio, video and file parts — inline and by URL,
in each format's own shapes — reach a model whose ``input_modalities`` list their kind; a part the model
cannot take, a malformed part and a ``bunny://`` path that names no stored file are 400s in the format's
envelope naming the part (``messages[0].content[1]``, ``input[0].content[1]``), never sent upstream.

Models come from the deployment's catalog (``input_modalities``), one per provider, or from ``--model``
pins. Arrival is read from the mocks' acknowledgement in their request log (D-60): against a deployment
whose mocks' logs are unknown (no ``--mock-control``), those checks skip after the 200s are checked.
"""

from __future__ import annotations

import secrets
from typing import Any, cast

import openai
import pytest

from suites import media
from suites.checks import holds
from suites.checks import media as checks
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery, lacking
from suites.drivers import DRIVERS, Driver
from suites.selection import Failures, choose_per_provider
from suites.tools import WEATHER
from suites.upstreams import forwarded, not_forwarded

FORMATS = pytest.mark.parametrize("driver", [pytest.param(d, id=name) for name, d in DRIVERS.items()])
PROMPT = "Describe what you received in one sentence."
CASES = [pytest.param(DRIVERS[fmt], kind, source, id=f"{fmt}-{kind}-{source}")
         for fmt in DRIVERS for kind in media.KINDS for source in ("data", "url")
         if media.part(fmt, kind, source) is not None]


def _takes(model: dict[str, Any], kind: str) -> bool:
    return kind in (model.get("input_modalities") or ())


def _taking(driver: Driver, discovery: Discovery, api: ApiClient, kind: str) -> list[dict[str, Any]]:
    """One served model per provider whose input modalities list ``kind`` (skips when there is none)."""
    pool = [m for m in driver.models(discovery) if _takes(m, kind)]
    return choose_per_provider(pool, lambda m: driver.served(api, m), endpoint=driver.endpoint,
                               what=f"model taking {kind} input (input_modalities)")


def _request(driver: Driver, model: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    return media.with_parts(driver.name, driver.body(model, PROMPT, max_tokens=64), [part])


@pytest.mark.rule(checks.FORWARDED)
@pytest.mark.parametrize(("driver", "kind", "source"), CASES)
def test_media_reaches_the_model(api: ApiClient, discovery: Discovery, request: pytest.FixtureRequest, driver: Driver,
                                 kind: media.Kind, source: media.Source) -> None:
    """A ``kind`` part (inline sample data, or by URL) on each provider's model that takes ``kind``: a 200,
    and the upstream received a ``kind`` part of the media type sent. The example URLs name no real media,
    so the URL cases run against the mocks only (``--mock-upstreams``)."""
    if source == "url":
        request.getfixturevalue("mock_upstreams")
    part = media.part(driver.name, kind, source)
    if part is None:
        pytest.skip(f"{driver.endpoint} has no {kind} part by {source}")
    failures, unseen = Failures(), 0
    for model in _taking(driver, discovery, api, kind):
        label = f"{driver.endpoint} {model['id']} {kind} part ({source})"
        with failures.check(label):
            response = driver.create(api, _request(driver, model, part))
            holds(checks.FORWARDED, response.status_code == 200,
                         f"{label}: expected 200, got {response.status_code} {response.text[:300]!r}")
            entries = forwarded(response)
            if entries is None:
                unseen += 1
                continue
            checks.part_arrived(entries, kind, media.MEDIA_TYPES[kind] if source == "data" else None, label)
    failures.raise_any()
    if unseen:
        pytest.skip("the mocks' request logs are unknown (no --mock-control): arrival of the parts is not checked")


def _not_taking(driver: Driver, discovery: Discovery, api: ApiClient, kind: str) -> dict[str, Any] | None:
    """A served model that does not take ``kind``, preferring one that takes the most other kinds (a
    gateway that only asks "multimodal or not" then fails)."""
    pool = sorted((m for m in driver.models(discovery) if not _takes(m, kind)),
                  key=lambda m: (-len(m.get("input_modalities") or ()), m["id"]))
    return next((m for m in pool[:5] if driver.served(api, m)), None)


@pytest.mark.rule(checks.NOT_TAKEN, "rejected_by_gateway")
@FORMATS
def test_media_the_model_cannot_take_is_400(api: ApiClient, contract: Contract, discovery: Discovery,
                                            driver: Driver) -> None:
    """For each kind the format can carry: on a model whose input modalities lack it, a 400 naming the
    part, answered without calling an upstream."""
    failures, tried = Failures(), 0
    for kind in media.KINDS:
        part = media.part(driver.name, kind)
        model = _not_taking(driver, discovery, api, kind) if part is not None else None
        if part is None or model is None:
            continue
        tried += 1
        label = f"{driver.endpoint} {model['id']} ({', '.join(model.get('input_modalities') or ())}) {kind} part"
        with failures.check(label):
            response = driver.create(api, _request(driver, model, part))
            reply = driver.error(response, contract, status=400)
            checks.part_refused(checks.NOT_TAKEN, reply, media.where(driver.name), driver.envelope, label)
            not_forwarded(response, f"a {kind} part {model['id']} cannot take")
    if not tried:
        pytest.skip(lacking(f"{driver.endpoint} model lacking an input modality"))
    failures.raise_any()


def _bad_parts(fmt: str) -> dict[str, dict[str, Any] | None]:
    sample = media.SAMPLES["image"]
    return {
        "invalid-base64": media.part(fmt, "image", data="@@not*base64@@"),
        "wrong-media-type": media.part(fmt, "image", url=f"data:text/plain;base64,{sample}"),
        "unknown-scheme": media.part(fmt, "image", "url", url="ftp://example.com/cat.png"),
    }


@pytest.mark.rule(checks.MALFORMED, "rejected_by_gateway")
@FORMATS
def test_malformed_media_is_400(api: ApiClient, contract: Contract, discovery: Discovery, driver: Driver) -> None:
    """On a model that takes images: an image whose base64 does not decode, a data URL of another kind and
    a URL of no known scheme are each a 400 naming the part, answered without calling an upstream."""
    model = _taking(driver, discovery, api, "image")[0]
    failures = Failures()
    for case, part in _bad_parts(driver.name).items():
        if part is None:
            continue
        label = f"{driver.endpoint} {model['id']} {case}"
        with failures.check(label):
            response = driver.create(api, _request(driver, model, part))
            reply = driver.error(response, contract, status=400)
            checks.part_refused(checks.MALFORMED, reply, media.where(driver.name), driver.envelope, label)
            not_forwarded(response, f"a malformed image part ({case})")
    failures.raise_any()


def _tool_result_with(driver: Driver, model: dict[str, Any], image: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A tool round trip whose tool result carries ``image`` after its text, and where that image is."""
    body = driver.body(model, "What is the weather in Paris?", tools=[WEATHER], max_tokens=64)
    if driver.name == "messages":
        result = {"type": "tool_result", "tool_use_id": "toolu_media", "content": [{"type": "text", "text": "Sunny"}, image]}
        body["messages"] = [*body["messages"], {"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_media", "name": WEATHER.name, "input": {"location": "Paris"}}]},
            {"role": "user", "content": [result]}]
        return body, "messages[2].content[0].content[1]"
    body["input"] = [{"role": "user", "content": "What is the weather in Paris?"},
                     {"type": "function_call", "call_id": "call_media", "name": WEATHER.name,
                      "arguments": '{"location": "Paris"}'},
                     {"type": "function_call_output", "call_id": "call_media",
                      "output": [{"type": "input_text", "text": "Sunny"}, image]}]
    return body, "input[2].output[1]"


@pytest.mark.rule(checks.OUTSIDE_USER_TURN, "rejected_by_gateway")
@pytest.mark.parametrize("driver", [pytest.param(DRIVERS[n], id=n) for n in ("messages", "responses")])
def test_media_in_a_tool_result_is_400(api: ApiClient, contract: Contract, discovery: Discovery,
                                       driver: Driver) -> None:
    """An image inside a tool result (an Anthropic ``tool_result`` block, a Responses ``function_call_output``),
    on a model that takes images: a 400 naming it, never the tool's text alone passed on (D-57)."""
    model = _taking(driver, discovery, api, "image")[0]
    body, where = _tool_result_with(driver, model, media.part(driver.name, "image", "data") or {})
    response = driver.create(api, body)
    reply = driver.error(response, contract, status=400)
    checks.part_refused(checks.OUTSIDE_USER_TURN, reply, where, driver.envelope, f"{driver.endpoint} {model['id']}")
    not_forwarded(response, "an image inside a tool result")


@pytest.mark.rule(checks.UNRESOLVED, "rejected_by_gateway")
@FORMATS
def test_unknown_storage_path_is_400(api: ApiClient, contract: Contract, discovery: Discovery,
                                     driver: Driver) -> None:
    """An image by a ``bunny://`` path nobody uploaded, on a model that takes images: a 400 naming the part,
    never passed on for an upstream to fetch."""
    model = _taking(driver, discovery, api, "image")[0]
    path = f"bunny://uploads/{secrets.token_hex(8)}.png"
    part = media.part(driver.name, "image", "url", url=path) or {}
    response = driver.create(api, _request(driver, model, part))
    reply = driver.error(response, contract, status=400)
    checks.part_refused(checks.UNRESOLVED, reply, media.where(driver.name), driver.envelope,
                        f"{driver.endpoint} {model['id']} {path}")
    not_forwarded(response, "an image by a bunny:// path that names no stored file")


@pytest.mark.rule(checks.FORWARDED)
@pytest.mark.parametrize("surface", ["chat", "responses"])
def test_sdk_media_parts(openai_sdk: openai.OpenAI, api: ApiClient, discovery: Discovery, surface: str) -> None:
    """The official ``openai`` SDK as a plain client: an image and (where the model takes it) an audio part
    in a user turn, on chat completions and on Responses, parse as the SDK's types and reach the model."""
    driver = DRIVERS[surface]
    model = next((m for m in _taking(driver, discovery, api, "image") if _takes(m, "audio")), None) \
        or _taking(driver, discovery, api, "image")[0]
    kinds: list[media.Kind] = ["image", "audio"] if _takes(model, "audio") else ["image"]
    parts = [p for p in (media.part(surface, k) for k in kinds) if p is not None]
    if surface == "chat":
        content = [{"type": "text", "text": PROMPT}, *parts]
        raw: Any = openai_sdk.chat.completions.with_raw_response.create(
            model=model["id"], max_completion_tokens=64, messages=cast(Any, [{"role": "user", "content": content}]))
        text = raw.parse().choices[0].message.content
    else:
        content = [{"type": "input_text", "text": PROMPT}, *parts]
        raw = openai_sdk.responses.with_raw_response.create(
            model=model["id"], max_output_tokens=64, input=cast(Any, [{"role": "user", "content": content}]))
        text = raw.parse().output_text
    label = f"openai SDK {driver.endpoint} {model['id']} {'+'.join(kinds)}"
    holds(checks.FORWARDED, bool(text), f"{label}: an empty answer")
    entries = forwarded(raw.http_response)
    if entries is None:
        pytest.skip("the mocks' request logs are unknown (no --mock-control): arrival of the parts is not checked")
    for kind in kinds:
        checks.part_arrived(entries, kind, media.MEDIA_TYPES[kind], label)
