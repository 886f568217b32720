"""Reading the new search styles' answers (D-98 – D-100): a verdict, a task's output, Perplexity's usage; what
is unreadable."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.upstreams.search.gptzero import _detection
from gateway.upstreams.search.manus import _outcome
from gateway.upstreams.search.perplexity_chat import _meter

DOCUMENT: dict[str, Any] = {
    "predicted_class": "mixed", "class_probabilities": {"human": 0.1, "ai": 0.1, "mixed": 0.8},
    "sentences": [{"sentence": "A.", "highlight_sentence_for_ai": False},
                  {"sentence": "Moreover, B.", "highlight_sentence_for_ai": True}],
}


def test_detection_reads_class_odds_and_flagged_sentences() -> None:
    found = _detection(DOCUMENT)
    assert (found.classification, found.mixed_probability, found.flagged_sentences) == ("mixed", 0.8,
                                                                                        ("Moreover, B.",))


@pytest.mark.parametrize("broken", [{"predicted_class": "robot"}, {"class_probabilities": None},
                                    {"class_probabilities": {"human": 2, "ai": 0, "mixed": 0}}])
def test_unclassified_documents_are_unreadable(broken: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        _detection({**DOCUMENT, **broken})


def test_task_output_is_the_answer_and_its_citations() -> None:
    state = {"output": [{"type": "message", "role": "assistant", "content": [
        {"type": "output_text", "text": "Done.", "annotations": [{"type": "url_citation", "title": "T",
                                                                  "url": "https://a.test/1"}]}]}],
             "metadata": {"task_url": "https://manus.im/app/x"}, "id": "task_1"}
    outcome = _outcome(state)
    assert outcome.answer == "Done." and [h.url for h in outcome.hits] == ["https://a.test/1"]
    assert "metadata" not in outcome.payload and "id" not in outcome.payload
    with pytest.raises(ValueError):
        _outcome({"output": []})


def test_perplexity_usage_is_counted_and_checked() -> None:
    meter = _meter({"prompt_tokens": 5, "completion_tokens": 7, "num_search_queries": 2})
    assert (meter.input_tokens, meter.output_tokens, meter.search_queries, meter.url_fetches) == (5, 7, 2, 0)
    with pytest.raises(ValueError):
        _meter({"prompt_tokens": -1})
    with pytest.raises(TypeError):
        _meter(None)
