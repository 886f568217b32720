"""Search adapters, one per provider style, in registries keyed by the catalog's upstream model (``upstream.model``
of the ``search`` family, D-101): answered at once (:class:`~gateway.upstreams.search.base.SearchAdapter`:
Exa, Tavily, Linkup, Perplexity Search and chat completions, GPTZero) or as an upstream task
(:class:`~gateway.upstreams.search.manus.TaskAdapter`: Manus, D-99). A model of the family listed in
neither is not served (503, D-84)."""

from __future__ import annotations

from gateway.config import Settings
from gateway.upstreams.http import UpstreamHTTP
from gateway.upstreams.search.base import SearchAdapter
from gateway.upstreams.search.exa import ExaAdapter
from gateway.upstreams.search.gptzero import GPTZeroAdapter
from gateway.upstreams.search.linkup import LinkupAdapter
from gateway.upstreams.search.manus import ManusAdapter, TaskAdapter
from gateway.upstreams.search.perplexity import PerplexityAdapter
from gateway.upstreams.search.perplexity_chat import PerplexityChatAdapter
from gateway.upstreams.search.tavily import TavilyAdapter

__all__ = ["PERPLEXITY_CHAT_MODELS", "SearchAdapter", "TaskAdapter", "build_search_adapters", "build_task_adapters"]

PERPLEXITY_CHAT_MODELS = ("sonar", "sonar-pro", "sonar-reasoning-pro", "sonar-deep-research", "advanced-deep-research")


def build_search_adapters(settings: Settings, http: UpstreamHTTP) -> dict[str, SearchAdapter]:
    """Every synchronously served search upstream model's adapter, bound to the ``search`` family's base URL
    and key."""
    up = settings.upstreams["search"]
    adapters: dict[str, SearchAdapter] = {
        "exa-search": ExaAdapter(http, up, answer=False),
        "exa-answer": ExaAdapter(http, up, answer=True),
        "exa-research": ExaAdapter(http, up, answer=True),
        "tavily-search": TavilyAdapter(http, up, answer=False),
        "tavily-research": TavilyAdapter(http, up, answer=True),
        "linkup-standard": LinkupAdapter(http, up, depth="standard"),
        "linkup-deep": LinkupAdapter(http, up, depth="deep"),
        "perplexity-search": PerplexityAdapter(http, up),
        "gptzero": GPTZeroAdapter(http, up),
    }
    adapters |= {model: PerplexityChatAdapter(http, up, model) for model in PERPLEXITY_CHAT_MODELS}
    return adapters


def build_task_adapters(settings: Settings, http: UpstreamHTTP) -> dict[str, TaskAdapter]:
    """The search upstream models answered as an upstream task (D-99)."""
    return {"manus-1.6": ManusAdapter(http, settings.upstreams["search"])}
