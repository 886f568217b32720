"""The search family mock: each provider style's route, auth, deterministic pages, filters and faults."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from mock_support import MockServer

from mocks.search.pages import pages_for


@pytest.fixture(scope="module")
def search_client(mock_server: MockServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock_server.urls["search"], timeout=10) as client:
        client.delete("/__mock__/faults")
        yield client


BEARER = {"authorization": "Bearer sk-test-search"}
EXA = {"x-api-key": "sk-test-search"}


def test_exa_search_in_exa_names(search_client: httpx.Client) -> None:
    reply = search_client.post("/exa/search", json={"query": "lighthouses of Brittany", "numResults": 3}, headers=EXA)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["requestId"].startswith("req_search_")
    assert [r["url"] for r in body["results"]] == [p.url for p in pages_for("lighthouses of Brittany", 3)]
    assert set(body["results"][0]) == {"id", "title", "url", "publishedDate", "author", "score", "text"}


def test_exa_answer_cites_its_pages(search_client: httpx.Client) -> None:
    body = search_client.post("/exa/answer", json={"query": "why lighthouses"}, headers=EXA).json()
    assert body["answer"] == "Mock answer to: why lighthouses."
    assert len(body["citations"]) == 5


def test_tavily_answer_and_domains(search_client: httpx.Client) -> None:
    body = search_client.post("/tavily/search", json={"query": "q", "max_results": 2, "include_answer": True,
                                                      "include_domains": ["a.test"]}, headers=BEARER).json()
    assert body["answer"] and body["query"] == "q"
    assert all(r["url"].startswith("https://a.test/") for r in body["results"])


@pytest.mark.parametrize(("output", "key"), [("searchResults", "results"), ("sourcedAnswer", "sources")])
def test_linkup_output_types(search_client: httpx.Client, output: str, key: str) -> None:
    body = search_client.post("/linkup/v1/search", json={"q": "q", "depth": "standard", "outputType": output},
                              headers=BEARER).json()
    assert len(body[key]) == 5 and "name" in body[key][0]


def test_perplexity_excludes_dash_domains(search_client: httpx.Client) -> None:
    body = search_client.post("/perplexity/search", json={"query": "q", "max_results": 5,
                                                          "search_domain_filter": ["-example.com"]},
                              headers=BEARER).json()
    assert body["results"] and not any("//example.com/" in r["url"] for r in body["results"])


def test_auth_is_each_providers_own(search_client: httpx.Client) -> None:
    assert search_client.post("/exa/search", json={"query": "q"}, headers=BEARER).status_code == 401
    assert search_client.post("/tavily/search", json={"query": "q"}, headers=EXA).status_code == 401


def test_faults_in_the_query(search_client: httpx.Client) -> None:
    reply = search_client.post("/perplexity/search", json={"query": "[[mock:fault=status:500]] q"}, headers=BEARER)
    assert reply.status_code == 500 and "sk-mock-search" in reply.text
    broken = search_client.post("/perplexity/search", json={"query": "[[mock:fault=malformed:1]] q"}, headers=BEARER)
    with pytest.raises(ValueError):
        broken.json()
    bad = search_client.post("/exa/search", json={"query": "q", "numResults": 0}, headers=EXA)
    assert bad.status_code == 400
