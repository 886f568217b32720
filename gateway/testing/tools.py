"""Defects of which models take tools, as a patch of every format's codec: the decoded request is
refused as a too strict catalog check would refuse it."""

from __future__ import annotations

from gateway.errors import InvalidRequest
from gateway.ir import ChatRequest
from gateway.state import GatewayState
from gateway.testing.codec_patches import Patch, PatchedCodec
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

TOOLS_REFUSED = defect(
    "tools_refused_on_listed_model",
    "every chat model the catalog lists with tool calling accepts tools on every format",
)
_TOOL_FEATURES = frozenset({"function_calling", "tool_use", "agentic", "agentic_coding"})


def _refused(sent: bytes, request: ChatRequest) -> ChatRequest:
    """The old rule: tools only where the model's features name tool use, whatever the listing says."""
    features = set(request.model.public.get("features") or ())
    if request.tools and not features & _TOOL_FEATURES:
        raise InvalidRequest(f"The model '{request.model.id}' does not support 'tools'.",
                             code="unsupported_parameter", param="tools")
    return request


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap every format's codec."""
    patches = (Patch(TOOLS_REFUSED, request=_refused),)
    for name, codec in state.codecs.items():
        state.codecs[name] = PatchedCodec(codec, patches, active)
