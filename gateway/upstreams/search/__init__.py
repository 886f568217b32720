"""Search adapters, one per provider style (Exa, Tavily, Linkup, Perplexity), behind
:class:`~gateway.upstreams.search.base.SearchAdapter`, in one registry keyed by the catalog's upstream
model (``upstream.model`` of the ``search`` family). A model of the family not listed here is not served
yet (503, D-84)."""

from __future__ import annotations

from gateway.config import Settings
from gateway.upstreams.http import UpstreamHTTP
from gateway.upstreams.search.base import SearchAdapter
from gateway.upstreams.search.exa import ExaAdapter
from gateway.upstreams.search.linkup import LinkupAdapter
from gateway.upstreams.search.perplexity import PerplexityAdapter
from gateway.upstreams.search.tavily import TavilyAdapter

__all__ = ["SearchAdapter", "build_search_adapters"]


def build_search_adapters(settings: Settings, http: UpstreamHTTP) -> dict[str, SearchAdapter]:
    """Every served search upstream model's adapter, bound to the ``search`` family's base URL and key."""
    up = settings.upstreams["search"]
    return {
        "exa-search": ExaAdapter(http, up, answer=False),
        "exa-answer": ExaAdapter(http, up, answer=True),
        "exa-research": ExaAdapter(http, up, answer=True),
        "tavily-search": TavilyAdapter(http, up, answer=False),
        "tavily-research": TavilyAdapter(http, up, answer=True),
        "linkup-standard": LinkupAdapter(http, up, depth="standard"),
        "linkup-deep": LinkupAdapter(http, up, depth="deep"),
        "perplexity-search": PerplexityAdapter(http, up),
    }
