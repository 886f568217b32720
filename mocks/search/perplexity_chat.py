"""Perplexity's chat completions: ``POST /perplexity/chat/completions`` (Bearer) ``{model, messages,
web_search_options: {search_context_size}, search_domain_filter}`` → an OpenAI ``chat.completion`` plus
``citations`` (URLs) and ``search_results`` (``[{title, url, date, last_updated, snippet}]``), with
Perplexity's usage fields.

The answer is :func:`mocks.search.pages.answer_for` the last user text followed by ``[1][2]``; reasoning
models (``sonar-reasoning-pro``) open it with a ``<think>…</think>`` block. :data:`RESULTS` pages are
found. Usage (:func:`usage`): ``prompt_tokens`` the tokens of the messages' text plus 3 each,
``completion_tokens`` those of the content; the research models add ``citation_tokens`` (the snippets'
tokens), ``reasoning_tokens`` and ``num_search_queries``, Advanced Deep Research also ``num_url_fetches``.
Directives in the last user text are the family's faults.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.routing import Route

from mocks.openai.dialect import OpenAIDialect
from mocks.provider import ApiError, Call, Family, dumps, endpoint
from mocks.search.auth import bearer
from mocks.search.pages import Page, answer_for, pages_for
from mocks.text import count_tokens
from mocks.wire import JSONDelivery

__all__ = ["MODELS", "RESULTS", "content_for", "routes", "usage"]

MODELS = frozenset({"sonar", "sonar-pro", "sonar-reasoning-pro", "sonar-deep-research", "advanced-deep-research"})
RESEARCH = frozenset({"sonar-deep-research", "advanced-deep-research"})
RESULTS = 5
SEARCH_QUERIES = 3
URL_FETCHES = 2
REASONING_TOKENS = 30
_CONTEXT_SIZES = ("low", "medium", "high")


def content_for(model: str, question: str) -> str:
    answer = f"{answer_for(question)} [1][2]"
    if model == "sonar-reasoning-pro":
        return f"<think>Let me think about {' '.join(question.split()[:12])}.</think>\n{answer}"
    return answer


def usage(model: str, prompt_tokens: int, content: str, pages: list[Page], context: str) -> dict[str, Any]:
    completion = count_tokens(content)
    out: dict[str, Any] = {"prompt_tokens": prompt_tokens, "completion_tokens": completion,
                           "total_tokens": prompt_tokens + completion, "search_context_size": context}
    if model in RESEARCH:
        out |= {"citation_tokens": sum(count_tokens(p.content) for p in pages), "reasoning_tokens": REASONING_TOKENS,
                "num_search_queries": SEARCH_QUERIES}
    if model == "advanced-deep-research":
        out["num_url_fetches"] = URL_FETCHES
    out["cost"] = {"total_cost": 0.0123, "request_cost": 0.005}
    return out


def _question(body: dict[str, Any]) -> tuple[str, int]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages or not all(
            isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages):
        raise ApiError(400, "'messages' must be a non-empty list of {role, content} with text.", param="messages")
    users = [m["content"] for m in messages if m.get("role") == "user"]
    if not users or not users[-1].strip():
        raise ApiError(400, "the last user message must have text.", param="messages")
    return users[-1], sum(count_tokens(m["content"]) + 3 for m in messages)


def _context(body: dict[str, Any]) -> str:
    options = body.get("web_search_options") or {}
    context = options.get("search_context_size", "low") if isinstance(options, dict) else None
    if context not in _CONTEXT_SIZES:
        raise ApiError(400, "'web_search_options.search_context_size' must be low, medium or high.",
                       param="web_search_options.search_context_size")
    return str(context)


def _domains(body: dict[str, Any]) -> tuple[list[str], list[str]]:
    listed = [d for d in body.get("search_domain_filter") or () if isinstance(d, str)]
    return [d for d in listed if not d.startswith("-")], [d[1:] for d in listed if d.startswith("-")]


async def _complete(call: Call) -> Any:
    model = call.body.get("model")
    if model not in MODELS:
        raise ApiError(400, f"Invalid model '{model}'.", code="invalid_model", param="model")
    text, prompt_tokens = _question(call.body)
    context = _context(call.body)
    question, plan = call.plan(text)
    if plan.status:
        raise ApiError.injected(plan.status, plan)
    question = question.strip()
    pages = pages_for(question, RESULTS, *_domains(call.body))
    content = content_for(str(model), question)
    body = {"id": call.request_id, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "citations": [p.url for p in pages],
            "search_results": [{"title": p.title, "url": p.url, "date": p.published_date,
                                "last_updated": p.published_date, "snippet": p.content} for p in pages],
            "usage": usage(str(model), prompt_tokens, content, pages, context)}
    return JSONDelivery(dumps(body).encode(), 200, call.headers, plan)


def routes(family: Family) -> list[Route]:
    return [Route("/perplexity/chat/completions", endpoint(family, OpenAIDialect(), bearer, _complete),
                  methods=["POST"])]
