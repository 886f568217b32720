"""The Chat Completions codec: D-8 formatting is identical streamed and whole; raw mode is verbatim."""

from __future__ import annotations

import json

import pytest

from gateway.catalog import load_catalog
from gateway.config import Settings
from gateway.errors import InvalidRequest, NotFound
from gateway.formats.frames import Frame, serialise
from gateway.formats.openai_chat.decode import decode_chat
from gateway.formats.openai_chat.encode import ChunkEncoder, encode_result, thinking_block
from gateway.ir import ChatResult, Finished, ReasoningDelta, TextDelta, Usage, UsageReport
from gateway.sse import SSEDecoder

CATALOG = load_catalog(Settings().catalog_path)


def _decode(**body: object) -> object:
    body.setdefault("model", "deepseek-reasoner")
    body.setdefault("messages", [{"role": "user", "content": "hi"}])
    return decode_chat(json.dumps(body).encode(), CATALOG)


def test_thinking_block_format() -> None:
    assert thinking_block("a\n\nb") == "> **Thinking…**\n>\n> a\n>\n> b\n\n"


@pytest.mark.parametrize("reasoning", ["plain", "two\nlines", "ends with newline\n", "\nstarts", "a\n\n\nb"])
@pytest.mark.parametrize("pieces", [1, 3])
def test_streamed_content_equals_whole_content(reasoning: str, pieces: int) -> None:
    request = _decode(stream=True, stream_options={"include_usage": True})
    whole = encode_result(request, ChatResult("The answer.", reasoning, [], "stop", Usage(3, 4)))  # type: ignore[arg-type]
    encoder = ChunkEncoder(request)  # type: ignore[arg-type]
    frames: list[Frame] = []
    cuts = [reasoning[i::pieces] for i in range(pieces)] if pieces == 1 else [reasoning[:2], reasoning[2:5], reasoning[5:]]
    for part in cuts:
        if part:
            frames += encoder.event(ReasoningDelta(part))
    frames += encoder.event(TextDelta("The ")) + encoder.event(TextDelta("answer."))
    frames += encoder.event(Finished("stop")) + encoder.event(UsageReport(Usage(3, 4))) + encoder.end()
    events = SSEDecoder().feed(serialise(frames))
    assert events[-1].data == "[DONE]"
    chunks = [json.loads(e.data) for e in events[:-1]]
    streamed = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert streamed == whole["choices"][0]["message"]["content"]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 7


def test_raw_mode_keeps_content_verbatim_and_passes_upstream_fields() -> None:
    request = _decode(raw=True)
    result = ChatResult("Answer", "why", [], "stop", Usage(1, 2, extra={"prompt_cache_hit_tokens": 0}))
    body = encode_result(request, result)  # type: ignore[arg-type]
    assert body["choices"][0]["message"]["content"] == "Answer"
    assert body["choices"][0]["message"]["reasoning_content"] == "why"
    assert body["usage"]["prompt_cache_hit_tokens"] == 0


@pytest.mark.parametrize(
    "body,param",
    [
        ({"stream_options": {"include_usage": True}}, "stream_options"),
        ({"max_tokens": 5, "max_completion_tokens": 6}, "max_tokens"),
        ({"logprobs": True}, "logprobs"),
    ],
)
def test_bad_requests_name_their_param(body: dict[str, object], param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _decode(**body)
    assert caught.value.param == param


def test_unknown_and_unavailable_models_are_404() -> None:
    for model in ("no-such-model", "claude-3-opus-20240229"):
        with pytest.raises(NotFound):
            _decode(model=model)


def test_assistant_thinking_block_is_stripped_on_the_way_back() -> None:
    request = _decode(messages=[
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": thinking_block("r") + "previous answer"},
        {"role": "user", "content": "again"},
    ])
    assert request.messages[1].content == "previous answer"  # type: ignore[attr-defined]


def test_reasoning_content_sent_back_is_kept_in_the_ir() -> None:
    request = _decode(messages=[
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a", "reasoning_content": "why"},
        {"role": "user", "content": "again"},
    ])
    assert [m.reasoning for m in request.messages] == [None, "why", None]  # type: ignore[attr-defined]
