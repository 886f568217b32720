"""GPTZero's AI-text detector: ``POST /gptzero/v2/predict/text`` (``x-api-key``), ``{document, multilingual}``
→ ``{version, scanId, documents: [{predicted_class, class_probabilities, document_classification,
average_generated_prob, completely_generated_prob, sentences: [{sentence, generated_prob,
highlight_sentence_for_ai}]}]}``.

The verdict is a fixed function of the text: a sentence (split after ``.``, ``!`` or ``?``) is AI-written
when it holds one of :data:`AI_MARKERS` (as a word, any case); no such sentence is ``human``, all of them
``ai``, some ``mixed`` (:func:`verdict`). Directives in ``document`` are the family's faults.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.routing import Route

from mocks.openai.dialect import OpenAIDialect
from mocks.provider import ApiError, Call, Family, dumps, endpoint
from mocks.search.auth import key_header
from mocks.wire import JSONDelivery

__all__ = ["AI_MARKERS", "PATH", "PROBABILITIES", "routes", "sentences", "verdict"]

PATH = "/gptzero/v2/predict/text"
AI_MARKERS = frozenset({"delve", "tapestry", "moreover", "furthermore", "additionally", "multifaceted"})
PROBABILITIES = {"human": {"human": 0.9, "ai": 0.05, "mixed": 0.05}, "ai": {"human": 0.05, "ai": 0.9, "mixed": 0.05},
                 "mixed": {"human": 0.1, "ai": 0.1, "mixed": 0.8}}
_CLASSIFICATION = {"human": "HUMAN_ONLY", "ai": "AI_ONLY", "mixed": "MIXED"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(" ".join(text.split())) if s]


def _is_ai(sentence: str) -> bool:
    return any(word.lower() in AI_MARKERS for word in re.findall(r"\w+", sentence))


def verdict(text: str) -> tuple[str, list[str]]:
    """The predicted class of ``text`` and its AI-written sentences."""
    found = sentences(text)
    flagged = [s for s in found if _is_ai(s)]
    if not flagged:
        return "human", []
    return ("ai" if len(flagged) == len(found) else "mixed"), flagged


def _prediction(call: Call, text: str) -> dict[str, Any]:
    kind, flagged = verdict(text)
    items = [{"sentence": s, "generated_prob": 0.95 if s in flagged else 0.02, "perplexity": 40,
              "highlight_sentence_for_ai": s in flagged} for s in sentences(text)]
    share = len(flagged) / max(1, len(items))
    return {"version": "2026-01-01-base", "scanId": str(uuid.uuid4()), "neatVersion": "1.0",
            "documents": [{"predicted_class": kind, "class_probabilities": PROBABILITIES[kind],
                           "document_classification": _CLASSIFICATION[kind], "confidence_category": "high",
                           "average_generated_prob": round(share, 4), "completely_generated_prob": round(share, 4),
                           "overall_burstiness": 0, "sentences": items, "paragraphs": []}]}


async def _predict(call: Call) -> Any:
    document = call.body.get("document")
    if not isinstance(document, str) or not document.strip():
        raise ApiError(400, "'document' must be a non-empty string.", param="document")
    text, plan = call.plan(document)
    if plan.status:
        raise ApiError.injected(plan.status, plan)
    return JSONDelivery(dumps(_prediction(call, text)).encode(), 200, call.headers, plan)


def routes(family: Family) -> list[Route]:
    return [Route(PATH, endpoint(family, OpenAIDialect(), key_header("x-api-key"), _predict), methods=["POST"])]
