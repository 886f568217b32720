"""A codec wrapped by a table of patches, each applied while its named defect is on.

A :class:`Patch` names its defect and any of four hooks: ``raw`` (the request bytes before decoding,
e.g. a lax check: the offending field removed so the request passes), ``request`` (the IR request after
decoding, given the bytes as sent; it may raise, as a too strict check would), ``body`` (the response
body after encoding) and ``stream`` (a factory of one stream's :class:`StreamPatch`: IR events dropped
on the way in, frames transformed on the way out). :class:`PatchedCodec` applies the active patches in
table order and reads :class:`~gateway.testing.registry.ActiveDefects` on every call; with none active
every call passes through unchanged (and a stream gets the codec's own encoder).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.catalog import Catalog
from gateway.errors import GatewayError
from gateway.formats.codec import Codec, StreamEncoder
from gateway.formats.frames import Frame
from gateway.ir import ChatRequest, ChatResult, StreamEvent, ToolArgsDelta, ToolCallStart, Usage
from gateway.testing.asgi import json_body
from gateway.testing.registry import ActiveDefects, Defect

__all__ = ["FirstCallOnly", "Patch", "PatchedCodec", "PatchedStream", "StreamPatch", "data_of", "drop_events",
           "first_of", "json_object", "map_frames", "named"]


class StreamPatch:
    """One stream's patch; this base passes everything through."""

    def keep(self, event: StreamEvent) -> bool:
        """Whether the IR ``event`` reaches the encoder."""
        return True

    def frames(self, frames: list[Frame]) -> list[Frame]:
        """The frames of one encoder call, transformed."""
        return frames

    def error(self, error: GatewayError, frames: list[Frame]) -> list[Frame]:
        """The frames the encoder gave for the in-band failure ``error``, transformed."""
        return self.frames(frames)


@dataclass(frozen=True)
class Patch:
    defect: Defect
    raw: Callable[[bytes], bytes] | None = None
    request: Callable[[bytes, ChatRequest], ChatRequest] | None = None
    body: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    stream: Callable[[], StreamPatch] | None = None


class PatchedCodec:
    """``inner`` with the active patches of ``patches`` applied."""

    def __init__(self, inner: Codec, patches: Sequence[Patch], active: ActiveDefects) -> None:
        self.inner, self.patches, self.active = inner, tuple(patches), active

    def _active(self) -> list[Patch]:
        return [p for p in self.patches if self.active.on(p.defect.name)]

    def decode(self, raw: bytes, catalog: Catalog) -> ChatRequest:
        patches = self._active()
        sent = raw
        for patch in patches:
            if patch.raw is not None:
                raw = patch.raw(raw)
        request = self.inner.decode(raw, catalog)
        for patch in patches:
            if patch.request is not None:
                request = patch.request(sent, request)
        return request

    def encode(self, request: ChatRequest, result: ChatResult) -> dict[str, Any]:
        body = self.inner.encode(request, result)
        for patch in self._active():
            if patch.body is not None:
                body = patch.body(body)
        return body

    def stream_encoder(self, request: ChatRequest) -> StreamEncoder:
        encoder = self.inner.stream_encoder(request)
        streams = [patch.stream() for patch in self._active() if patch.stream is not None]
        return PatchedStream(encoder, streams) if streams else encoder


class PatchedStream:
    """A stream encoder with stream patches around it."""

    def __init__(self, inner: StreamEncoder, patches: list[StreamPatch]) -> None:
        self.inner, self.patches = inner, patches

    @property
    def usage(self) -> Usage | None:
        return self.inner.usage

    def _out(self, frames: Sequence[Frame]) -> list[Frame]:
        out = list(frames)
        for patch in self.patches:
            out = patch.frames(out)
        return out

    def start(self) -> list[Frame]:
        return self._out(self.inner.start())

    def event(self, event: StreamEvent) -> list[Frame]:
        kept = [patch.keep(event) for patch in self.patches]
        return self._out(self.inner.event(event)) if all(kept) else []

    def end(self) -> list[Frame]:
        return self._out(self.inner.end())

    def error(self, error: GatewayError) -> list[Frame]:
        out = list(self.inner.error(error))
        for patch in self.patches:
            out = patch.error(error, out)
        return out


# -- building blocks ------------------------------------------------------------------------------------

def json_object(raw: bytes) -> dict[str, Any] | None:
    """The request body as a JSON object, or ``None`` (the codec then reports the bad body itself)."""
    body = json_body(raw)
    return body if isinstance(body, dict) else None


def named(frame: Frame, *events: str) -> bool:
    """Whether ``frame`` is one of the named events ``events`` with a JSON object as data."""
    return frame.event in events and isinstance(frame.data, dict)


class _Map(StreamPatch):
    def __init__(self, change: Callable[[Frame], Frame | None]) -> None:
        self.change = change

    def frames(self, frames: list[Frame]) -> list[Frame]:
        changed = (self.change(frame) for frame in frames)
        return [frame for frame in changed if frame is not None]


def map_frames(change: Callable[[Frame], Frame | None]) -> Callable[[], StreamPatch]:
    """A stateless stream patch: each frame replaced by ``change(frame)`` (``None`` drops it)."""
    return lambda: _Map(change)


class _Drop(StreamPatch):
    def __init__(self, kinds: tuple[type, ...]) -> None:
        self.kinds = kinds

    def keep(self, event: StreamEvent) -> bool:
        return not isinstance(event, self.kinds)


def drop_events(*kinds: type) -> Callable[[], StreamPatch]:
    """A stream patch that keeps IR events of ``kinds`` from the encoder."""
    return lambda: _Drop(kinds)


class FirstCallOnly(StreamPatch):
    """Only the stream's first tool call reaches the encoder (its start and its argument fragments)."""

    def __init__(self) -> None:
        self.first: int | None = None

    def keep(self, event: StreamEvent) -> bool:
        if isinstance(event, ToolCallStart):
            if self.first is None:
                self.first = event.index
                return True
            return False
        if isinstance(event, ToolArgsDelta):
            return event.index == self.first
        return True


def data_of(frame: Frame) -> dict[str, Any]:
    """``frame``'s JSON object (a shallow copy to change)."""
    assert isinstance(frame.data, dict)
    return dict(frame.data)


def first_of(items: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """``items`` without every item of type ``kind`` after the first one."""
    seen = False
    out = []
    for item in items:
        if item.get("type") == kind:
            if seen:
                continue
            seen = True
        out.append(item)
    return out
