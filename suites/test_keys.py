"""API keys from outside (``--keys-url``, D-202): the 50-key limit, a revocation taking effect at once, expiry.

The revoked key the operator gives (``--revoked-key``) is checked in ``test_auth.py``; here the keys are made
for the session's account through the hook, used, then revoked or let expire (``--clock-url`` moves the
deployment's clock past the expiry, so nothing waits), and every key a check made is revoked again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from suites.checks import errors, expect
from suites.checks.behaviour import status_is
from suites.client import ApiClient
from suites.clock import TestClock
from suites.contract import Contract
from suites.keys import KeyHook
from suites.plugin import Target

LIMIT = 50
MESSAGES = {"model": "any", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def keys(target: Target, keys_url: str) -> Iterator[KeyHook]:
    """The hook for the session's account; every key it made is revoked afterwards."""
    hook = KeyHook(keys_url, target.api_key)
    yield hook
    hook.close()


def _refused_everywhere(api: ApiClient, contract: Contract, key: str, rule: str) -> None:
    """``key`` is 401 invalid_api_key on an OpenAI-envelope endpoint and in Anthropic's on /v1/messages."""
    errors.openai_error(api.get("/v1/models", key=key), contract, status=401, code="invalid_api_key")
    response = api.post("/v1/messages", auth="x-api-key", key=key, json=MESSAGES,
                        headers={"anthropic-version": "2023-06-01"})
    errors.anthropic_error(response, contract, status=401)
    expect(rule, "authentication_error" in response.text, "an authentication_error", response.text[:200])


@pytest.mark.rule("keys_limit_50")
def test_an_account_holds_at_most_50_keys(api: ApiClient, keys: KeyHook) -> None:
    live = keys.live_count()
    expect("keys_limit_50", live <= LIMIT, f"at most {LIMIT} live keys", live)
    for _ in range(LIMIT - live):
        keys.create()
    refused = keys.try_create()
    expect("keys_limit_50", 400 <= refused.status_code < 500, f"the key beyond {LIMIT} refused with a 4xx",
           f"{refused.status_code}: {refused.text[:200]}")
    if keys.made:  # a revoked key frees its slot
        keys.revoke(keys.made[-1])
        freed = keys.create()
        status_is("keys_limit_50", api.get("/v1/models", key=str(freed["api_key"])), 200)


@pytest.mark.rule("auth_revoked_at_once", "auth_revoked_key", "anthropic_error_envelope")
def test_a_revoked_key_is_refused_at_once(api: ApiClient, contract: Contract, keys: KeyHook) -> None:
    key = keys.create()
    status_is("auth_revoked_at_once", api.get("/v1/models", key=str(key["api_key"])), 200)
    keys.revoke(str(key["key_id"]))
    _refused_everywhere(api, contract, str(key["api_key"]), "auth_revoked_at_once")


@pytest.mark.rule("auth_expired_key", "anthropic_error_envelope")
def test_an_expired_key_is_refused(api: ApiClient, contract: Contract, keys: KeyHook, clock: TestClock) -> None:
    key = keys.create(expires_in=60)
    status_is("auth_expired_key", api.get("/v1/models", key=str(key["api_key"])), 200)
    clock.advance(61)
    _refused_everywhere(api, contract, str(key["api_key"]), "auth_expired_key")
