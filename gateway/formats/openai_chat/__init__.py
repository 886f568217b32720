"""The OpenAI Chat Completions format: :mod:`.decode` (request → IR) and :mod:`.encode` (IR → JSON / SSE)."""
