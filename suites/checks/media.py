"""Checks of multimodal input (D-57 – D-60): a part the model takes reaches it, as the kind sent; a part it
cannot take, a malformed part and a storage path that names no file are 400s naming the part.

Arrival is read from the mocks' acknowledgement (``media`` on each logged upstream request, D-60), so
those checks need the mocks' request logs; the refusals are read from the answer alone.
"""

from __future__ import annotations

from typing import Any

from suites.checks import cut, holds
from suites.drivers.base import ErrorReply
from suites.rules import register

__all__ = ["FORWARDED", "MALFORMED", "NOT_TAKEN", "OUTSIDE_USER_TURN", "UNRESOLVED", "part_arrived", "part_refused"]

FORWARDED = "media_parts_forwarded"
NOT_TAKEN = "media_not_taken_refused"
MALFORMED = "media_malformed_refused"
UNRESOLVED = "media_storage_path_unresolved"
OUTSIDE_USER_TURN = "media_outside_user_turn_refused"

register(FORWARDED, "docs:openai-and-anthropic-compatibility#model-support",
         "an image, audio, video or file part of a kind the model's input_modalities list reaches the model, as "
         "that kind and media type")
register(NOT_TAKEN, "decision:D-57",
         "a part of a kind the model does not take (or its provider cannot carry) is 400 naming the part, not sent "
         "upstream")
register(MALFORMED, "decision:D-58",
         "a malformed media part (bad base64, a data URL of the wrong kind, a URL of no known scheme) is 400 naming "
         "the part, not sent upstream")
register(OUTSIDE_USER_TURN, "decision:D-57",
         "a media part inside a tool result (or any turn but a user turn) is 400 naming it, never dropped silently")
register(UNRESOLVED, "decision:D-59",
         "a bunny:// path that names no stored file of the account is 400 naming the part, not sent upstream")


def part_arrived(entries: list[dict[str, Any]], kind: str, media_type: str | None, label: str) -> None:
    """Some upstream request of ``entries`` (the mocks' log during the exchange) acknowledges a ``kind``
    part (of ``media_type``, when given)."""
    holds(FORWARDED, bool(entries), f"{label}: the request reached no upstream")
    seen = [m for e in entries for m in e.get("media") or ()]
    found = [m for m in seen if m.get("kind") == kind and (media_type is None or m.get("media_type") == media_type)]
    holds(FORWARDED, bool(found), f"{label}: the upstream received no {kind} part"
                                  f"{f' of {media_type}' if media_type else ''}; it received {cut(seen, 300)}")


def part_refused(rule: str, reply: ErrorReply, where: str, envelope: str, label: str) -> None:
    """``reply`` is a 400 ``invalid_request_error`` naming the part at ``where`` (OpenAI envelope: in
    ``param``; both: in the message)."""
    holds(rule, reply.status == 400, f"{label}: expected 400, got {reply.status}")
    holds(rule, reply.type == "invalid_request_error", f"{label}: expected invalid_request_error, got {reply.type!r}")
    holds(rule, isinstance(reply.message, str) and where in reply.message,
          f"{label}: the message does not name the part {where!r}: {cut(reply.message)}")
    if envelope == "openai":
        holds(rule, reply.param == where, f"{label}: expected param {where!r}, got {reply.param!r}")
