"""Billing matches delivery (D-75..D-77), against a running deployment of its own (a test here kills the
gateway): cut and partial streams, a non-stream client that leaves, a crash between the journal and the
write, and the settlement's idempotence. Balances are read with the admin CLI, the journal from the store."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.store import Charge
from gateway.store.sqlite import SqliteStore
from mocks.text import split
from suites.launcher import Deployment, launch
from tests.blocking import blocking

MODEL = "mistral-medium-3-1"
INPUT_RATE, OUTPUT_RATE = Decimal("0.52") / 1_000_000, Decimal("2.60") / 1_000_000


@pytest.fixture(scope="module")
def own() -> Iterator[Deployment]:
    started = launch(test_mode=True)
    # the first answer of a fresh gateway is slow (about 0.7 s here); the timing tests below start warm
    httpx.post(f"{started.base_url}/v1/chat/completions", json=_body("Warm-up."), timeout=30,
               headers={"authorization": f"Bearer {started.api_key}"}).raise_for_status()
    yield started
    started.stop()


def _balance(deployment: Deployment) -> Decimal:
    out = subprocess.run([sys.executable, "-m", "gateway", "admin", "list-accounts"], env=deployment.env,
                         cwd=deployment.workdir, check=True, capture_output=True, text=True)
    return next(Decimal(a["balance_usd"]) for a in json.loads(out.stdout) if a["name"] == "conformance")


def _charges(deployment: Deployment) -> list[Charge]:
    store = blocking(SqliteStore(Path(deployment.env["EMPIRIO_DB"])))
    try:
        return store.charges()
    finally:
        store.close()


def _billed_after(deployment: Deployment, before: Decimal, *, wait: float = 3.0) -> Decimal:
    """What was debited since ``before``, once the balance moved (or ``wait`` seconds passed)."""
    deadline = time.monotonic() + wait
    while True:
        now = _balance(deployment)
        if now != before or time.monotonic() > deadline:
            return before - now
        time.sleep(0.1)


def _body(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": text}], **extra}


def _post(deployment: Deployment, body: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(f"{deployment.base_url}/v1/chat/completions", json=body, timeout=30,
                      headers={"authorization": f"Bearer {deployment.api_key}", **headers})


def _stream(deployment: Deployment, body: dict[str, Any]) -> Any:
    return httpx.stream("POST", f"{deployment.base_url}/v1/chat/completions", json={**body, "stream": True},
                        timeout=30, headers={"authorization": f"Bearer {deployment.api_key}"})


def _cost(input_tokens: int, output_tokens: int) -> Decimal:
    return input_tokens * INPUT_RATE + output_tokens * OUTPUT_RATE


def _estimate(chars_in: int, chars_out: int) -> Decimal:
    return _cost(-(-chars_in // 4), -(-chars_out // 4))


def test_stream_read_to_the_end_but_closed_before_the_final_frame_bills_the_upstream_usage(own: Deployment) -> None:
    text = "Billing check one. [[mock:chunk=1000]] [[mock:fault=stall:999]]"
    reference = _post(own, _body(text)).json()["usage"]  # stall applies to streams only: same text, same usage
    before = _balance(own)
    with _stream(own, _body(text)) as response:
        for line in response.iter_lines():
            if line.startswith("data:"):
                break
        time.sleep(0.5)  # the upstream's usage has arrived; its terminator never does
    billed = _billed_after(own, before)
    assert billed == _cost(reference["prompt_tokens"], reference["completion_tokens"])


def test_partial_stream_bills_the_estimate_of_what_was_delivered(own: Deployment) -> None:
    text = "Billing check two. [[mock:pace=50ms]] [[mock:chunk=1]]"
    pieces = split(_post(own, _body(text)).json()["choices"][0]["message"]["content"], 1)
    before, seen = _balance(own), 0
    with _stream(own, _body(text)) as response:
        for line in response.iter_lines():
            if line.startswith("data:") and json.loads(line[5:])["choices"][0]["delta"].get("content"):
                seen += 1
                if seen == 5:
                    break
    billed = _billed_after(own, before)
    delivered = [sum(len(p) for p in pieces[:n]) for n in range(seen, seen + 3)]
    assert billed in {_estimate(len(text), chars) for chars in delivered}, (billed, delivered)


def test_non_stream_client_leaving_cancels_the_upstream_and_bills_nothing(own: Deployment) -> None:
    text = "Billing check three. [[mock:fault=latency:2s]]"
    mock = own.upstreams["openai"]
    httpx.delete(f"{mock}/__mock__/requests").raise_for_status()
    before = _balance(own)
    with pytest.raises(httpx.TimeoutException):
        httpx.post(f"{own.base_url}/v1/chat/completions", json=_body(text), timeout=0.5,
                   headers={"authorization": f"Bearer {own.api_key}"})
    time.sleep(2.5)  # past the upstream's answer, had the call gone on
    assert _balance(own) == before
    [entry] = httpx.get(f"{mock}/__mock__/requests").json()["requests"]
    assert entry["disconnected"] is True


def test_delivered_answer_is_billed_once(own: Deployment) -> None:
    before = _balance(own)
    response = _post(own, _body("Billing check four."))
    usage, request_id = response.json()["usage"], response.headers["x-request-id"]
    assert before - _balance(own) == _cost(usage["prompt_tokens"], usage["completion_tokens"])
    [charge] = [c for c in _charges(own) if c.request_id == request_id]
    assert charge.state == "settled"
    store = blocking(SqliteStore(Path(own.env["EMPIRIO_DB"])))
    try:
        assert store.settle(request_id) is False
    finally:
        store.close()
    assert before - _balance(own) == _cost(usage["prompt_tokens"], usage["completion_tokens"])


def test_a_failed_last_write_leaves_the_answer_unbilled(own: Deployment) -> None:
    before = _balance(own)
    with pytest.raises(httpx.TransportError):
        _post(own, _body("Billing check five."), **{"x-empirio-test": "drop-before-delivery"})
    time.sleep(0.3)
    assert _balance(own) == before
    assert _charges(own)[-1].state == "void"


def _crash(deployment: Deployment, text: str) -> None:
    with pytest.raises(httpx.TransportError):
        _post(deployment, _body(text), **{"x-empirio-test": "crash-before-delivery"})
    assert deployment.processes[-1].wait(timeout=10) == 137


def test_kill_before_delivery_is_not_billed_after_restart(own: Deployment) -> None:
    before = _balance(own)
    _crash(own, "Billing check six.")
    assert _charges(own)[-1].state == "pending"  # journalled before the write the crash prevented
    own.restart_gateway()
    assert _charges(own)[-1].state == "void"
    assert _balance(own) == before
    assert _post(own, _body("Still serving.")).status_code == 200


def test_debit_before_delivery_defect_bills_the_crash(own: Deployment) -> None:
    control = f"{own.control_url}/defects"
    httpx.put(control, json={"active": ["debit_before_delivery"]}).raise_for_status()
    before = _balance(own)
    _crash(own, "Billing check seven.")
    own.restart_gateway()  # defects start off again
    assert _balance(own) < before


def test_store_settles_once_voids_and_never_goes_negative(tmp_path: Path) -> None:
    store = blocking(SqliteStore(tmp_path / "s.db"))
    account = store.create_account("a", 100)
    store.hold("req_1", account.id, 30)
    store.hold("req_1", account.id, 999)  # a second hold of the same request is ignored
    assert store.settle("req_1") and not store.settle("req_1")
    store.hold("req_2", account.id, 10)
    assert store.void("req_2") and not store.settle("req_2")
    store.hold("req_3", account.id, 500)
    store.hold("req_4", account.id, 5)
    assert [c.request_id for c in store.void_pending()] == ["req_3", "req_4"]
    assert store.get_account(account.id).balance_nano == 70  # type: ignore[union-attr]
    store.hold("req_5", account.id, 500)
    store.settle("req_5")
    assert store.get_account(account.id).balance_nano == 0  # type: ignore[union-attr]
    assert [c.state for c in store.charges()] == ["settled", "void", "void", "void", "settled"]


def test_a_stream_whose_last_write_fails_is_billed_its_usage(own: Deployment) -> None:
    text = "Billing check eight."
    reference = _post(own, _body(text)).json()["usage"]
    before = _balance(own)
    with pytest.raises(httpx.TransportError), httpx.stream(
            "POST", f"{own.base_url}/v1/chat/completions", json={**_body(text), "stream": True}, timeout=30,
            headers={"authorization": f"Bearer {own.api_key}", "x-empirio-test": "drop-before-delivery"}) as response:
        response.read()
    assert _billed_after(own, before) == _cost(reference["prompt_tokens"], reference["completion_tokens"])
    assert _charges(own)[-1].state == "settled"
