"""The neutral internal representation every format decodes into and encodes from.

No wire format is the internal one: formats translate ``bytes ↔ IR`` and upstream adapters translate
``IR ↔ provider wire``, so N formats and M provider families need N + M translators, not N × M.
"""

from gateway.ir.chat import (
    ChatRequest,
    ChatResult,
    Finish,
    Message,
    ReasoningOptions,
    Role,
    Tool,
    ToolCall,
    ToolChoice,
    Usage,
)
from gateway.ir.events import (
    Finished,
    ReasoningDelta,
    ReasoningSigned,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    ToolCallStart,
    UsageReport,
)
from gateway.ir.media import MediaPart, check_media

__all__ = [
    "ChatRequest", "ChatResult", "Finish", "Finished", "MediaPart", "Message", "ReasoningDelta", "ReasoningOptions",
    "ReasoningSigned", "Role",
    "StreamEvent", "TextDelta", "Tool", "ToolArgsDelta", "ToolCall", "ToolCallStart", "ToolChoice", "Usage",
    "UsageReport", "check_media",
]
