"""The suites read streams with the same incremental SSE decoder the gateway uses for upstreams."""

from gateway.sse import ServerSentEvent, SSEDecoder

__all__ = ["SSEDecoder", "ServerSentEvent"]
