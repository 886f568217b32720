"""One model, three formats: the same prompt through ``/v1/chat/completions``, ``/v1/messages`` and
``/v1/responses`` reaches the same upstream request, so on deterministic (mock) upstreams it must give
the same answer text, the same token counts, and finish reasons that map onto each other:

=================  =================  ====================================
chat               messages           responses
=================  =================  ====================================
``stop``           ``end_turn``       ``completed``
``length``         ``max_tokens``     ``incomplete`` / ``max_output_tokens``
=================  =================  ====================================

Chat requests set ``disable_formatting`` so a reasoner's answer carries no "Thinking…" block (D-8).
"""

from __future__ import annotations

from typing import Any

import pytest

from suites import anthropic_stream as messages_api
from suites import responses_stream as responses_api
from suites.chat import CHAT, served
from suites.checks import holds
from suites.checks import messages as mchecks
from suites.checks import responses as rchecks
from suites.client import ApiClient
from suites.discovery import Discovery, lacking
from suites.selection import Failures, choose_per_provider

PROMPT = "Describe a lighthouse at night in two sentences."


def _models(discovery: Discovery, api: ApiClient) -> list[dict[str, Any]]:
    everywhere = [m for m in discovery.serving(CHAT) if messages_api.MESSAGES in m.get("endpoints", ())
                  and responses_api.RESPONSES in m.get("endpoints", ())]
    if not everywhere:
        pytest.skip(lacking("model serving chat, messages and responses"))
    return choose_per_provider(
        everywhere, lambda m: served(api, m) and messages_api.served(api, m) and responses_api.served(api, m),
        endpoint="all three formats")


def _ok(response: Any, where: str) -> dict[str, Any]:
    holds("valid_request_200", bool(response.status_code == 200),
          f"{where}: {response.status_code}: {response.text[:300]!r}")
    return response.json()  # type: ignore[no-any-return]


def _three(api: ApiClient, model: dict[str, Any], limit: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    chat = _ok(api.post(CHAT, json={"model": model["id"], "messages": [{"role": "user", "content": PROMPT}],
                                    "max_completion_tokens": limit, "disable_formatting": True}), "chat")
    message = _ok(messages_api.create(api, messages_api.message_body(model, PROMPT, max_tokens=limit)), "messages")
    response = _ok(responses_api.create(api, responses_api.response_body(model, PROMPT, max_output_tokens=limit)),
                   "responses")
    return chat, message, response


CASES = {"complete": (1024, "stop", "end_turn", "completed"), "limit": (16, "length", "max_tokens", "incomplete")}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.rule("same_text_across_formats")
def test_same_prompt_same_text_across_formats(api: ApiClient, discovery: Discovery, mock_upstreams: bool,
                                              case: str) -> None:
    limit, chat_finish, stop_reason, status = CASES[case]
    failures = Failures()
    for model in _models(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            chat, message, response = _three(api, model, limit)
            choice = chat["choices"][0]
            chat_text = choice["message"].get("content") or ""
            message_text = mchecks.text_of(message)
            response_text = rchecks.message_text(response)
            holds("same_text_across_formats", bool(chat_text.strip()),
                  "chat: empty content")
            holds("same_text_across_formats", bool(message_text == chat_text),
                  f"messages text {message_text!r:.120} != chat content {chat_text!r:.120}")
            holds("same_text_across_formats", bool(response_text == chat_text),
                  f"responses text {response_text!r:.120} != chat content {chat_text!r:.120}")
            finishes = (choice["finish_reason"], message["stop_reason"], response["status"])
            holds("same_text_across_formats", bool(finishes == (chat_finish, stop_reason, status)),
                  f"finish (chat, messages, responses) = {finishes}, expected {(chat_finish, stop_reason, status)}")
            if status == "incomplete":
                reason = (response.get("incomplete_details") or {}).get("reason")
                holds("same_text_across_formats", bool(reason == "max_output_tokens"),
                      f"responses incomplete_details.reason {reason!r}")
            outputs = (chat["usage"]["completion_tokens"], message["usage"]["output_tokens"],
                       response["usage"]["output_tokens"])
            holds("same_text_across_formats", bool(len(set(outputs)) == 1),
                  f"output tokens (chat, messages, responses) differ: {outputs}")
            m_usage = message["usage"]
            m_input = m_usage["input_tokens"] + (m_usage.get("cache_read_input_tokens") or 0) + \
                (m_usage.get("cache_creation_input_tokens") or 0)
            inputs = (chat["usage"]["prompt_tokens"], m_input, response["usage"]["input_tokens"])
            holds("same_text_across_formats", bool(len(set(inputs)) == 1),
                  f"input tokens (chat, messages incl. cache, responses) differ: {inputs}")
    failures.raise_any()
