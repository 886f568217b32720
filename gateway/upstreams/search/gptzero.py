"""GPTZero: ``POST /gptzero/v2/predict/text`` ``{document}``; the first document's predicted class, class
probabilities and highlighted sentences become the :class:`~gateway.ir.search.Detection` (D-98)."""

from __future__ import annotations

from typing import Any

from gateway.config import Upstream
from gateway.ir.search import Detection, SearchOutcome, SearchQuery
from gateway.upstreams.http import UpstreamHTTP, upstream_errors
from gateway.upstreams.search.base import items, number, scrubbed, text

__all__ = ["CLASSES", "GPTZeroAdapter"]

CLASSES = frozenset({"human", "ai", "mixed"})


def _detection(document: dict[str, Any]) -> Detection:
    kind = text(document, "predicted_class")
    odds = document.get("class_probabilities")
    if kind not in CLASSES or not isinstance(odds, dict):
        raise ValueError("the upstream did not classify the document")
    flagged = tuple(str(s.get("sentence")) for s in items(document, "sentences")
                    if s.get("highlight_sentence_for_ai") is True and isinstance(s.get("sentence"), str))
    share = {name: number(odds, name) for name in CLASSES}
    if any(v is None or not 0 <= v <= 1 for v in share.values()):
        raise ValueError("the upstream's class probabilities are unreadable")
    return Detection(str(kind), float(share["ai"] or 0), float(share["human"] or 0), float(share["mixed"] or 0),
                     flagged)


class GPTZeroAdapter:
    def __init__(self, http: UpstreamHTTP, upstream: Upstream) -> None:
        self.http, self.upstream = http, upstream

    async def search(self, query: SearchQuery) -> SearchOutcome:
        headers = {"x-api-key": self.upstream.api_key or "unset"}
        body = {"document": query.query, "multilingual": False}
        payload = await self.http.post_json(self.upstream, "/gptzero/v2/predict/text", body, headers)
        async with upstream_errors():
            documents = items(payload, "documents")
            if not documents:
                raise ValueError("the upstream returned no document")
            return SearchOutcome((), None, scrubbed(payload), detection=_detection(documents[0]))
