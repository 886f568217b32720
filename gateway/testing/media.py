"""Defects of multimodal input (D-57 – D-59): parts dropped or sent as the wrong kind, parts a model cannot
take let through, malformed data and unknown ``bunny://`` paths passed on, refusals that name no part.

Seams: the codecs of the three formats (``state.codecs``: the request bytes before decoding, the IR after
it, the catalog a decoder checks modalities in, the error a decode raises) and the ``body`` builder of each
OpenAI-compatible and Anthropic adapter instance (the upstream body it returns). Installed before the
upstream area, whose wrappers then see the patched builders.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from gateway.catalog import Catalog
from gateway.errors import InvalidRequest
from gateway.formats.codec import Codec, StreamEncoder
from gateway.ir import ChatRequest, ChatResult, MediaPart
from gateway.ir.media import Kind, url_part
from gateway.state import GatewayState
from gateway.testing.codec_patches import Patch, PatchedCodec, json_object
from gateway.testing.registry import ActiveDefects, Defect, defect
from gateway.upstreams.anthropic import AnthropicAdapter
from gateway.upstreams.openai_compat import OpenAICompatibleAdapter

__all__ = ["install"]

MEDIA_PARTS_DROPPED = defect("media_parts_dropped", "media parts a model takes reach it (D-57)")
MEDIA_MODALITIES_UNCHECKED = defect(
    "media_modalities_unchecked", "a part of a kind the model does not take is 400 naming the part (D-57)",
)
MEDIA_DATA_UNCHECKED = defect(
    "media_data_unchecked", "a malformed media part is 400 naming the part, not passed on (D-58)",
)
BUNNY_PATH_FORWARDED = defect(
    "bunny_path_forwarded", "a bunny:// path that names no stored file is 400, not forwarded as a media URL (D-59)",
)
MEDIA_ERROR_UNNAMED = defect("media_error_unnamed", "a refused media part is named in the 400 (D-57)")
MEDIA_SENT_AS_IMAGE = defect(
    "media_sent_as_image", "audio, video and file parts reach OpenAI-compatible upstreams as their own kind",
)
ANTHROPIC_MEDIA_DROPPED = defect("anthropic_media_dropped", "image and document parts reach Claude models")
TOOL_RESULT_MEDIA_DROPPED = defect(
    "tool_result_media_dropped", "media inside a tool result is 400 naming it, never dropped silently (D-57)",
)

_FORMATS = ("openai_chat", "anthropic_messages", "openai_responses")
_MEDIA_CDN = "https://media.empiriolabs.ai/"
_PART_PATH = re.compile(r"^(?:messages|input)\[\d+\]\.content\[\d+\]")
_FIELDS: dict[str, tuple[tuple[str, str, Kind], ...]] = {
    "image_url": (("image_url", "url", "image"),), "video_url": (("video_url", "url", "video"),),
    "input_audio": (("input_audio", "data", "audio"),), "file": (("file", "file_data", "file"),),
    "input_image": (("", "image_url", "image"),), "input_file": (("", "file_data", "file"), ("", "file_url", "file")),
    "image": (("source", "url", "image"), ("source", "data", "image")),
    "document": (("source", "url", "file"), ("source", "data", "file")),
}
"""Per part type: (the object holding a media reference — "" for the part itself —, its key, the kind)."""
_SAMPLE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


# -- media parts dropped --------------------------------------------------------------------------------

def _without_media(raw: bytes, request: ChatRequest) -> ChatRequest:
    messages = [dataclasses.replace(m, media=[]) for m in request.messages]
    return dataclasses.replace(request, messages=messages)


# -- bunny paths forwarded as media URLs ----------------------------------------------------------------

def _rewritten(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_rewritten(v, change) for v in value]
    if isinstance(value, dict):
        return {k: _rewritten(v, change) for k, v in value.items()}
    return value


def _bunny_as_cdn(raw: bytes) -> bytes:
    body = json_object(raw)
    if body is None:
        return raw
    cdn = _rewritten(body, lambda s: _MEDIA_CDN + s[len("bunny://"):] if s.startswith("bunny://") else s)
    return json.dumps(cdn).encode()


# -- malformed data passed on ---------------------------------------------------------------------------

def _fields(body: dict[str, Any]) -> Iterator[tuple[str, Kind, dict[str, Any], str]]:
    """(part path, kind, the object holding a media reference, its key) for every URL-like media field."""
    turns = body.get("input") if isinstance(body.get("input"), list) else body.get("messages")
    root = "input" if "input" in body else "messages"
    for i, turn in enumerate(turns if isinstance(turns, list) else ()):
        content = turn.get("content") if isinstance(turn, dict) else None
        for j, part in enumerate(content if isinstance(content, list) else ()):
            if not isinstance(part, dict):
                continue
            for holder_key, key, kind in _FIELDS.get(str(part.get("type")), ()):
                holder = part.get(holder_key) if holder_key else part
                if isinstance(holder, dict) and isinstance(holder.get(key), str):
                    yield f"{root}[{i}].content[{j}]", kind, holder, key


def _value(holder: dict[str, Any], key: str) -> str:
    """The reference as a URL (an Anthropic ``base64`` source's data as a data URL)."""
    if key == "data" and holder.get("type") == "base64":
        return f"data:{holder.get('media_type')};base64,{holder[key]}"
    return str(holder[key])


def _put(holder: dict[str, Any], key: str, kind: Kind) -> None:
    if key == "data" and holder.get("type") == "base64":
        holder.update(media_type="image/png" if kind == "image" else "application/pdf", data=_SAMPLE)
    else:
        holder[key] = f"data:image/png;base64,{_SAMPLE}" if kind == "image" else "https://example.com/x"


def _malformed(kind: Kind, where: str, value: str) -> bool:
    if not value.startswith(("data:", "ftp:")) and "://" not in value[:10]:
        return False
    try:
        url_part(kind, where, value)
    except InvalidRequest:
        return True
    return False


def _mended(raw: bytes) -> bytes:
    """The body with each malformed data URL (or URL of no known scheme) replaced by a valid image."""
    body = json_object(raw)
    if body is None:
        return raw
    for where, kind, holder, key in _fields(body):
        if _malformed(kind, where, _value(holder, key)):
            _put(holder, key, kind)
    return json.dumps(body).encode()


def _restored(sent: bytes, request: ChatRequest) -> ChatRequest:
    """The IR with the malformed values as sent put back into their parts, unchecked."""
    body = json_object(sent)
    if body is None:
        return request
    originals = {where: (kind, _value(holder, key)) for where, kind, holder, key in _fields(body)
                 if _malformed(kind, where, _value(holder, key))}
    for message in request.messages:
        message.media = [_as_sent(p, *originals[p.where]) if p.where in originals else p for p in message.media]
    return request


def _as_sent(part: MediaPart, kind: Kind, value: str) -> MediaPart:
    if not value.startswith("data:"):
        return dataclasses.replace(part, source="url", value=value, media_type=None)
    head, _, data = value[5:].partition(",")
    return dataclasses.replace(part, source="data", value=data, media_type=head.split(";", 1)[0])


# -- modalities unchecked, errors unnamed ---------------------------------------------------------------

class _MediaCodec:
    """``inner``, decoding against a catalog in which every model takes every kind
    (``media_modalities_unchecked``), and answering a refused part without naming it (``media_error_unnamed``)."""

    def __init__(self, inner: Codec, active: ActiveDefects, unchecked: Defect, unnamed: Defect) -> None:
        self.inner, self.active, self.unchecked, self.unnamed = inner, active, unchecked, unnamed

    def decode(self, raw: bytes, catalog: Catalog) -> ChatRequest:
        if self.active.on(self.unchecked.name):
            every = ["text", "image", "audio", "video", "file"]
            models = {k: dataclasses.replace(m, public={**m.public, "input_modalities": every})
                      for k, m in catalog.models.items()}
            catalog = dataclasses.replace(catalog, models=models)
        try:
            return self.inner.decode(raw, catalog)
        except InvalidRequest as error:
            if self.active.on(self.unnamed.name) and error.param and _PART_PATH.match(error.param):
                raise InvalidRequest("The request contains content the model cannot use.", code=error.code) from None
            raise

    def encode(self, request: ChatRequest, result: ChatResult) -> dict[str, Any]:
        return self.inner.encode(request, result)

    def stream_encoder(self, request: ChatRequest) -> StreamEncoder:
        return self.inner.stream_encoder(request)


# -- adapter bodies ----------------------------------------------------------------------------------------

def _as_image(part: dict[str, Any]) -> dict[str, Any]:
    kind = part.get("type")
    if kind == "input_audio":
        audio = part["input_audio"]
        return {"type": "image_url", "image_url": {"url": f"data:audio/{audio['format']};base64,{audio['data']}"}}
    if kind == "video_url":
        return {"type": "image_url", "image_url": part["video_url"]}
    if kind == "file":
        return {"type": "image_url", "image_url": {"url": part["file"]["file_data"]}}
    return part


def _patch_body(adapter: OpenAICompatibleAdapter | AnthropicAdapter, active: ActiveDefects) -> None:
    build = adapter.body
    anthropic = isinstance(adapter, AnthropicAdapter)

    def body(request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        out = build(request, stream=stream)
        for turn in out["messages"]:
            content = turn.get("content")
            if not isinstance(content, list):
                continue
            if anthropic and active.on(ANTHROPIC_MEDIA_DROPPED.name):
                kept = [b for b in content if b.get("type") not in ("image", "document")]
                turn["content"] = kept or [{"type": "text", "text": "(media)"}]
            elif not anthropic and active.on(MEDIA_SENT_AS_IMAGE.name):
                turn["content"] = [_as_image(p) for p in content]
        return out

    setattr(adapter, "body", body)  # noqa: B010 (an instance patch, test mode only)


_TOOL_RESULT_MEDIA = frozenset({"image", "document", "input_image", "input_file"})


def _tool_result_media_dropped(raw: bytes) -> bytes:
    """``tool_result_media_dropped``: the media parts of tool results removed before decoding (the old
    silent drop)."""
    body = json_object(raw)
    if body is None:
        return raw
    results = [b for m in body.get("messages") or () if isinstance(m, dict) and isinstance(m.get("content"), list)
               for b in m["content"] if isinstance(b, dict) and b.get("type") == "tool_result"]
    outputs = [i for i in body.get("input") or () if isinstance(i, dict) and i.get("type") == "function_call_output"]
    for holder, key in [*((r, "content") for r in results), *((o, "output") for o in outputs)]:
        if isinstance(holder.get(key), list):
            holder[key] = [p for p in holder[key] if not (isinstance(p, dict) and p.get("type") in _TOOL_RESULT_MEDIA)]
    return json.dumps(body).encode()


_PATCHES = [Patch(MEDIA_PARTS_DROPPED, request=_without_media), Patch(BUNNY_PATH_FORWARDED, raw=_bunny_as_cdn),
            Patch(MEDIA_DATA_UNCHECKED, raw=_mended, request=_restored),
            Patch(TOOL_RESULT_MEDIA_DROPPED, raw=_tool_result_media_dropped)]


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap each format's codec and patch the body builders of the OpenAI-compatible and Anthropic adapters."""
    for name in _FORMATS:
        codec = PatchedCodec(state.codecs[name], _PATCHES, active)
        state.codecs[name] = _MediaCodec(codec, active, MEDIA_MODALITIES_UNCHECKED, MEDIA_ERROR_UNNAMED)
    for adapter in state.adapters.values():
        if isinstance(adapter, OpenAICompatibleAdapter | AnthropicAdapter):
            _patch_body(adapter, active)
