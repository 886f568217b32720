"""DeepReasoning: DeepSeek R1's chain of thought, then a Claude model's answer (the DeepClaude pairing).

Stage 1 sends the conversation to R1 and keeps only its reasoning (its answer, capped at one token
since it is discarded, is still read to the end for the usage; all of stage 1's output counts as
reasoning tokens). Stage 2 sends the conversation to the chosen Claude model with that
reasoning in a system turn — not as an assistant prefill, which newer Claude models reject. Streams
relay R1's reasoning as it arrives, then Claude's answer; usage adds both stages. Every failure of
either stage is a gateway error (a stage-1 401/402 never becomes an empty thinking block).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

from gateway.catalog import Catalog, CatalogModel
from gateway.errors import ModelUnavailable
from gateway.ir import (
    ChatRequest,
    ChatResult,
    Message,
    ReasoningDelta,
    ReasoningOptions,
    StreamEvent,
    TextDelta,
    Usage,
    UsageReport,
)
from gateway.upstreams.base import ChatAdapter

__all__ = ["DeepReasoningAdapter"]

REASONER_ID = "deepseek-r1"
DEFAULT_WRITER = "claude-sonnet-4-5-20250929"
PREAMBLE = ("Another model reasoned about this conversation. Use its reasoning, which follows, to write the "
            "final answer; do not mention it.\n<thinking>\n{reasoning}\n</thinking>")


def _combined(first: Usage, second: Usage) -> Usage:
    return Usage(
        input_tokens=first.input_tokens + second.input_tokens,
        output_tokens=first.output_tokens + second.output_tokens,
        reasoning_tokens=first.output_tokens,
        cached_tokens=first.cached_tokens + second.cached_tokens,
        cache_write_tokens=second.cache_write_tokens,
        stages=(("reasoning", first), ("synthesis", second)),
    )


class DeepReasoningAdapter:
    def __init__(self, adapters: dict[str, ChatAdapter], catalog: Catalog) -> None:
        self.adapters, self.catalog = adapters, catalog

    def _model(self, model_id: str) -> tuple[CatalogModel, ChatAdapter]:
        model = self.catalog.get(model_id)
        adapter = self.adapters.get(model.upstream_family) if model else None
        if model is None or adapter is None:
            raise ModelUnavailable("The model is temporarily unavailable. Retry shortly.")
        return model, adapter

    def _stages(self, request: ChatRequest) -> tuple[ChatRequest, ChatAdapter, ChatRequest, ChatAdapter]:
        reasoner, reasoner_adapter = self._model(REASONER_ID)
        writer, writer_adapter = self._model(str(request.options.get("anthropic_model") or DEFAULT_WRITER))
        first = dataclasses.replace(request, model=reasoner, tools=[], tool_choice=None, parallel_tool_calls=None,
                                    max_output_tokens=1, stop=[], reasoning=ReasoningOptions(enabled=True),
                                    passthrough={})
        second = dataclasses.replace(request, model=writer, reasoning=ReasoningOptions(enabled=False))
        return first, reasoner_adapter, second, writer_adapter

    @staticmethod
    def _with_reasoning(request: ChatRequest, reasoning: str) -> ChatRequest:
        return dataclasses.replace(
            request, messages=[*request.messages, Message("system", PREAMBLE.format(reasoning=reasoning))]
        )

    async def complete(self, request: ChatRequest) -> ChatResult:
        first, reasoner, second, writer = self._stages(request)
        thought = await reasoner.complete(first)
        answer = await writer.complete(self._with_reasoning(second, thought.reasoning or ""))
        return dataclasses.replace(answer, reasoning=thought.reasoning or "", usage=_combined(thought.usage, answer.usage))

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        first, reasoner, second, writer = self._stages(request)
        pieces: list[str] = []
        thought_usage = Usage()
        async for event in reasoner.stream(dataclasses.replace(first, stream=True)):
            if isinstance(event, ReasoningDelta):
                pieces.append(event.text)
                yield event
            elif isinstance(event, UsageReport):
                thought_usage = event.usage
            elif isinstance(event, TextDelta):
                continue
        async for event in writer.stream(self._with_reasoning(second, "".join(pieces))):
            yield UsageReport(_combined(thought_usage, event.usage)) if isinstance(event, UsageReport) else event
