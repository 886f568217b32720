"""The catalog's default_params filled in after decoding (D-61)."""

from __future__ import annotations

import json
from typing import Any

from gateway.formats.anthropic_messages.decode import decode_messages
from gateway.formats.openai_chat.decode import decode_chat
from gateway.ir.defaults import with_defaults
from tests.gateway.test_responses_codec import CATALOG


def _chat(**body: Any) -> Any:
    body.setdefault("messages", [{"role": "user", "content": "hi"}])
    return with_defaults(decode_chat(json.dumps(body).encode(), CATALOG))


def test_omitted_settings_take_the_documented_defaults() -> None:
    request = _chat(model="deepseek-v4-pro")
    assert (request.temperature, request.top_p, request.max_output_tokens) == (0.7, 0.9, 4096)
    r = request.reasoning
    assert (r.enabled, r.effort, r.budget_tokens) == (True, "medium", 32768)


def test_settings_sent_are_kept() -> None:
    request = _chat(model="deepseek-v4-pro", temperature=0.2, max_tokens=50, reasoning_effort="low")
    assert (request.temperature, request.top_p, request.max_output_tokens) == (0.2, 0.9, 50)
    r = request.reasoning
    assert (r.enabled, r.effort, r.budget_tokens) == (None, "low", None)


def test_reasoning_off_is_not_overridden() -> None:
    assert _chat(model="deepseek-v4-pro", enable_thinking=False).reasoning.enabled is False


def test_models_without_defaults_are_unchanged() -> None:
    request = _chat(model="seed-2-0-pro")
    assert (request.temperature, request.top_p, request.max_output_tokens) == (None, None, None)


def test_messages_thinking_disabled_on_deepseek() -> None:
    body = {"model": "deepseek-v4-pro", "max_tokens": 100, "thinking": {"type": "disabled"},
            "messages": [{"role": "user", "content": "hi"}]}
    request = with_defaults(decode_messages(json.dumps(body).encode(), CATALOG))
    assert request.reasoning.enabled is False and request.max_output_tokens == 100 and request.temperature == 0.7
