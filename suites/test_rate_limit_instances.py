"""Several instances of one deployment (``--instance-urls``, e.g. a load balancer's backends) enforce one
rate limit per account between them (D-4): once one instance refuses an account's request, every other
refuses it too until the window moves, and simultaneous requests spread over them admit no more than the
limit. Uses the 1-request-per-minute account (``--rate-limited-key``)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from suites.chat import chat_body, complete, need
from suites.checks import expect, instances
from suites.checks.behaviour import status_is
from suites.client import ApiClient
from suites.discovery import Discovery
from suites.transport import ContractTransport

ATTEMPTS = 3


@pytest.mark.rule(instances.SHARED_LIMIT, "rate_limit_429", "rate_limit_retry_after")
def test_instances_share_one_limit(api: ApiClient, discovery: Discovery, rate_limited_key: str,
                                   instance_urls: tuple[str, ...], contract_transport: ContractTransport) -> None:
    body = chat_body(need(discovery.plain_chat_model(), "chat model"), max_completion_tokens=5)
    others = [ApiClient(url, api.api_key, contract_transport) for url in instance_urls]
    try:
        for _ in range(ATTEMPTS):
            for _ in range(2):  # 1 request per minute: the first may pass (unless already spent)
                response = complete(api, body, key=rate_limited_key, retry_429=False)
                if response.status_code == 429:
                    break
                status_is("valid_request_200", response, 200)
            expect("rate_limit_429", response.status_code == 429,
                   "a 429 for the second request within a minute on a 1-RPM account", response.status_code)
            retry_after = response.headers.get("retry-after", "")
            expect("rate_limit_retry_after", retry_after.isdigit(), "retry-after in whole seconds", retry_after)
            answers = {other.base_url: complete(other, body, key=rate_limited_key, retry_429=False).status_code
                       for other in others}
            if int(retry_after) >= 2 or all(status == 429 for status in answers.values()):
                instances.refused_everywhere(api.base_url, int(retry_after), answers)
                return
            time.sleep(int(retry_after) + 0.5)  # the window may have moved in between: ask again once it has
        pytest.skip(f"each 429 said retry-after 1 s {ATTEMPTS} times: too close to the window's end to tell")
    finally:
        for other in others:
            other.close()


@pytest.mark.rule(instances.EXACT_ACROSS)
def test_simultaneous_requests_across_instances(api: ApiClient, discovery: Discovery, rate_limited_key: str,
                                                instance_urls: tuple[str, ...],
                                                contract_transport: ContractTransport) -> None:
    """Two requests per instance at once, on the 1-request-per-minute account: at most one admitted."""
    body = chat_body(need(discovery.plain_chat_model(), "chat model"), max_completion_tokens=5)
    clients = [api, *(ApiClient(url, api.api_key, contract_transport) for url in instance_urls)]
    try:
        for client in clients:  # warm every instance (connections, caches) so the requests below meet at once
            status_is("valid_request_200", complete(client, body), 200)
        with ThreadPoolExecutor(max_workers=2 * len(clients)) as pool:
            futures = [(client.base_url, pool.submit(complete, client, body, key=rate_limited_key, retry_429=False))
                       for client in clients for _ in range(2)]
            answers = [(url, future.result().status_code) for url, future in futures]
        instances.at_most_the_limit(1, answers)
    finally:
        for client in clients[1:]:
            client.close()
