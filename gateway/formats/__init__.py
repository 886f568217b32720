"""Wire formats: one package per request format (decode request, encode response and stream frames)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.formats.codec import Codec

__all__ = ["codecs"]


def codecs() -> dict[str, Codec]:
    """Every format's codec by format name: the table the generation routes read per request
    (``GatewayState.codecs``)."""
    from gateway.formats import anthropic_messages, openai_chat, openai_responses

    return {
        "openai_chat": openai_chat.CODEC,
        "anthropic_messages": anthropic_messages.CODEC,
        "openai_responses": openai_responses.CODEC,
    }
