"""Realistic wire payloads validate against the component schemas; wrong ones do not.

Validation uses jsonschema Draft 2020-12 with a `referencing` registry holding
the whole OpenAPI document, so `$ref`s resolve exactly as the harness resolves them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator

Schema = Callable[[str], Draft202012Validator]

THINKING = "> **Thinking…**\n>\n> The user greets me.\n> Reply briefly.\n\nHello! How can I help?"

CHAT_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-9f2c1a7e4b",
    "object": "chat.completion",
    "created": 1767225600,
    "model": "deepseek-v4-pro",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": THINKING,
                "reasoning_content": "The user greets me.\nReply briefly.",
                "refusal": None,
            },
            "finish_reason": "stop",
            "logprobs": None,
        }
    ],
    "usage": {
        "prompt_tokens": 9,
        "completion_tokens": 21,
        "total_tokens": 30,
        "completion_tokens_details": {"reasoning_tokens": 12},
        "prompt_tokens_details": {"cached_tokens": 0},
        "cost": 0.0000742,
    },
}

TOOL_CALL_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-abc123",
    "object": "chat.completion",
    "created": 1767225600,
    "model": "qwen3-max",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    }
                ],
            },
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {"prompt_tokens": 50, "completion_tokens": 18, "total_tokens": 68},
}

FIRST_CHUNK: dict[str, Any] = {
    "id": "chatcmpl-9f2c1a7e4b",
    "object": "chat.completion.chunk",
    "created": 1767225600,
    "model": "deepseek-v4-pro",
    "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}],
}

TOOL_CHUNK: dict[str, Any] = {
    "id": "chatcmpl-9f2c1a7e4b",
    "object": "chat.completion.chunk",
    "created": 1767225600,
    "model": "qwen3-max",
    "choices": [
        {
            "index": 0,
            "delta": {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ]
            },
            "finish_reason": None,
        }
    ],
    "usage": None,
}

USAGE_CHUNK: dict[str, Any] = {
    "id": "chatcmpl-9f2c1a7e4b",
    "object": "chat.completion.chunk",
    "created": 1767225600,
    "model": "deepseek-v4-pro",
    "choices": [],
    "usage": {"prompt_tokens": 9, "completion_tokens": 21, "total_tokens": 30, "cost": 0.0000742},
}

STREAM_ERROR = {
    "error": {
        "message": "The model provider returned an error.",
        "type": "api_error",
        "param": None,
        "code": "upstream_error",
    }
}

MESSAGE_START: dict[str, Any] = {
    "type": "message_start",
    "message": {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "mistral-medium-3-1",
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 25, "output_tokens": 1},
    },
}

MESSAGE: dict[str, Any] = {
    "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
    "type": "message",
    "role": "assistant",
    "content": [
        {"type": "thinking", "thinking": "Greeting.", "signature": "sig=="},
        {"type": "text", "text": "Hello!"},
        {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}},
    ],
    "model": "deepreasoning",
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 25,
        "output_tokens": 40,
        "cache_creation_input_tokens": None,
        "cache_read_input_tokens": 0,
        "cost": 0.0012,
    },
}

OUTPUT_TEXT_DELTA = {
    "type": "response.output_text.delta",
    "sequence_number": 4,
    "item_id": "msg_67c9fdcf37fc8190ba82116e33fb28c5",
    "output_index": 0,
    "content_index": 0,
    "delta": "Hello",
    "logprobs": [],
}

RESPONSE: dict[str, Any] = {
    "id": "resp_67ccd2bed1ec8190b14f964abc054267",
    "object": "response",
    "created_at": 1767225600,
    "status": "completed",
    "model": "seed-2-0-pro",
    "output": [
        {
            "id": "rs_1",
            "type": "reasoning",
            "summary": [],
            "content": [{"type": "reasoning_text", "text": "Plan."}],
            "status": "completed",
        },
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": "1. Ship it.", "annotations": []}],
        },
        {
            "id": "fc_1",
            "type": "function_call",
            "call_id": "call_1",
            "name": "lookup",
            "arguments": "{}",
            "status": "completed",
        },
    ],
    "usage": {
        "input_tokens": 12,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 30,
        "output_tokens_details": {"reasoning_tokens": 5},
        "total_tokens": 42,
        "cost": 0.0004,
    },
    "error": None,
    "incomplete_details": None,
    "parallel_tool_calls": True,
    "tool_choice": "auto",
    "tools": [],
    "completed_at": 1767225601,
    "previous_response_id": None,
    "instructions": None,
    "truncation": "disabled",
    "text": {"format": {"type": "text"}},
    "temperature": 1.0,
    "top_p": 1.0,
    "presence_penalty": 0.0,
    "frequency_penalty": 0.0,
    "top_logprobs": 0,
    "reasoning": {"effort": None, "summary": None},
    "user": None,
    "max_output_tokens": None,
    "max_tool_calls": None,
    "store": False,
    "background": False,
    "service_tier": "default",
    "metadata": {},
    "safety_identifier": None,
    "prompt_cache_key": None,
}

OPENAI_401 = {
    "error": {
        "message": "Invalid API key.",
        "type": "authentication_error",
        "param": None,
        "code": "invalid_api_key",
    }
}
OPENAI_404_MODEL = {
    "error": {
        "message": "Model 'nope' not found.",
        "type": "not_found_error",
        "param": "model",
        "code": "model_not_found",
    }
}
ANTHROPIC_400 = {
    "type": "error",
    "error": {"type": "invalid_request_error", "message": "max_tokens: field required"},
}

MODEL: dict[str, Any] = {
    "id": "deepseek-v4-pro:variant2",
    "object": "model",
    "created": 1767225600,
    "owned_by": "deepseek",
    "display_name": "DeepSeek V4 Pro :variant2",
    "provider": "DeepSeek",
    "category": "reasoning",
    "endpoints": ["/v1/chat/completions", "/v1/responses", "/v1/messages"],
    "input_modalities": ["text"],
    "output_modalities": ["text"],
    "context_window": 1000000,
    "max_output_tokens": 393216,
    "served_from": "China",
    "features": ["reasoning"],
    "capabilities": {
        "streaming": True,
        "system_prompt": True,
        "tool_calling": True,
        "vision": False,
        "audio_input": False,
        "video_input": False,
        "web_search": True,
        "thinking": True,
        "citations": False,
    },
    "pricing_rows": [
        {
            "charge": "Input",
            "spec": "per 1M prompt tokens",
            "unit": "token",
            "direction": "input",
            "per": 1000000,
            "rate_usd": "1.65",
            "list_rate_usd": "1.74",
            "tier": None,
        },
        {
            "charge": "Implicit cache read",
            "spec": "per 1M cached input tokens",
            "unit": "token",
            "direction": "cache_read",
            "per": 1000000,
            "rate_usd": "0.138",
            "list_rate_usd": None,
            "tier": {"min_tokens": 0, "max_tokens": None},
            "conditions": None,
        },
    ],
    "supported_parameters": [
        {"name": "temperature", "type": "number", "default": 0.7, "minimum": 0, "maximum": 2},
        {
            "name": "reasoning_effort",
            "type": "string",
            "default": "medium",
            "enum": ["none", "low", "medium", "high", "max"],
        },
        {
            "name": "thinking_budget",
            "type": "integer",
            "default": 32768,
            "minimum": 1,
            "maximum": 393216,
            "applies_when": {"enable_thinking": True},
        },
        {"name": "max_tokens", "type": "integer", "deprecated": True, "alias_of": "max_completion_tokens"},
        {"name": "stop", "type": ["string", "array"], "items": {"type": "string"}},
        {
            "name": "disable_formatting",
            "type": "boolean",
            "default": False,
            "aliases": ["raw", "passthrough", "raw_response"],
        },
    ],
    "default_params": {"temperature": 0.7},
    "api_status": "platform",
    "available": True,
    "variant_of": "deepseek-v4-pro",
    "is_new": True,
    "native_inference": False,
}

JOB_COMPLETED: dict[str, Any] = {
    "id": "job_01HZX3V6Q9",
    "object": "job",
    "type": "transcription",
    "status": "completed",
    "model": "deepgram-nova-3",
    "created_at": 1767225600,
    "started_at": 1767225601,
    "completed_at": 1767225660,
    "expires_at": 1767229260,
    "result": {
        "text": "Hello.",
        "language": "en",
        "duration_seconds": 1.8,
        "segments": [{"start": 0, "end": 1.8, "text": "Hello."}],
        "transcript_url": "https://media.empiriolabs.ai/t/abc.json?sig=x",
    },
    "error": None,
}

JOB_ACCEPTED: dict[str, Any] = {
    "id": "job_01HZX3V7K2",
    "job_id": "job_01HZX3V7K2",
    "object": "job",
    "type": "video_generation",
    "status": "queued",
    "model": "wan-2-6",
    "created_at": 1767225600,
    "result": None,
    "error": None,
    "polling_url": "https://api.empiriolabs.ai/v1/jobs/job_01HZX3V7K2",
}


def _ok(v: Draft202012Validator, payload: Any) -> None:
    errors = sorted(v.iter_errors(payload), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def _bad(v: Draft202012Validator, payload: Any) -> None:
    assert not v.is_valid(payload), f"expected a validation failure for {payload!r}"


def mutate(payload: dict[str, Any], path: str, value: Any = ..., delete: bool = False) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    *parents, last = path.split(".")
    node: Any = out
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if delete:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


# --- valid samples ----------------------------------------------------------

VALID = [
    ("ChatCompletion", CHAT_COMPLETION),
    ("ChatCompletion", TOOL_CALL_COMPLETION),
    ("ChatCompletionChunk", FIRST_CHUNK),
    ("ChatCompletionChunk", TOOL_CHUNK),
    ("ChatCompletionUsageChunk", USAGE_CHUNK),
    ("ChatCompletionStreamError", STREAM_ERROR),
    ("StreamDone", "[DONE]"),
    ("MessageStartEvent", MESSAGE_START),
    ("Message", MESSAGE),
    (
        "ContentBlockStartEvent",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}},
    ),
    (
        "ContentBlockStartEvent",
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
    ),
    (
        "ContentBlockDeltaEvent",
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hi"}},
    ),
    (
        "ContentBlockDeltaEvent",
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "input_json_delta", "partial_json": '{"ci'},
        },
    ),
    (
        "ContentBlockDeltaEvent",
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "signature_delta", "signature": "EqQB"},
        },
    ),
    ("ContentBlockStopEvent", {"type": "content_block_stop", "index": 0}),
    (
        "MessageDeltaEvent",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 15},
        },
    ),
    ("MessageStopEvent", {"type": "message_stop"}),
    ("PingEvent", {"type": "ping"}),
    ("StreamErrorEvent", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    ("ResponseOutputTextDeltaEvent", OUTPUT_TEXT_DELTA),
    ("Response", RESPONSE),
    (
        "ResponseCreatedEvent",
        {
            "type": "response.created",
            "sequence_number": 0,
            "response": {**RESPONSE, "status": "in_progress", "output": [], "usage": None},
        },
    ),
    ("ResponseCompletedEvent", {"type": "response.completed", "sequence_number": 9, "response": RESPONSE}),
    (
        "ResponseFailedEvent",
        {
            "type": "response.failed",
            "sequence_number": 5,
            "response": {
                **RESPONSE,
                "status": "failed",
                "usage": None,
                "error": {"code": "upstream_error", "message": "Upstream failed."},
            },
        },
    ),
    (
        "ResponseErrorEvent",
        {
            "type": "error",
            "sequence_number": 4,
            "code": "upstream_error",
            "message": "Upstream failed.",
            "param": None,
        },
    ),
    (
        "ResponseReasoningTextDeltaEvent",
        {
            "type": "response.reasoning_text.delta",
            "sequence_number": 3,
            "item_id": "rs_1",
            "output_index": 0,
            "content_index": 0,
            "delta": "Plan",
        },
    ),
    ("OpenAIError", OPENAI_401),
    ("OpenAIErrorAuthentication", OPENAI_401),
    ("OpenAIErrorModelNotFound", OPENAI_404_MODEL),
    ("AnthropicError", ANTHROPIC_400),
    ("AnthropicErrorInvalidRequest", ANTHROPIC_400),
    ("Model", MODEL),
    ("ModelList", {"object": "list", "data": [MODEL]}),
    ("Job", JOB_COMPLETED),
    (
        "Job",
        {
            **JOB_ACCEPTED,
            "status": "failed",
            "result": None,
            "error": {
                "message": "Upstream failed.",
                "type": "api_error",
                "param": None,
                "code": "upstream_error",
            },
        },
    ),
    ("JobAccepted", JOB_ACCEPTED),
    (
        "ImageGenerationResponse",
        {
            "created": 1767225600,
            "model": "qwen-image-2-0",
            "job_id": "job_1",
            "data": [{"url": "https://media.empiriolabs.ai/i/1.png?sig=x", "b64_json": "iVBORw0KGgo="}],
        },
    ),
    (
        "SpeechResponse",
        {
            "created": 1767225600,
            "model": "glm-tts",
            "data": [
                {"url": "https://media.empiriolabs.ai/a/1.mp3", "format": "mp3", "duration_seconds": 2.1}
            ],
        },
    ),
    (
        "SearchResponse",
        {
            "id": "search_1",
            "object": "search.result",
            "created": 1767225600,
            "model": "exa-search",
            "query": "latest LLM benchmarks 2026",
            "results": [{"title": "Bench", "url": "https://example.org/b"}],
        },
    ),
    (
        "FileUploadResponse",
        {
            "id": "file_1",
            "object": "file",
            "path": "bunny://uploads/acct/meeting.mp3",
            "filename": "meeting.mp3",
            "bytes": 1024,
            "content_type": "audio/mpeg",
            "created_at": 1767225600,
        },
    ),
    (
        "EmbeddingResponse",
        {
            "object": "list",
            "model": "nomic-embed",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.1, -0.2]}],
            "usage": {"prompt_tokens": 3, "total_tokens": 3},
        },
    ),
    (
        "ChatCompletionRequest",
        {
            "model": "qwen3-max",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image_url", "image_url": {"url": "bunny://u/x.png"}},
                    ],
                },
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "42"},
            ],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
            "tool_choice": {"type": "function", "function": {"name": "f"}},
            "stream": True,
            "stream_options": {"include_usage": True},
            "reasoning": {"effort": "high", "exclude": False},
            "disable_formatting": True,
            "x_vendor_field": {"anything": 1},
        },
    ),
    (
        "MessagesRequest",
        {
            "model": "mistral-medium-3-1",
            "max_tokens": 256,
            "system": "Be brief.",
            "messages": [
                {"role": "user", "content": "Hello"},
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}],
                },
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "42", "is_error": False},
                        {"type": "text", "text": "Go on."},
                    ],
                },
            ],
        },
    ),
    (
        "ResponseCreateRequest",
        {
            "model": "seed-2-0-pro",
            "input": [
                {"role": "user", "content": "Hi"},
                {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "call_1", "output": "42"},
            ],
        },
    ),
]


@pytest.mark.parametrize(("name", "payload"), VALID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(VALID)])
def test_valid_sample(schema: Schema, name: str, payload: Any) -> None:
    _ok(schema(name), payload)


# --- wrong samples ----------------------------------------------------------

INVALID = [
    # The two cases the brief names.
    ("AnthropicError", mutate(ANTHROPIC_400, "error.type", "invalid_request")),
    ("ChatCompletionChunk", mutate(FIRST_CHUNK, "id", delete=True)),
    # Envelopes.
    ("OpenAIError", mutate(OPENAI_401, "error.param", delete=True)),
    ("OpenAIError", mutate(OPENAI_401, "error.code", delete=True)),
    ("OpenAIError", {"code": "invalid_api_key", "message": "docs' Error shape"}),
    ("OpenAIError", ANTHROPIC_400),
    ("AnthropicError", OPENAI_401),
    ("AnthropicError", mutate(ANTHROPIC_400, "type", "err")),
    ("OpenAIErrorAuthentication", mutate(OPENAI_401, "error.code", "insufficient_credits")),
    ("OpenAIErrorRateLimit", mutate(OPENAI_401, "error.type", "rate_limit_error")),
    ("OpenAIErrorModelNotFound", mutate(OPENAI_404_MODEL, "error.param", "messages")),
    ("AnthropicErrorOverloaded", mutate(ANTHROPIC_400, "error.type", "api_error")),
    ("AnthropicErrorRateLimit", ANTHROPIC_400),
    # Chat.
    ("ChatCompletion", mutate(CHAT_COMPLETION, "id", "5f3c0e7a-8a2b-4b9e-9d1e-2c4f6a8b0d1e")),
    ("ChatCompletion", mutate(CHAT_COMPLETION, "object", "chat.completion.chunk")),
    ("ChatCompletion", mutate(CHAT_COMPLETION, "usage", delete=True)),
    ("ChatCompletion", mutate(CHAT_COMPLETION, "choices.0.finish_reason", None)),
    ("ChatCompletion", mutate(CHAT_COMPLETION, "choices.0.message.role", "user")),
    ("ChatCompletion", mutate(CHAT_COMPLETION, "usage.cost", "0.01")),
    ("ChatCompletionChunk", mutate(FIRST_CHUNK, "choices", [])),
    ("ChatCompletionChunk", mutate(FIRST_CHUNK, "choices.0.finish_reason", delete=True)),
    ("ChatCompletionChunk", mutate(FIRST_CHUNK, "created", "1767225600")),
    ("ChatCompletionChunk", mutate(TOOL_CHUNK, "choices.0.delta.tool_calls.0.index", delete=True)),
    ("ChatCompletionUsageChunk", mutate(USAGE_CHUNK, "usage", None)),
    ("ChatCompletionUsageChunk", FIRST_CHUNK),
    ("StreamDone", "DONE"),
    # Anthropic.
    ("MessageStartEvent", mutate(MESSAGE_START, "message.content", [{"type": "text", "text": "x"}])),
    ("MessageStartEvent", mutate(MESSAGE_START, "message.usage", delete=True)),
    ("Message", mutate(MESSAGE, "stop_reason", "stop")),
    ("Message", mutate(MESSAGE, "id", "chatcmpl-1")),
    (
        "ContentBlockDeltaEvent",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text", "text": "x"}},
    ),
    ("MessageDeltaEvent", {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {}}),
    # Responses.
    ("ResponseOutputTextDeltaEvent", mutate(OUTPUT_TEXT_DELTA, "sequence_number", delete=True)),
    ("ResponseOutputTextDeltaEvent", mutate(OUTPUT_TEXT_DELTA, "sequence_number", "4")),
    ("ResponseOutputTextDeltaEvent", mutate(OUTPUT_TEXT_DELTA, "type", "response.output_text.done")),
    (
        "ResponseCompletedEvent",
        {"type": "response.completed", "sequence_number": 9, "response": {**RESPONSE, "status": "failed"}},
    ),
    (
        "ResponseCompletedEvent",
        {"type": "response.completed", "sequence_number": 9, "response": {**RESPONSE, "usage": None}},
    ),
    ("Response", mutate(RESPONSE, "id", "chatcmpl-1")),
    ("Response", mutate(RESPONSE, "output.0.summary", delete=True)),
    # Model catalog.
    ("Model", mutate(MODEL, "pricing_rows", delete=True)),
    ("Model", mutate(MODEL, "pricing_rows", [])),
    ("Model", mutate(MODEL, "pricing_rows.0.rate_usd", "1e-3")),
    ("Model", mutate(MODEL, "pricing_rows.0.rate_usd", 1.65)),
    ("Model", mutate(MODEL, "pricing_rows.0.per", 0)),
    ("Model", mutate(MODEL, "pricing_rows.0.unit", "minute")),
    ("Model", mutate(MODEL, "id", "DeepSeek-V4-Pro")),
    ("Model", mutate(MODEL, "category", "Text & reasoning")),
    ("Model", mutate(MODEL, "capabilities.citations", delete=True)),
    ("Model", mutate(MODEL, "endpoints", ["/v1/files/upload"])),
    ("Model", mutate(MODEL, "supported_parameters.0.type", "float")),
    ("Model", mutate(MODEL, "supported_parameters.0.type", ["number"])),
    ("Model", mutate(MODEL, "supported_parameters.0.type", ["number", "float"])),
    ("Model", mutate(MODEL, "input_modalities", ["embedding"])),
    ("Model", mutate(MODEL, "served_from", "")),
    ("Model", mutate(MODEL, "pricing_rows.0.direction", "both")),
    ("Model", mutate(MODEL, "api_status", "live")),
    ("ModelList", {"object": "catalog", "data": [MODEL]}),
    # Jobs.
    ("Job", mutate(JOB_COMPLETED, "status", "succeeded")),
    ("Job", mutate(JOB_COMPLETED, "result", None)),
    ("Job", mutate(JOB_COMPLETED, "result", {"data": [{"url": "https://media.empiriolabs.ai/v.mp4"}]})),
    ("Job", mutate(JOB_ACCEPTED, "result", {"text": "too early"})),
    ("JobAccepted", mutate(JOB_ACCEPTED, "polling_url", delete=True)),
    ("JobAccepted", mutate(JOB_ACCEPTED, "status", "completed")),
    # Media.
    (
        "FileUploadResponse",
        {
            "id": "file_1",
            "object": "file",
            "path": "s3://bucket/x.mp3",
            "filename": "x.mp3",
            "bytes": 1,
            "content_type": "audio/mpeg",
            "created_at": 1,
        },
    ),
    (
        "ImageGenerationResponse",
        {"created": 1, "model": "m", "job_id": "job_1", "data": [{"b64_json": "iVBOR"}]},
    ),
    # Requests keep their known fields typed even though extra fields are allowed.
    ("ChatCompletionRequest", {"model": "m", "messages": []}),
    ("ChatCompletionRequest", {"model": "m", "messages": [{"role": "robot", "content": "hi"}]}),
    (
        "ChatCompletionRequest",
        {"model": "m", "messages": [{"role": "user", "content": "hi"}], "tool_choice": "sometimes"},
    ),
    (
        "ChatCompletionRequest",
        {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stop": ["a", "b", "c", "d", "e"]},
    ),
    ("MessagesRequest", {"model": "m", "messages": [{"role": "user", "content": "hi"}]}),
    ("MessagesRequest", {"model": "m", "max_tokens": 5, "messages": [{"role": "system", "content": "hi"}]}),
]


@pytest.mark.parametrize(("name", "payload"), INVALID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(INVALID)])
def test_wrong_sample_fails(schema: Schema, name: str, payload: Any) -> None:
    _bad(schema(name), payload)


def test_every_sse_schema_has_a_valid_sample(openapi: dict[str, Any]) -> None:
    """Each streamed event schema is exercised by at least one valid sample above (or is covered below)."""
    labelled: set[str] = set()
    for item in openapi["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and "responses" in op:
                stream = op["responses"].get("200", {}).get("content", {}).get("text/event-stream")
                if stream:
                    labelled |= {ref["$ref"].rsplit("/", 1)[1] for ref in stream["x-sse-events"].values()}
    sampled = {name for name, _ in VALID} | set(EXTRA_EVENT_SAMPLES)
    assert labelled <= sampled, sorted(labelled - sampled)


EXTRA_EVENT_SAMPLES: dict[str, dict[str, Any]] = {
    "ResponseInProgressEvent": {
        "type": "response.in_progress",
        "sequence_number": 1,
        "response": {**RESPONSE, "status": "in_progress", "output": [], "usage": None},
    },
    "ResponseOutputItemAddedEvent": {
        "type": "response.output_item.added",
        "sequence_number": 2,
        "output_index": 0,
        "item": {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        },
    },
    "ResponseOutputItemDoneEvent": {
        "type": "response.output_item.done",
        "sequence_number": 8,
        "output_index": 0,
        "item": RESPONSE["output"][1],
    },
    "ResponseContentPartAddedEvent": {
        "type": "response.content_part.added",
        "sequence_number": 3,
        "item_id": "msg_1",
        "output_index": 0,
        "content_index": 0,
        "part": {"type": "output_text", "text": "", "annotations": []},
    },
    "ResponseContentPartDoneEvent": {
        "type": "response.content_part.done",
        "sequence_number": 7,
        "item_id": "msg_1",
        "output_index": 0,
        "content_index": 0,
        "part": {"type": "output_text", "text": "Hello", "annotations": []},
    },
    "ResponseOutputTextDoneEvent": {
        "type": "response.output_text.done",
        "sequence_number": 6,
        "item_id": "msg_1",
        "output_index": 0,
        "content_index": 0,
        "text": "Hello",
        "logprobs": [],
    },
    "ResponseFunctionCallArgumentsDeltaEvent": {
        "type": "response.function_call_arguments.delta",
        "sequence_number": 4,
        "item_id": "fc_1",
        "output_index": 1,
        "delta": '{"ci',
    },
    "ResponseFunctionCallArgumentsDoneEvent": {
        "type": "response.function_call_arguments.done",
        "sequence_number": 5,
        "item_id": "fc_1",
        "output_index": 1,
        "arguments": '{"city":"Paris"}',
    },
    "ResponseReasoningTextDoneEvent": {
        "type": "response.reasoning_text.done",
        "sequence_number": 4,
        "item_id": "rs_1",
        "output_index": 0,
        "content_index": 0,
        "text": "Plan.",
    },
    "ResponseReasoningSummaryPartAddedEvent": {
        "type": "response.reasoning_summary_part.added", "sequence_number": 3, "item_id": "rs_1",
        "output_index": 0, "summary_index": 0, "part": {"type": "summary_text", "text": ""},
    },
    "ResponseReasoningSummaryTextDeltaEvent": {
        "type": "response.reasoning_summary_text.delta", "sequence_number": 4, "item_id": "rs_1",
        "output_index": 0, "summary_index": 0, "delta": "Plan.",
    },
    "ResponseReasoningSummaryTextDoneEvent": {
        "type": "response.reasoning_summary_text.done", "sequence_number": 5, "item_id": "rs_1",
        "output_index": 0, "summary_index": 0, "text": "Plan.",
    },
    "ResponseReasoningSummaryPartDoneEvent": {
        "type": "response.reasoning_summary_part.done", "sequence_number": 6, "item_id": "rs_1",
        "output_index": 0, "summary_index": 0, "part": {"type": "summary_text", "text": "Plan."},
    },
    "ResponseIncompleteEvent": {
        "type": "response.incomplete",
        "sequence_number": 9,
        "response": {
            **RESPONSE,
            "status": "incomplete",
            "incomplete_details": {"reason": "max_output_tokens"},
        },
    },
}


@pytest.mark.parametrize("name", sorted(EXTRA_EVENT_SAMPLES))
def test_extra_event_sample(schema: Schema, name: str) -> None:
    _ok(schema(name), EXTRA_EVENT_SAMPLES[name])


# --- AsyncAPI payloads ------------------------------------------------------

RUN_COMPLETED = {
    "type": "run.completed",
    "runId": "job_01HZX3V6Q9",
    "occurredAt": "2026-05-01T12:01:10Z",
    "status": "completed",
    "output": {"text": "Hello.", "files": [], "result": {"text": "Hello."}},
}


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("SubscribeRequest", {"type": "subscribe", "runIds": ["job_1", "job_2"]}),
        ("SubscribeRequest", {"type": "subscribe", "runId": "job_1", "projectId": "p"}),
        ("Subscribed", {"type": "subscribed", "runIds": ["job_1"], "occurredAt": "2026-05-01T12:00:00Z"}),
        (
            "RunQueued",
            {
                "type": "run.queued",
                "runId": "job_1",
                "occurredAt": "2026-05-01T12:00:00Z",
                "status": "queued",
            },
        ),
        (
            "RunStarted",
            {
                "type": "run.started",
                "runId": "job_1",
                "occurredAt": "2026-05-01T12:00:00Z",
                "status": "running",
            },
        ),
        ("RunCompleted", RUN_COMPLETED),
        (
            "RunFailed",
            {
                "type": "run.failed",
                "runId": "job_1",
                "occurredAt": "2026-05-01T12:00:00Z",
                "status": "failed",
                "error": "The model provider returned an error.",
                "code": "upstream_error",
            },
        ),
        (
            "ErrorMessage",
            {
                "type": "error",
                "code": "run_not_found",
                "message": "No such run.",
                "runId": "nope",
                "occurredAt": "2026-05-01T12:00:00Z",
            },
        ),
        ("SubscribeRequest", {"runId": "job_1", "projectId": "p"}),
        ("RunFailed", {"type": "run.failed", "runId": "job_1", "occurredAt": "2026-05-01T12:00:00Z",
                       "status": "failed", "error": "x"}),
    ],
)
def test_asyncapi_valid_payload(async_schema: Schema, name: str, payload: Any) -> None:
    _ok(async_schema(name), payload)


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("SubscribeRequest", {"type": "subscribe"}),
        ("SubscribeRequest", {"type": "subscribe", "runIds": []}),
        ("SubscribeRequest", {"type": "subscribe", "runIds": ["job_1", "job_1"]}),
        ("RunCompleted", {k: v for k, v in RUN_COMPLETED.items() if k != "output"}),
        ("RunCompleted", {**RUN_COMPLETED, "status": "succeeded"}),
        (
            "RunQueued",
            {
                "type": "run.queued",
                "runId": "job_1",
                "occurredAt": "2026-05-01T12:00:00Z",
                "status": "completed",
            },
        ),
        (
            "ErrorMessage",
            {
                "type": "error",
                "code": "oops",
                "message": "x",
                "runId": None,
                "occurredAt": "2026-05-01T12:00:00Z",
            },
        ),
    ],
)
def test_asyncapi_wrong_payload_fails(async_schema: Schema, name: str, payload: Any) -> None:
    _bad(async_schema(name), payload)


def test_asyncapi_structure(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["asyncapi"] == "2.6.0"
    assert asyncapi["servers"]["production"]["url"] == "wss://realtime.empiriolabs.ai"
    local = asyncapi["servers"]["local"]
    assert local["url"] == "ws://127.0.0.1:{port}" and "port" in local["variables"]
    schemes = asyncapi["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["type"] == "http" and schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["apiKeyAuth"] == {
        **schemes["apiKeyAuth"],
        "type": "httpApiKey",
        "in": "header",
        "name": "x-api-key",
    }
    for server in asyncapi["servers"].values():
        assert server["security"] == [{"bearerAuth": []}, {"apiKeyAuth": []}, {"browserAuth": []}]
    assert schemes["browserAuth"]["name"] == "Sec-WebSocket-Protocol"
    channel = asyncapi["channels"]["/v1/runs/events"]
    assert channel["publish"]["message"]["$ref"] == "#/components/messages/subscribe"
    received = {ref["$ref"].rsplit("/", 1)[1] for ref in channel["subscribe"]["message"]["oneOf"]}
    assert received == {"subscribed", "runQueued", "runStarted", "runCompleted", "runFailed", "error"}
    names = {m["name"] for m in asyncapi["components"]["messages"].values()}
    assert {"run.queued", "run.completed", "run.failed", "error", "subscribe"} <= names
