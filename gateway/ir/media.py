"""Media parts of a user turn in neutral form, and the checks every format applies to them (D-57 – D-59).

Each format decodes its own shapes (Chat ``image_url`` / ``input_audio`` / ``video_url`` / ``file``,
Responses ``input_image`` / ``input_audio`` / ``input_file``, Anthropic ``image`` / ``document``) into
:class:`MediaPart`, which remembers where in the request it came from (``where``, e.g.
``messages[1].content[2]``) so every refusal names the part. :func:`check_media` then holds each part to
the model: its kind must be in the model's ``input_modalities`` and its media type one the model's
upstream family can carry; a ``bunny://`` path or an uploaded file's id must name a stored file (none
does until uploads exist, issue #10). Adapters encode the parts per family.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NoReturn

from gateway.errors import InvalidRequest

if TYPE_CHECKING:
    from gateway.catalog import CatalogModel
    from gateway.ir.chat import Message

__all__ = [
    "ANTHROPIC_TYPES", "BUNNY", "Kind", "MediaPart", "Source", "audio_media_type", "check_carried", "check_media",
    "inline_part", "refuse_media", "unresolved", "url_part",
]

Kind = Literal["image", "audio", "video", "file"]
Source = Literal["url", "data", "bunny", "file_id"]
BUNNY = "bunny://"
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_DATA_URL = re.compile(r"^data:(?P<type>[^;,]*)(?P<params>(?:;[^;,]*)*),(?P<data>.*)$", re.DOTALL)
_AUDIO_FORMATS = {"mp3": "audio/mpeg", "wav": "audio/wav"}
ANTHROPIC_TYPES: dict[str, frozenset[str]] = {
    "image": frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
    "file": frozenset({"application/pdf", "text/plain"}),
}
"""What the Anthropic Messages wire carries inline: ``image`` blocks of four types, ``document`` blocks of
PDF or plain text; no audio or video."""
_CARRIED: dict[str, dict[str, frozenset[str]]] = {"anthropic": ANTHROPIC_TYPES, "deepreasoning": ANTHROPIC_TYPES}
"""Families whose wire limits the kinds and media types; the OpenAI-compatible ones carry every part but a
file by URL (Chat's ``file`` part has no URL form)."""


@dataclass(frozen=True, slots=True)
class MediaPart:
    """One image, audio, video or file part. ``source`` says what ``value`` is: an ``http(s)`` URL, base64
    ``data`` (with its ``media_type``), a ``bunny://`` storage path, or an uploaded file's id."""

    kind: Kind
    source: Source
    value: str
    where: str
    media_type: str | None = None
    filename: str | None = None
    detail: str | None = None
    format: str | None = None
    """The audio format as the client named it (Chat / Responses ``input_audio.format``)."""

    @property
    def data_url(self) -> str:
        """The part as a URL: ``data:<media type>;base64,<data>`` for inline data, else ``value``."""
        return f"data:{self.media_type};base64,{self.value}" if self.source == "data" else self.value


def _invalid(where: str, why: str) -> InvalidRequest:
    return InvalidRequest(f"Invalid media at '{where}': {why}.", param=where)


def _base64(where: str, data: str) -> str:
    compact = "".join(data.split())
    if not compact:
        raise _invalid(where, "the data is empty")
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(where, "the data is not valid base64") from None
    return compact


def _media_type(kind: Kind, where: str, media_type: str | None) -> str:
    value = (media_type or "").strip().lower()
    if not _MEDIA_TYPE.match(value):
        raise _invalid(where, "the media type is missing or malformed")
    if kind != "file" and not value.startswith(f"{kind}/"):
        raise _invalid(where, f"a {kind} part needs a {kind}/* media type, not '{value}'")
    return value


def inline_part(kind: Kind, where: str, data: str, media_type: str | None, **extra: str | None) -> MediaPart:
    """Base64 ``data`` of ``media_type``, validated."""
    return MediaPart(kind, "data", _base64(where, data), where, _media_type(kind, where, media_type), **extra)


def _data_url(kind: Kind, where: str, url: str, extra: dict[str, str | None]) -> MediaPart:
    match = _DATA_URL.match(url)
    if match is None or "base64" not in [p.strip().lower() for p in match["params"].split(";")]:
        raise _invalid(where, "a data URL must read data:<media type>;base64,<data>")
    return inline_part(kind, where, match["data"], match["type"], **extra)


def url_part(kind: Kind, where: str, url: str, **extra: str | None) -> MediaPart:
    """A part given by URL: a ``data:`` URL (decoded and validated), a ``bunny://`` path or an ``http(s)``
    URL; anything else is a 400 naming the part."""
    text = url.strip()
    lowered = text[:8].lower()
    if lowered.startswith("data:"):
        return _data_url(kind, where, text, extra)
    if lowered.startswith(BUNNY):
        return MediaPart(kind, "bunny", text, where, **extra)
    if lowered.startswith(("https://", "http://")) and len(text) > len("https://"):
        return MediaPart(kind, "url", text, where, **extra)
    raise _invalid(where, "expected an https:// URL, a data: URL or a bunny:// storage path")


def audio_media_type(where: str, audio_format: str) -> str:
    """The media type of an ``input_audio`` part from its ``format`` (``mp3`` → ``audio/mpeg``)."""
    name = audio_format.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9.+-]*", name):
        raise _invalid(where, "the audio format is missing or malformed")
    return _AUDIO_FORMATS.get(name, f"audio/{name}")


def _parts(messages: Iterable[Message]) -> Iterable[MediaPart]:
    for message in messages:
        yield from message.media


def check_media(model: CatalogModel, messages: Iterable[Message]) -> None:
    """400 naming the first part the model cannot take: a kind outside its ``input_modalities`` or a media
    type its upstream family cannot carry (``unsupported_parameter`` / ``unsupported_file_type``, D-57). A
    ``bunny://`` path or file id is checked when it is resolved (:func:`gateway.files.resolve.resolve_files`,
    D-59, D-83)."""
    accepted = list(model.public.get("input_modalities") or ())
    for part in _parts(messages):
        if part.kind not in accepted:
            raise InvalidRequest(
                f"The model '{model.id}' does not accept {part.kind} input ('{part.where}'); its input "
                f"modalities are {', '.join(accepted) or 'none'}.", code="unsupported_parameter", param=part.where)
        if part.source not in ("bunny", "file_id"):
            check_carried(model, part)


def unresolved(part: MediaPart) -> InvalidRequest:
    """The 400 for a ``bunny://`` path or file id that names no stored file of the account (D-59)."""
    named = "storage path" if part.source == "bunny" else "file id"
    return InvalidRequest(
        f"The {named} at '{part.where}' names no stored file: upload files with POST /v1/files/upload "
        "and send the bunny:// path it returns.", param=part.where)


def check_carried(model: CatalogModel, part: MediaPart) -> None:
    """400 ``unsupported_file_type`` when the model's upstream family cannot carry ``part`` (D-57)."""
    refusal = _uncarried(part, _CARRIED.get(model.upstream_family))
    if refusal is not None:
        raise InvalidRequest(f"The model '{model.id}' does not accept {refusal} at '{part.where}'.",
                             code="unsupported_file_type", param=part.where)


def refuse_media(where: str, turn: str) -> NoReturn:
    """A 400 naming a media part outside a user turn (``turn``: a system or assistant turn, a tool result):
    the IR carries media on user turns only, so such a part is refused, never dropped (D-57)."""
    raise InvalidRequest(
        f"Media is taken only in user turns: '{where}' is in {turn}; send images, audio and files in a user "
        "turn.", code="unsupported_parameter", param=where)


def _uncarried(part: MediaPart, carried: dict[str, frozenset[str]] | None) -> str | None:
    """What about ``part`` the family's wire cannot carry (``None``: it can)."""
    if carried is None:
        return "a file by URL (send its data)" if part.kind == "file" and part.source == "url" else None
    allowed = carried.get(part.kind)
    if allowed is None:
        return f"{part.kind} parts"
    if part.source == "data" and part.media_type not in allowed:
        return f"{part.media_type} {part.kind}s (it takes {', '.join(sorted(allowed))})"
    return None
