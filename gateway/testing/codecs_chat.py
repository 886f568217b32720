"""Defects of the Chat Completions codec and of the generation runner, as wrappers of ``state.codecs``.

:class:`_ChatCodec` wraps the chat codec: the raw body is rewritten before decoding (a lax check: the
offending field is removed, so the request passes as if unchecked), the IR request is changed after
decoding, the response body after encoding, and the stream encoder is wrapped (IR events filtered on
the way in, frames transformed on the way out). :class:`_RunnerCodec` wraps every format's codec:
its catalog checks are made lax by decoding against a relaxed copy of the catalog (the value still
reaches the upstream, as when the check was skipped). The runner's two header checks and its buffered
stream are ASGI layers placed after authentication.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.catalog import Catalog, CatalogModel
from gateway.errors import GatewayError, InvalidRequest, NotFound
from gateway.formats.codec import Codec, StreamEncoder
from gateway.formats.frames import DONE, Frame
from gateway.formats.openai_chat.decode import ENDPOINT, THINKING_HEADER
from gateway.formats.openai_chat.encode import ChunkEncoder, new_id
from gateway.ir import ChatRequest, ChatResult, Finished, ReasoningOptions, StreamEvent, TextDelta, Usage
from gateway.middleware.errors import send_error
from gateway.state import GatewayState
from gateway.testing.asgi import json_body, layer, replace_headers
from gateway.testing.codec_patches import Patch, PatchedCodec
from gateway.testing.registry import ActiveDefects, Defect, defect

__all__ = ["install"]

# The runner and the catalog checks (every format).
CONTENT_TYPE_UNCHECKED = defect("chat_content_type_unchecked", "a body declared as text/plain is a 400 invalid_content_type")
VERSION_REQUIRED = defect("anthropic_version_required", "/v1/messages works with or without anthropic-version")
BUFFERED = defect("chat_stream_buffered", "streams are relayed chunk by chunk, not buffered")
RANGE_UNCHECKED = defect("chat_param_range_unchecked", "a parameter outside the catalog's range is a 400 naming it")
ENUM_UNCHECKED = defect("enum_unchecked", "a value outside a parameter's catalog enum is a 400 naming it")
# Request decoding.
NULL_500 = defect("chat_messages_null_500", "messages: null is a 4xx, never a 5xx")
MISSING_INVALID = defect("chat_missing_reported_invalid", "a missing required field is 400 missing_parameter naming it")
WRONG_ENDPOINT = defect("wrong_endpoint_accepted", "a model that does not serve the endpoint is a 400")
UNKNOWN_400 = defect("chat_unknown_model_400", "an unknown model is 404 model_not_found")
REASONING_REJECTED = defect("reasoning_history_rejected",
                            "reasoning_content sent back on an earlier assistant turn is accepted (D-8)")
TOOL_CHOICE_IGNORED = defect("chat_invalid_tool_choice_ignored",
                             "tool_choice naming an undefined function (or without tools) is a 400")
OPTIONS_ACCEPTED = defect("chat_stream_options_accepted_without_stream", "stream_options without stream is a 400")
EMPTY_ARGS_REJECTED = defect("empty_tool_arguments_rejected",
                             "tool calls with arguments \"\" or {} are accepted in history")
THINKING_REJECTED = defect("thinking_history_rejected", "an assistant turn sent back with the Thinking block is accepted")
TOOL_RESULTS_DROPPED = defect("chat_tool_results_dropped", "role: tool messages reach the model (tool round trip)")
EXCLUDE_IGNORED = defect("chat_exclude_ignored", "reasoning.exclude / include_reasoning false hide the reasoning")
ALIAS_IGNORED = defect("max_tokens_alias_ignored", "max_tokens alone limits the answer like max_completion_tokens")
THINKING_DROPPED = defect("chat_thinking_dropped",
                          "Anthropic thinking on chat completions reaches a model that lists it (D-51)")
RAW_IGNORED = defect("chat_raw_flag_ignored", "disable_formatting and its aliases return the content unformatted")
# Response encoding (whole and streamed).
REASONING_TOKENS_MISSING = defect("reasoning_tokens_missing", "usage reports reasoning tokens for a reasoner")
COST_MISSING = defect("chat_cost_missing", "usage carries the cost in USD")
CALLS_MERGED = defect("chat_parallel_calls_merged", "parallel tool calls stay distinct calls")
ARGS_TRUNCATED = defect("chat_tool_args_truncated", "tool-call arguments are complete JSON")
LENGTH_AS_STOP = defect("chat_length_reported_as_stop", "hitting max tokens is finish_reason length")
COMPLETION_OBJECT_WRONG = defect("chat_completion_object_wrong", "a chat completion has object: chat.completion")
# Stream frames.
ROLE_REPEATED = defect("chat_role_repeated", "only the first delta carries role")
ID_UNSTABLE = defect("chat_id_unstable", "id and created are the same on every chunk")
CHUNK_OBJECT_WRONG = defect("chat_chunk_object_wrong", "every stream chunk has object: chat.completion.chunk")
FIRST_TEXT_DROPPED = defect("chat_stream_drops_first_text", "joined stream deltas equal the non-stream content")
CALL_ID_DROPPED = defect("chat_tool_call_id_dropped", "the first fragment of a streamed tool call carries its id")
FINISH_TWICE = defect("chat_finish_reason_twice", "exactly one chunk carries finish_reason")
EMPTY_DELTAS = defect("chat_empty_deltas", "no chunk has an empty delta and no finish_reason")
USAGE_EARLY = defect("chat_usage_chunk_early", "the include_usage chunk is the last before [DONE]")
DONE_MISSING = defect("chat_done_missing", "a chat stream ends with data: [DONE]")
ERROR_WITHOUT_DONE = defect("chat_stream_error_without_done",
                            "a failure after the stream started is an error chunk, then [DONE]")

_GENERATION_PATHS = frozenset({"/v1/chat/completions", "/v1/messages", "/v1/responses"})
_CHAT_FORMAT = "openai_chat"
_DECODE_DEFECTS = (NULL_500, MISSING_INVALID, WRONG_ENDPOINT, UNKNOWN_400, REASONING_REJECTED, TOOL_CHOICE_IGNORED,
                   OPTIONS_ACCEPTED, EMPTY_ARGS_REJECTED, THINKING_REJECTED, TOOL_RESULTS_DROPPED, EXCLUDE_IGNORED,
                   ALIAS_IGNORED, RAW_IGNORED, THINKING_DROPPED)
_FRAME_DEFECTS = (ROLE_REPEATED, ID_UNSTABLE, CHUNK_OBJECT_WRONG, CALL_ID_DROPPED, CALLS_MERGED,
                  REASONING_TOKENS_MISSING, COST_MISSING)


FREE_CHOICE_REFUSED = defect("chat_tool_choice_auto_without_tools_400", "tool_choice auto/none need no tools")


def _free_choice_refused(sent: bytes, request: ChatRequest) -> ChatRequest:
    body = json_body(sent)
    if isinstance(body, dict) and not body.get("tools") and body.get("tool_choice") in ("auto", "none"):
        raise InvalidRequest("'tool_choice' needs 'tools'.", param="tool_choice")
    return request


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap every codec for the runner's defects, and the chat codec for its own."""
    relaxed = _RelaxedCatalogs()
    free = (Patch(FREE_CHOICE_REFUSED, request=_free_choice_refused),)
    state.codecs[_CHAT_FORMAT] = PatchedCodec(_ChatCodec(state.codecs[_CHAT_FORMAT], active, relaxed), free, active)
    for name, codec in state.codecs.items():
        state.codecs[name] = _RunnerCodec(codec, active, relaxed)


# -- the runner's header checks (ASGI layers, after authentication, before routing) -------------------

def _generation_post(scope: Scope) -> bool:
    return scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in _GENERATION_PATHS


@layer(CONTENT_TYPE_UNCHECKED, at="authenticated")
def _content_type_unchecked(app: ASGIApp) -> ASGIApp:
    """Whatever a generation request declares, the runner sees JSON."""

    async def relabelled(scope: Scope, receive: Receive, send: Send) -> None:
        if _generation_post(scope):
            scope = replace_headers(scope, drop=[b"content-type"], add=[(b"content-type", b"application/json")])
        await app(scope, receive, send)

    return relabelled


@layer(VERSION_REQUIRED, at="authenticated")
def _version_required(app: ASGIApp) -> ASGIApp:
    """``/v1/messages`` without ``anthropic-version`` is refused."""

    async def demanding(scope: Scope, receive: Receive, send: Send) -> None:
        names = {name.lower() for name, _ in scope.get("headers", ())}
        if _generation_post(scope) and scope["path"] == "/v1/messages" and b"anthropic-version" not in names:
            error = InvalidRequest("anthropic-version header required.", param="anthropic-version")
            await send_error(error, scope, receive, send)
            return
        await app(scope, receive, send)

    return demanding


@layer(BUFFERED, at="authenticated")
def _buffered(app: ASGIApp) -> ASGIApp:
    """An event stream's body is held back and sent in one piece when it ends."""

    async def holding(scope: Scope, receive: Receive, send: Send) -> None:
        held: list[bytes] = []
        streaming = False

        async def hold(message: Message) -> None:
            nonlocal streaming
            if message["type"] == "http.response.start":
                streaming = any(name.lower() == b"content-type" and value.startswith(b"text/event-stream")
                                for name, value in message.get("headers", ()))
            elif streaming and message["type"] == "http.response.body":
                held.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                message = {**message, "body": b"".join(held)}
            await send(message)

        await app(scope, receive, hold)

    return holding


# -- lax catalog checks: decode against a relaxed copy of the catalog --------------------------------

_Relax = Callable[[CatalogModel], CatalogModel]


def _without(keys: tuple[str, ...]) -> _Relax:
    def relax(model: CatalogModel) -> CatalogModel:
        parameters = {name: {k: v for k, v in spec.items() if k not in keys} for name, spec in model.parameters.items()}
        return replace(model, parameters=parameters)

    return relax


def _on_chat_endpoint(model: CatalogModel) -> CatalogModel:
    endpoints = list(model.public.get("endpoints") or ())
    return replace(model, public={**model.public, "endpoints": [*endpoints, ENDPOINT]})


_RELAXATIONS: dict[str, _Relax] = {
    RANGE_UNCHECKED.name: _without(("minimum", "maximum")),
    ENUM_UNCHECKED.name: _without(("enum",)),
    WRONG_ENDPOINT.name: _on_chat_endpoint,
}


class _RelaxedCatalogs:
    """Each catalog with one relaxation applied, built once."""

    def __init__(self) -> None:
        self._built: dict[tuple[int, str], tuple[Catalog, Catalog]] = {}

    def get(self, catalog: Catalog, relaxation: str) -> Catalog:
        key = (id(catalog), relaxation)
        if key not in self._built:
            relax = _RELAXATIONS[relaxation]
            models = {model_id: relax(model) for model_id, model in catalog.models.items()}
            self._built[key] = (catalog, replace(catalog, models=models))
        return self._built[key][1]


def _relaxed(catalog: Catalog, active: ActiveDefects, relaxed: _RelaxedCatalogs, *defects: Defect) -> Catalog:
    for item in defects:
        if active.on(item.name):
            catalog = relaxed.get(catalog, item.name)
    return catalog


class _RunnerCodec:
    """Any format's codec, with the catalog checks made lax."""

    def __init__(self, inner: Codec, active: ActiveDefects, relaxed: _RelaxedCatalogs) -> None:
        self.inner, self.active, self.relaxed = inner, active, relaxed

    def decode(self, raw: bytes, catalog: Catalog) -> ChatRequest:
        return self.inner.decode(raw, _relaxed(catalog, self.active, self.relaxed, RANGE_UNCHECKED, ENUM_UNCHECKED))

    def encode(self, request: ChatRequest, result: ChatResult) -> dict[str, Any]:
        return self.inner.encode(request, result)

    def stream_encoder(self, request: ChatRequest) -> StreamEncoder:
        return self.inner.stream_encoder(request)


# -- the chat codec -------------------------------------------------------------------------------------

def _text(content: Any) -> str:
    if isinstance(content, list):
        return "\n".join(p.get("text") or "" for p in content if isinstance(p, dict) and p.get("type") == "text")
    return content if isinstance(content, str) else ""


def _function_name(item: Any) -> Any:
    function = item.get("function") if isinstance(item, dict) else None
    return function.get("name") if isinstance(function, dict) else None


def _tool_choice_invalid(body: dict[str, Any]) -> bool:
    """``tool_choice`` without ``tools``, or naming a function ``tools`` does not define."""
    choice, tools = body.get("tool_choice"), body.get("tools")
    if choice is None:
        return False
    if not tools or not isinstance(tools, list):
        return True
    return not isinstance(choice, str) and _function_name(choice) not in {_function_name(t) for t in tools}


class _ChatCodec:
    """The Chat Completions codec with its named defects."""

    def __init__(self, inner: Codec, active: ActiveDefects, relaxed: _RelaxedCatalogs) -> None:
        self.inner, self.active, self.relaxed = inner, active, relaxed

    def _on(self, item: Defect) -> bool:
        return self.active.on(item.name)

    def decode(self, raw: bytes, catalog: Catalog) -> ChatRequest:
        body = json_body(raw)
        if not any(self._on(d) for d in _DECODE_DEFECTS) or not isinstance(body, dict):
            return self._decode(raw, catalog)
        if self._on(NULL_500) and "messages" in body and body["messages"] is None:
            raise TypeError("object of type 'NoneType' has no len()")
        if self._lax(body):
            raw = json.dumps(body).encode()
        request = self._decode(raw, catalog)
        self._reject(body)
        return self._changed(body, request)

    def _decode(self, raw: bytes, catalog: Catalog) -> ChatRequest:
        try:
            return self.inner.decode(raw, _relaxed(catalog, self.active, self.relaxed, WRONG_ENDPOINT))
        except NotFound as exc:
            if self._on(UNKNOWN_400) and exc.code == "model_not_found":
                raise InvalidRequest(exc.message, param="model") from None
            raise
        except InvalidRequest as exc:
            if self._on(MISSING_INVALID) and exc.code == "missing_parameter":
                raise InvalidRequest(exc.message, param=exc.param) from None
            raise

    def _lax(self, body: dict[str, Any]) -> bool:
        """Remove what a lax check would have let through; whether anything was removed."""
        changed = False
        if self._on(TOOL_CHOICE_IGNORED) and _tool_choice_invalid(body):
            del body["tool_choice"]
            changed = True
        if self._on(OPTIONS_ACCEPTED) and not body.get("stream") and body.get("stream_options") is not None:
            del body["stream_options"]
            changed = True
        return changed

    def _reject(self, body: dict[str, Any]) -> None:
        """Refuse what a too strict check would refuse (``body`` is valid: it decoded)."""
        if not (self._on(EMPTY_ARGS_REJECTED) or self._on(THINKING_REJECTED) or self._on(REASONING_REJECTED)):
            return
        for i, message in enumerate(body["messages"]):
            if message.get("role") != "assistant":
                continue
            if self._on(REASONING_REJECTED) and "reasoning_content" in message:
                raise InvalidRequest("Do not send reasoning_content back in input messages.",
                                     param=f"messages[{i}].reasoning_content")
            calls = message.get("tool_calls") or ()
            empty = any((c["function"].get("arguments") or "").strip() in ("", "{}") for c in calls)
            if self._on(EMPTY_ARGS_REJECTED) and empty:
                raise InvalidRequest("Tool call arguments must not be empty.", param=f"messages[{i}].tool_calls")
            if self._on(THINKING_REJECTED) and _text(message.get("content")).startswith(THINKING_HEADER):
                raise InvalidRequest("Assistant content must not contain reasoning.", param=f"messages[{i}].content")

    def _changed(self, body: dict[str, Any], request: ChatRequest) -> ChatRequest:
        if self._on(TOOL_RESULTS_DROPPED):
            request.messages = [m for m in request.messages if m.role != "tool"]
        if self._on(EXCLUDE_IGNORED):
            request.reasoning = replace(request.reasoning, exclude=False)
        if self._on(THINKING_DROPPED) and "thinking" in body:
            request.reasoning = ReasoningOptions(exclude=request.reasoning.exclude)
        if self._on(ALIAS_IGNORED) and body.get("max_completion_tokens") is None:
            request.max_output_tokens = None
        if self._on(RAW_IGNORED):
            request.raw = False
        return request

    def encode(self, request: ChatRequest, result: ChatResult) -> dict[str, Any]:
        body = self.inner.encode(request, result)
        if not any(self._on(d) for d in (REASONING_TOKENS_MISSING, COST_MISSING, CALLS_MERGED, ARGS_TRUNCATED,
                                         LENGTH_AS_STOP, COMPLETION_OBJECT_WRONG)):
            return body
        body = copy.deepcopy(body)
        _usage_defects(body["usage"], self.active)
        choice = body["choices"][0]
        calls = choice["message"].get("tool_calls")
        if calls and self._on(CALLS_MERGED):
            first = calls[0]
            arguments = "".join(c["function"]["arguments"] for c in calls)
            calls = choice["message"]["tool_calls"] = [{**first, "function": {**first["function"], "arguments": arguments}}]
        if calls and self._on(ARGS_TRUNCATED):
            for call in calls:
                call["function"]["arguments"] = call["function"]["arguments"][:-1]
        if self._on(LENGTH_AS_STOP) and choice["finish_reason"] == "length":
            choice["finish_reason"] = "stop"
        if self._on(COMPLETION_OBJECT_WRONG):
            body["object"] = "chat.completion.chunk"
        return body

    def stream_encoder(self, request: ChatRequest) -> StreamEncoder:
        encoder = self.inner.stream_encoder(request)
        assert isinstance(encoder, ChunkEncoder)
        return _ChatStream(encoder, self.active)


def _usage_defects(usage: dict[str, Any], active: ActiveDefects) -> None:
    if active.on(REASONING_TOKENS_MISSING.name):
        usage["completion_tokens_details"]["reasoning_tokens"] = 0
    if active.on(COST_MISSING.name):
        usage.pop("cost", None)


class _ChatStream:
    """The chat stream encoder with its named defects: IR events filtered in, frames transformed out."""

    def __init__(self, inner: ChunkEncoder, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active
        self.text_seen = False

    @property
    def usage(self) -> Usage | None:
        return self.inner.usage

    def _on(self, item: Defect) -> bool:
        return self.active.on(item.name)

    def start(self) -> list[Frame]:
        return self._frames(self.inner.start())

    def event(self, event: StreamEvent) -> list[Frame]:
        if isinstance(event, TextDelta):
            first, self.text_seen = not self.text_seen, True
            if first and self._on(FIRST_TEXT_DROPPED):
                return []
        frames = list(self.inner.event(event))
        if isinstance(event, Finished) and (self._on(FINISH_TWICE) or self._on(EMPTY_DELTAS)):
            chunks = self.inner
            frames.append(chunks.chunk({}, event.finish) if self._on(FINISH_TWICE) else chunks.chunk({}))
        return self._frames(frames)

    def end(self) -> list[Frame]:
        frames = list(self.inner.end())
        if self._on(USAGE_EARLY):
            usage = [f for f in frames if isinstance(f.data, dict) and f.data.get("choices") == []]
            frames = usage + [f for f in frames if f not in usage]
        if self._on(DONE_MISSING):
            frames = [f for f in frames if f != DONE]
        return self._frames(frames)

    def error(self, error: GatewayError) -> list[Frame]:
        frames = list(self.inner.error(error))
        if self._on(ERROR_WITHOUT_DONE):
            frames = [f for f in frames if f != DONE]
        return self._frames(frames)

    def _frames(self, frames: Sequence[Frame]) -> list[Frame]:
        if not any(self._on(d) for d in _FRAME_DEFECTS):
            return list(frames)
        return [self._frame(f) for f in frames]

    def _frame(self, frame: Frame) -> Frame:
        if not isinstance(frame.data, dict) or "choices" not in frame.data:
            return frame
        data = copy.deepcopy(frame.data)
        if data.get("usage"):
            _usage_defects(data["usage"], self.active)
        for choice in data["choices"]:
            delta = choice["delta"]
            if self._on(ROLE_REPEATED) and "role" not in delta:
                choice["delta"] = delta = {"role": "assistant", **delta}
            for call in delta.get("tool_calls") or ():
                if self._on(CALL_ID_DROPPED):
                    call.pop("id", None)
                if self._on(CALLS_MERGED):
                    call["index"] = 0
        if data["choices"]:
            if self._on(ID_UNSTABLE):
                data["id"] = new_id()
            if self._on(CHUNK_OBJECT_WRONG):
                data["object"] = "chat.completion"
        return Frame(frame.event, data)
