"""The skeleton every mock API endpoint shares: identity, leak bait, logging, auth, JSON parsing, errors.

Each family supplies an :class:`Envelope` (its error body shape) and handlers that raise
:class:`ApiError`; :func:`endpoint` turns them into Starlette endpoints. Every response carries
``x-request-id: req_<family>_<hex>`` and ``server: <family>.mock-upstream.internal``; every error
message ends with the leak bait ``(request req_<family>_<hex> on <family>.mock-upstream.internal;
upstream key sk-mock-<family>)`` so a gateway that forwards upstream error text is caught.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from mocks.control import MockState
from mocks.faults import DirectiveError, Plan, extract, plan_from
from mocks.wire import JSONDelivery

__all__ = ["STATUS_MESSAGES", "ApiError", "Call", "Envelope", "Family", "dumps", "endpoint", "render_error",
           "unrouted"]

ASGIResponse = Callable[..., Awaitable[None]]

STATUS_MESSAGES: dict[int, str] = {
    400: "Bad request.",
    401: "Authentication failed.",
    402: "Insufficient balance.",
    403: "Permission denied.",
    404: "Not found.",
    408: "Request timed out.",
    409: "Conflict.",
    413: "Request too large.",
    422: "Invalid parameters.",
    429: "Rate limit reached for requests. Please try again later.",
    500: "The server had an error while processing your request.",
    502: "Bad gateway.",
    503: "The engine is currently overloaded, please try again later.",
    504: "Gateway timeout.",
    529: "Overloaded.",
}


def dumps(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


@dataclass
class ApiError(Exception):
    """An error answer: ``type``/``param``/``code`` feed the family's envelope."""

    status: int
    message: str
    type: str | None = None
    param: str | None = None
    code: str | None = None
    plan: Plan = field(default_factory=Plan)

    @classmethod
    def injected(cls, status: int, plan: Plan) -> ApiError:
        return cls(status, STATUS_MESSAGES.get(status, f"Upstream error {status}."), plan=plan)


@dataclass
class Family:
    """One mock provider family's identity and state."""

    name: str
    state: MockState = field(default_factory=MockState)
    request_id_headers: tuple[str, ...] = ("x-request-id",)

    @property
    def host(self) -> str:
        return f"{self.name}.mock-upstream.internal"

    def new_request_id(self) -> str:
        return f"req_{self.name}_{secrets.token_hex(8)}"

    def bait(self, request_id: str) -> str:
        return f"(request {request_id} on {self.host}; upstream key sk-mock-{self.name})"

    def headers(self, request_id: str) -> dict[str, str]:
        return {**{name: request_id for name in self.request_id_headers}, "server": self.host}


class Envelope(Protocol):
    """A family's error rendering."""

    def body(self, error: ApiError, message: str, request_id: str) -> dict[str, Any]: ...

    def headers(self, error: ApiError) -> dict[str, str]: ...


@dataclass
class Call:
    """One API request after auth and JSON parsing, as handlers see it."""

    family: Family
    request: Request
    body: dict[str, Any]
    request_id: str
    headers: dict[str, str]
    log: dict[str, Any] = field(default_factory=dict)
    """This request's entry in the family's request log."""

    def acknowledge(self, media: list[dict[str, Any]]) -> None:
        """Log the media parts this request carried (D-60)."""
        self.log["media"] = media

    def plan(self, user_text: str) -> tuple[str, Plan]:
        """``user_text`` without directives, and this request's plan (queued control fault on top)."""
        clean, directives = extract(user_text)
        try:
            plan = plan_from(directives)
        except DirectiveError as exc:
            raise ApiError(400, str(exc), param="messages") from exc
        queued = self.family.state.faults.take()
        return clean, queued.over(plan) if queued else plan


Authenticate = Callable[[Request], "ApiError | None"]
Handler = Callable[[Call], Awaitable[ASGIResponse]]


def render_error(family: Family, envelope: Envelope, error: ApiError, request_id: str) -> JSONDelivery:
    """``error`` in ``envelope``, its message ending with the leak bait; only latency and hang apply."""
    message = f"{error.message} {family.bait(request_id)}"
    payload = dumps(envelope.body(error, message, request_id)).encode()
    plan = replace(error.plan, cut=None, malformed=None, keepalive=False)
    return JSONDelivery(payload, error.status, {**family.headers(request_id), **envelope.headers(error)}, plan)


def endpoint(family: Family, envelope: Envelope, authenticate: Authenticate,
             handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint: log, authenticate, parse the JSON object body, run ``handler``, and
    render any :class:`ApiError` in ``envelope``."""

    async def run(request: Request) -> Any:
        request_id = family.new_request_id()
        raw = await request.body()
        entry = family.state.record(request, raw, request_id)
        try:
            if (denied := authenticate(request)) is not None:
                raise denied
            try:
                body = json.loads(raw)
            except ValueError as exc:
                raise ApiError(400, "We could not parse the JSON body of your request.") from exc
            if not isinstance(body, dict):
                raise ApiError(400, "The request body must be a JSON object.")
            return _Logged(await handler(Call(family, request, body, request_id, family.headers(request_id), entry)),
                           entry)
        except ApiError as error:
            return render_error(family, envelope, error, request_id)

    return run


class _Logged:
    """A reply that notes in its log entry whether the client (the gateway) hung up before it was all sent:
    ``"disconnected": true`` — how a test sees that the gateway cancelled its upstream call."""

    def __init__(self, reply: ASGIResponse, entry: dict[str, Any]) -> None:
        self.reply, self.entry = reply, entry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        done = False

        async def noting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.disconnect" and not done:
                self.entry["disconnected"] = True
            return message

        async def noting_send(message: Message) -> None:
            nonlocal done
            done = done or (message["type"] == "http.response.body" and not message.get("more_body"))
            await send(message)

        self.entry["disconnected"] = False
        await self.reply(scope, noting_receive, noting_send)


def unrouted(family: Family, envelope: Envelope) -> Callable[[Request, Exception], Awaitable[Response]]:
    """The handler for paths and methods the family does not serve: logged, answered in ``envelope``."""

    async def run(request: Request, exc: Exception) -> Any:
        request_id = family.new_request_id()
        if not request.url.path.startswith("/__mock__"):
            family.state.record(request, await request.body(), request_id)
        status = getattr(exc, "status_code", 404)
        return render_error(family, envelope, ApiError(status, f"Invalid URL ({request.method} "
                                                               f"{request.url.path})."), request_id)

    return run
