"""``tool_choice`` ``auto`` / ``none`` need no ``tools`` on chat and Messages (D-42); ``required`` still does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.catalog import load_catalog
from gateway.config import Settings
from gateway.errors import InvalidRequest
from gateway.formats.anthropic_messages.decode import decode_messages
from gateway.formats.openai_chat.decode import decode_chat

CATALOG = load_catalog(Settings().catalog_path)
MODEL = "seed-2-0-pro"
CLAUDE = "claude-haiku-4-5-20251001"


def _chat(**body: Any) -> Any:
    return decode_chat(json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "hi"}], **body}).encode(),
                       CATALOG)


def _messages(**body: Any) -> Any:
    return decode_messages(json.dumps({"model": CLAUDE, "max_tokens": 16, "messages": [{"role": "user",
                                                                                       "content": "hi"}], **body}).encode(),
                           CATALOG)


@pytest.mark.parametrize("choice", ["auto", "none"])
def test_chat_accepts_auto_and_none_without_tools(choice: str) -> None:
    request = _chat(tool_choice=choice)
    assert request.tool_choice is None and request.tools == []


def test_chat_required_without_tools_is_400() -> None:
    with pytest.raises(InvalidRequest) as caught:
        _chat(tool_choice="required")
    assert caught.value.param == "tool_choice"


@pytest.mark.parametrize("choice", ["auto", "none"])
def test_messages_accepts_auto_and_none_without_tools(choice: str) -> None:
    request = _messages(tool_choice={"type": choice})
    assert request.tool_choice is None and request.tools == []


def test_messages_any_without_tools_is_400() -> None:
    with pytest.raises(InvalidRequest) as caught:
        _messages(tool_choice={"type": "any"})
    assert caught.value.param == "tool_choice"
