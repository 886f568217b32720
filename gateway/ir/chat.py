"""A chat turn in neutral form: the request (conversation, tools, controls) and the complete result."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from gateway.ir.media import MediaPart
from gateway.money import billed

if TYPE_CHECKING:
    from gateway.catalog import CatalogModel

__all__ = [
    "ChatRequest", "ChatResult", "Finish", "Message", "ReasoningOptions", "Role", "Tool", "ToolCall",
    "ToolChoice", "Usage",
]

Role = Literal["system", "user", "assistant", "tool"]
Finish = Literal["stop", "length", "tool_calls", "content_filter"]


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str
    """The arguments as JSON text, exactly as produced (possibly ``""``)."""


@dataclass(slots=True)
class Message:
    """One turn. ``content`` is text; ``media`` the image, audio, video and file parts of a user turn;
    an assistant turn may carry ``tool_calls`` and the ``reasoning`` a client sent back with it
    (chat ``reasoning_content``, Anthropic ``thinking`` text); a tool turn answers ``tool_call_id``."""

    role: Role
    content: str = ""
    media: list[MediaPart] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None
    is_error: bool = False
    name: str | None = None
    reasoning: str | None = None
    signed_thinking: list[tuple[str, str]] = field(default_factory=list)
    """Thinking blocks sent back with a signature the gateway did not make (the upstream's own), as
    (text, signature): forwarded unchanged to the Anthropic upstream, which verifies them (D-62)."""


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolChoice:
    mode: Literal["auto", "none", "required", "named"]
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ReasoningOptions:
    enabled: bool | None = None
    effort: str | None = None
    budget_tokens: int | None = None
    exclude: bool = False


@dataclass(slots=True)
class ChatRequest:
    model: CatalogModel
    messages: list[Message]
    tools: list[Tool] = field(default_factory=list)
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] = field(default_factory=list)
    seed: int | None = None
    stream: bool = False
    include_usage: bool = False
    reasoning: ReasoningOptions = field(default_factory=ReasoningOptions)
    raw: bool = False
    """``disable_formatting`` (or an alias): no gateway formatting; upstream-specific fields pass through."""
    passthrough: dict[str, Any] = field(default_factory=dict)
    """Other sampling fields (``response_format``, penalties, ``user``…) for upstreams that speak them."""
    options: dict[str, Any] = field(default_factory=dict)
    """Model options that select the route and the price (e.g. DeepReasoning's ``anthropic_model``)."""
    fees: Decimal = Decimal(0)
    """Per-call charges the request incurred besides its tokens (a Linkup web search, D-97)."""

    def cost(self, usage: Usage) -> Any:
        """USD billed for ``usage`` (a ``Decimal``, whole nano-USD, D-195): its tokens at this request's prices,
        the model's per-message rows (D-197) and the request's :attr:`fees`."""
        details = self.cost_details(usage)
        if details is not None:
            return sum(details.values(), Decimal(0))
        return billed(self.model.prices_for(self.options).cost(usage) + self.model.message_fee + self.fees)

    def cost_details(self, usage: Usage) -> dict[str, Decimal] | None:
        """D-198: a composite model's cost per stage (each billed on its own, at this request's prices),
        plus ``fees`` when the request had per-message or per-call charges; they sum to :meth:`cost`.
        ``None`` for a single-stage answer."""
        if not usage.stages:
            return None
        prices = self.model.prices_for(self.options)
        details = {name: billed(prices.cost(stage)) for name, stage in usage.stages}
        extra = billed(self.model.message_fee + self.fees)
        if extra:
            details["fees"] = extra
        return details


@dataclass(slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    """Upstream-specific usage fields, shown only in raw mode (e.g. ``prompt_cache_hit_tokens``)."""
    stages: tuple[tuple[str, Usage], ...] = ()
    """A composite model's usage per stage, in order (DeepReasoning: ``reasoning``, ``synthesis``; D-198)."""


@dataclass(slots=True)
class ChatResult:
    text: str
    reasoning: str | None
    tool_calls: list[ToolCall]
    finish: Finish
    usage: Usage
    stop_sequence: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Upstream-specific message fields, shown only in raw mode."""
    reasoning_signature: str | None = None
    """The upstream's signature of ``reasoning`` (Anthropic), relayed on /v1/messages (D-62)."""
