"""Wire formats: one package per request format (decode request, encode response and stream frames)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.formats.codec import Codec

__all__ = ["codecs"]


def codecs(switch: Any) -> dict[str, Codec]:
    """Every format's codec by format name: the table the generation routes read per request
    (``GatewayState.codecs``). ``switch`` feeds the codecs not yet converted (transitional)."""
    from gateway.formats import anthropic_messages, openai_chat, openai_responses
    from gateway.formats.legacy_codec import LegacyCodec

    return {
        "openai_chat": openai_chat.CODEC,
        "anthropic_messages": LegacyCodec(anthropic_messages.CODEC, switch),
        "openai_responses": LegacyCodec(openai_responses.CODEC, switch),
    }
