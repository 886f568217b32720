"""The search family's other styles (D-101): GPTZero detection, Manus tasks as an upstream job, Perplexity chat
completions — shapes, auth, the job directives and the faults."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mock_support import MockServer

from mocks.search.gptzero import verdict
from mocks.search.pages import pages_for
from mocks.text import count_tokens


@pytest.fixture(scope="module")
def client(mock_server: MockServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock_server.urls["search"], timeout=10) as client:
        client.delete("/__mock__/faults")
        yield client


KEY = {"x-api-key": "sk-test"}
MANUS = {"API_KEY": "sk-test"}
BEARER = {"authorization": "Bearer sk-test"}


def test_verdict_is_a_function_of_the_sentences() -> None:
    assert verdict("The sea is cold. Boats float.") == ("human", [])
    assert verdict("Moreover, we delve. Furthermore it is so.") == ("ai", ["Moreover, we delve.", "Furthermore it is so."])
    assert verdict("Boats float. Moreover, they sail.") == ("mixed", ["Moreover, they sail."])


def test_gptzero_predicts_in_its_shape(client: httpx.Client) -> None:
    reply = client.post("/gptzero/v2/predict/text", json={"document": "Boats float. Moreover, they sail."}, headers=KEY)
    assert reply.status_code == 200, reply.text
    document = reply.json()["documents"][0]
    assert document["predicted_class"] == "mixed" and document["document_classification"] == "MIXED"
    assert [s["sentence"] for s in document["sentences"] if s["highlight_sentence_for_ai"]] == ["Moreover, they sail."]
    assert client.post("/gptzero/v2/predict/text", json={"document": "x"}).status_code == 401
    assert client.post("/gptzero/v2/predict/text", json={"document": " "}, headers=KEY).status_code == 400
    failed = client.post("/gptzero/v2/predict/text", json={"document": "[[mock:fault=status:500]] x"}, headers=KEY)
    assert failed.status_code == 500


def _task(client: httpx.Client, prompt: str) -> dict[str, Any]:
    created = client.post("/manus/v1/tasks", json={"prompt": prompt, "agentProfile": "manus-1.6"}, headers=MANUS)
    assert created.status_code == 200, created.text
    task_id = created.json()["task_id"]
    deadline = time.monotonic() + 1.5
    while True:
        state = client.get(f"/manus/v1/tasks/{task_id}", headers=MANUS).json()
        if state["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return dict(state)
        time.sleep(0.05)


def test_manus_task_completes_with_cited_output(client: httpx.Client) -> None:
    state = _task(client, "[[mock:job=time:100ms]] compare lighthouses")
    assert state["status"] == "completed"
    content = state["output"][0]["content"][0]
    assert content["text"] == "Mock task result for: compare lighthouses."
    assert [a["url"] for a in content["annotations"]] == [p.url for p in pages_for("compare lighthouses", 3)]


@pytest.mark.parametrize(("directive", "status", "output"), [("fail", "failed", []), ("malformed", "completed", []),
                                                             ("hang", "running", [])])
def test_manus_job_directives(client: httpx.Client, directive: str, status: str, output: list[Any]) -> None:
    state = _task(client, f"[[mock:job=time:100ms]] [[mock:job={directive}]] a task")
    assert (state["status"], state["output"]) == (status, output)
    if directive == "fail":
        assert "mock-upstream.internal" in state["error"]["message"]


def test_manus_refuses_bad_requests(client: httpx.Client) -> None:
    assert client.post("/manus/v1/tasks", json={"prompt": "x"}).status_code == 401
    assert client.post("/manus/v1/tasks", json={"prompt": "x", "agentProfile": "manus-9"}, headers=MANUS).status_code == 400
    assert client.get("/manus/v1/tasks/task_nope", headers=MANUS).status_code == 404


@pytest.mark.parametrize("model", ["sonar", "sonar-reasoning-pro", "sonar-deep-research", "advanced-deep-research"])
def test_perplexity_chat_cites_and_counts(client: httpx.Client, model: str) -> None:
    body = {"model": model, "messages": [{"role": "user", "content": "why lighthouses"}],
            "web_search_options": {"search_context_size": "medium"}}
    reply = client.post("/perplexity/chat/completions", json=body, headers=BEARER)
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    content = answer["choices"][0]["message"]["content"]
    assert content.endswith("Mock answer to: why lighthouses. [1][2]")
    assert content.startswith("<think>") == (model == "sonar-reasoning-pro")
    assert answer["citations"] == [r["url"] for r in answer["search_results"]] == \
        [p.url for p in pages_for("why lighthouses", 5)]
    usage = answer["usage"]
    assert usage["prompt_tokens"] == count_tokens("why lighthouses") + 3
    assert usage["completion_tokens"] == count_tokens(content) and usage["search_context_size"] == "medium"
    assert ("num_search_queries" in usage) == ("research" in model)
    assert ("num_url_fetches" in usage) == (model == "advanced-deep-research")


def test_perplexity_chat_refuses_bad_requests(client: httpx.Client) -> None:
    good = {"model": "sonar", "messages": [{"role": "user", "content": "q"}]}
    assert client.post("/perplexity/chat/completions", json=good).status_code == 401
    for bad in ({"model": "gpt-4"}, {"messages": []}, {"web_search_options": {"search_context_size": "huge"}}):
        assert client.post("/perplexity/chat/completions", json={**good, **bad}, headers=BEARER).status_code == 400
    faulty = {**good, "messages": [{"role": "user", "content": "[[mock:fault=malformed:1]] q"}]}
    reply = client.post("/perplexity/chat/completions", json=faulty, headers=BEARER)
    with pytest.raises(ValueError):
        reply.json()
