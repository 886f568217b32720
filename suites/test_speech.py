"""``POST /v1/audio/speech`` (D-87, D-88) on the text-to-speech models the deployment lists: the answer is
audio of the declared content type that decodes (WAV read with :mod:`wave`), longer for longer text, priced
as the catalog says, and the documented refusals (unknown model, a chat model, an unoffered voice or format,
no credits) in the OpenAI envelope, never sent upstream. Models are found in ``GET /v1/models``
(``endpoints`` listing ``/v1/audio/speech``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import pytest

from suites import ledger
from suites.checks import errors, expect, holds, speech
from suites.checks.chat import no_leaks
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
from suites.plugin import Target
from suites.selection import Failures
from suites.upstreams import not_forwarded

ENDPOINT = "/v1/audio/speech"
TEXT = "Hello from EmpirioLabs."
LONG_TEXT = " ".join(["The keeper climbed the spiral stairs to light the lamp before the storm."] * 3)


def _models(discovery: Discovery) -> list[dict[str, Any]]:
    models = discovery.serving(ENDPOINT)
    if not models:
        pytest.skip(discovery.lacks_field("available model serving /v1/audio/speech", "endpoints"))
    return models


def _wav(api: ApiClient, model_id: str, text: str = TEXT, **extra: Any) -> tuple[bytes, Any]:
    response = api.post(ENDPOINT, json={"model": model_id, "input": text, "response_format": "wav", **extra})
    speech.content_type(response, "audio/wav")
    return response.content, response


@pytest.mark.rule(speech.AUDIO, "no_upstream_leak")
def test_speech_answer_is_decodable_audio(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in _models(discovery):
        with failures.check(model["id"]):
            audio, response = _wav(api, model["id"])
            speech.wav_frames(audio)
            no_leaks(response.headers)
    failures.raise_any()


@pytest.mark.rule(speech.EXAMPLE)
def test_documented_example_answers_audio(api: ApiClient, discovery: Discovery) -> None:
    if not any(m["id"] == "gemini-2-5-flash-tts" for m in _models(discovery)):
        pytest.skip(discovery.lacks_field("gemini-2-5-flash-tts serving /v1/audio/speech", "endpoints"))
    response = api.post(ENDPOINT, json={"model": "gemini-2-5-flash-tts", "input": TEXT})
    expect(speech.EXAMPLE, response.status_code == 200, "200", f"{response.status_code}: {response.text[:300]}")
    declared = response.headers.get("content-type", "")
    holds(speech.EXAMPLE, declared.startswith("audio/") and len(response.content) > 0,
          f"an audio answer, got content-type {declared!r} and {len(response.content)} bytes")


@pytest.mark.rule(speech.PCM)
def test_pcm_is_headerless_samples(api: ApiClient, discovery: Discovery) -> None:
    model = _models(discovery)[0]
    response = api.post(ENDPOINT, json={"model": model["id"], "input": TEXT, "response_format": "pcm"})
    speech.content_type(response, "audio/pcm", speech.PCM)
    size = len(response.content)
    holds(speech.PCM, size > 0 and size % 2 == 0 and not response.content.startswith(b"RIFF"),
          f"headerless PCM16: {size} bytes, starting {response.content[:4]!r}")


@pytest.mark.rule(speech.LONGER)
def test_longer_text_is_longer_audio(api: ApiClient, discovery: Discovery) -> None:
    model = _models(discovery)[0]
    short = speech.wav_frames(_wav(api, model["id"], "Hi.")[0], speech.LONGER)
    long = speech.wav_frames(_wav(api, model["id"], LONG_TEXT)[0], speech.LONGER)
    holds(speech.LONGER, long > short, f"{long} frames for {len(LONG_TEXT)} characters, {short} for 3")


@pytest.mark.rule("unknown_model_404", "openai_error_envelope", "rejected_by_gateway")
def test_unknown_model_is_404(api: ApiClient, contract: Contract) -> None:
    response = api.post(ENDPOINT, json={"model": "no-such-voice-model-zz", "input": TEXT})
    error = errors.openai_error(response, contract, status=404, code="model_not_found")
    holds("unknown_model_404", error.get("param") == "model", f"param should be model, got {error.get('param')!r}")
    not_forwarded(response, "a speech request for an unknown model")


@pytest.mark.rule("model_wrong_endpoint", "openai_error_envelope", "rejected_by_gateway")
def test_chat_model_on_speech_is_400(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    chat = [m for m in discovery.chat_models() if ENDPOINT not in (m.get("endpoints") or ())]
    if not chat:
        pytest.skip(discovery.lacks_field("chat model that does not serve /v1/audio/speech", "endpoints"))
    response = api.post(ENDPOINT, json={"model": chat[0]["id"], "input": TEXT})
    error = errors.openai_error(response, contract, status=400, code="model_not_supported_on_endpoint",
                                type="invalid_request_error")
    holds("model_wrong_endpoint", error.get("param") == "model", f"param should be model, got {error.get('param')!r}")
    not_forwarded(response, f"a speech request for the chat model {chat[0]['id']}")


REFUSED: dict[str, tuple[str, str, Any]] = {
    "voice": (speech.VOICE_REFUSED, "voice", "no-such-voice-zz"),
    "format": (speech.FORMAT_REFUSED, "response_format", "flac"),
}


@pytest.mark.rule(speech.VOICE_REFUSED, speech.FORMAT_REFUSED, "openai_error_envelope", "rejected_by_gateway")
@pytest.mark.parametrize("case", list(REFUSED))
def test_unoffered_value_is_400(api: ApiClient, contract: Contract, discovery: Discovery, case: str) -> None:
    rule, name, value = REFUSED[case]
    model = _models(discovery)[0]
    response = api.post(ENDPOINT, json={"model": model["id"], "input": TEXT, name: value})
    if response.status_code != 400:
        holds(rule, False, f"{name}: {value!r}: expected 400, got {response.status_code}")
        return
    error = errors.openai_error(response, contract, status=400, type="invalid_request_error")
    holds(rule, error.get("param") == name, f"param should be {name}, got {error.get('param')!r}")
    not_forwarded(response, f"a speech request with {name}: {value!r}")


@pytest.mark.rule("upstream_failure_status", "openai_error_envelope", "no_upstream_leak")
@pytest.mark.parametrize("fault", ["status:500", "malformed:1", "cut:1"])
def test_upstream_failure_is_502(api: ApiClient, contract: Contract, discovery: Discovery,
                                 mock_upstreams: bool, fault: str) -> None:
    """An upstream error, a truncated audio answer and a dropped connection are each 502."""
    model = _models(discovery)[0]
    response = api.post(ENDPOINT, json={"model": model["id"], "input": f"[[mock:fault={fault}]] {TEXT}",
                                        "response_format": "wav"})
    errors.openai_error(response, contract, status=502, code="upstream_error", type="api_error")
    no_leaks(response.content)
    no_leaks(response.headers)


@pytest.mark.rule("credits_402", "error_code", "openai_error_envelope", "rejected_by_gateway")
def test_insufficient_credits_is_402(api: ApiClient, contract: Contract, discovery: Discovery,
                                     zero_credit_key: str) -> None:
    model = _models(discovery)[0]
    response = api.post(ENDPOINT, json={"model": model["id"], "input": TEXT}, key=zero_credit_key)
    errors.openai_error(response, contract, status=402, code="insufficient_credits", type="billing_error")
    not_forwarded(response, "a speech request of an account without credits")


def _due(model: dict[str, Any], text: str, input_tokens: int, output_tokens: int) -> Decimal | None:
    rows = [r for r in model.get("pricing_rows") or () if r.get("kind") == "rate"]
    if any(r.get("unit") == "token" for r in rows):
        return ledger.cost(model, input_tokens, output_tokens)
    row = next((r for r in rows if r.get("unit") == "character"), None)
    return None if row is None else Decimal(str(row["rate_usd"])) * len(text) / Decimal(str(row.get("per") or 1))


def _count(response: Any, name: str) -> int:
    value = response.headers.get(name, "")
    expect(speech.COST, value.isdigit(), f"an integer {name} header", value or None)
    return int(value) if value.isdigit() else 0


@pytest.mark.rule(speech.COST)
@pytest.mark.parametrize("unit", ["token", "character"])
def test_cost_is_the_listed_price(api: ApiClient, discovery: Discovery, target: Target, unit: str) -> None:
    priced = [m for m in _models(discovery)
              if any(r.get("unit") == unit and r.get("kind") == "rate" for r in m.get("pricing_rows") or ())]
    if not priced:
        pytest.skip(discovery.lacks_field(f"speech model priced per {unit}", "pricing_rows"))
    model = priced[0]
    book = ledger.Ledger(target.balance_url, target.api_key) if target.balance_url else None
    before = book.balance() if book is not None else None
    _, response = _wav(api, model["id"], LONG_TEXT)
    due = _due(model, LONG_TEXT, _count(response, "x-usage-input-tokens"), _count(response, "x-usage-output-tokens"))
    try:
        shown = Decimal(response.headers.get("x-usage-cost", ""))
    except InvalidOperation:
        shown = None
    ok = due is not None and shown is not None and abs(shown - due) <= Decimal("1e-9") + due / 1000
    expect(speech.COST, ok and bool(due), f"x-usage-cost {due} (> 0)", response.headers.get("x-usage-cost"))
    if book is not None and before is not None and due is not None:
        billed = book.billed_since(before)
        expect(speech.COST, abs(billed - due) <= Decimal("1e-9"), f"a debit of {due} USD", f"{billed} USD")
