"""Defects of billing on delivery (D-75..D-77): layers just inside the credits middleware
(``authenticated`` position) that change what it is handed — the cost a route recorded, the moment a
debit happens, the disconnect a route waits for.

With the defect on:

``stream_billed_zero_on_disconnect``   a stream that never sent its last message is settled at 0 (the cost
                                      recorded for it is dropped): the bug of settling only on the final frame
``partial_stream_unbilled``            an estimated cost (the upstream's usage never arrived) is dropped
``upstream_not_cancelled_on_disconnect``  the route never hears ``http.disconnect``: a non-stream upstream call
                                      runs on and is billed in full, a stream runs to its end
``debit_before_delivery``              the cost is debited as the last message arrives, before it is written
                                      (a write that fails, or a crash in between, still bills)
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.middleware.credits import charge, take_charge
from gateway.state import GatewayState, state_of
from gateway.store import usd_to_nano
from gateway.testing.asgi import layer
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

STREAM_BILLED_ZERO = defect("stream_billed_zero_on_disconnect",
                            "a stream the client closes before its final frame is billed what was recorded (D-75)")
PARTIAL_STREAM_UNBILLED = defect("partial_stream_unbilled",
                                 "a stream cut before the upstream's usage is billed the estimate of what was "
                                 "delivered (D-75)")
UPSTREAM_NOT_CANCELLED = defect("upstream_not_cancelled_on_disconnect",
                                "a client that leaves cancels the upstream call; a non-stream answer not delivered "
                                "is not billed (D-76)")
DEBIT_BEFORE_DELIVERY = defect("debit_before_delivery",
                               "the debit is committed after the last write returned, never before (D-77)")


def _is_last(message: Message) -> bool:
    return message["type"] == "http.response.body" and not message.get("more_body")


@layer(STREAM_BILLED_ZERO, at="authenticated")
def _drop_cut_stream_cost(app: ASGIApp) -> ASGIApp:
    async def run(scope: Scope, receive: Receive, send: Send) -> None:
        finished = False

        async def watching_send(message: Message) -> None:
            nonlocal finished
            finished = finished or _is_last(message)
            await send(message)

        await app(scope, receive, watching_send)
        if not finished:
            take_charge(scope)

    return run


@layer(PARTIAL_STREAM_UNBILLED, at="authenticated")
def _drop_estimates(app: ASGIApp) -> ASGIApp:
    async def run(scope: Scope, receive: Receive, send: Send) -> None:
        def drop_estimate() -> None:
            taken = take_charge(scope)
            if taken is not None and not taken[1]:
                charge(scope, taken[0])

        async def watching_send(message: Message) -> None:
            if _is_last(message):
                drop_estimate()
            await send(message)

        await app(scope, receive, watching_send)
        drop_estimate()

    return run


@layer(UPSTREAM_NOT_CANCELLED, at="authenticated")
def _hide_disconnect(app: ASGIApp) -> ASGIApp:
    async def run(scope: Scope, receive: Receive, send: Send) -> None:
        async def deaf_receive() -> Message:
            message = await receive()
            if message["type"] == "http.disconnect":
                await asyncio.Event().wait()
            return message

        await app(scope, deaf_receive, send)

    return run


@layer(DEBIT_BEFORE_DELIVERY, at="authenticated")
def _debit_first(app: ASGIApp) -> ASGIApp:
    async def run(scope: Scope, receive: Receive, send: Send) -> None:
        async def debiting_send(message: Message) -> None:
            taken = take_charge(scope) if _is_last(message) else None
            auth = scope.get("state", {}).get("auth")
            if taken is not None and auth is not None:
                await state_of(scope).store.debit(auth.account_id, usd_to_nano(taken[0]))
            await send(message)

        await app(scope, receive, debiting_send)

    return run


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Nothing to wrap on the state: this area's defects are ASGI layers."""
