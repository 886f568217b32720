"""The minimal OpenAI-compatible upstream of the benchmark: ``POST …/chat/completions`` answers a fixed
completion, or with ``"stream": true`` a fixed stream of three content chunks, a finish chunk, a usage chunk
and ``[DONE]``. Raw ASGI on uvicorn (uvloop + httptools), one process: as fast as a Python server gets, so
that what is measured is what sits in front of it.

    python -m loadtests.bench.upstream --port 8101
"""

from __future__ import annotations

import argparse
import json

import uvicorn

_USAGE = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
_COMPLETION = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1_700_000_000, "model": "bench",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello from the bench."},
                 "finish_reason": "stop"}],
    "usage": _USAGE,
}).encode()


def _chunk(delta: dict[str, object], finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
    choices = [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}]
    body = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1_700_000_000,
            "model": "bench", "choices": choices, **({"usage": usage} if usage else {})}
    return b"data: " + json.dumps(body).encode() + b"\n\n"


STREAM = [
    _chunk({"role": "assistant", "content": "Hello"}),
    _chunk({"content": " from"}),
    _chunk({"content": " the bench."}),
    _chunk({}, "stop"),
    _chunk({}, usage=_USAGE),
    b"data: [DONE]\n\n",
]
"""The stream's frames, each written as its own body message."""


async def app(scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def, type-arg]
    """The upstream's ASGI app."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if not scope["path"].endswith("/chat/completions"):
        await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"error": {"message": "not found"}}'})
        return
    if b'"stream": true' in body or b'"stream":true' in body:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]})
        for frame in STREAM:
            await send({"type": "http.response.body", "body": frame, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(_COMPLETION)).encode())]})
    await send({"type": "http.response.body", "body": _COMPLETION})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, loop="uvloop", http="httptools", log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main()
