"""Media parts in each format's own shapes, for the multimodal checks (D-57 – D-59).

:func:`part` builds one image, audio, video or file part — inline (a base64 sample of a real format) or
by URL — as the format's clients send it, or returns None where the format has no such shape
(Anthropic Messages has no audio or video block); :func:`with_parts` puts parts after the text of a
one-turn request built by a driver, and :func:`where` names the part as a 400 must (``messages[0].content[1]``).
"""

from __future__ import annotations

from typing import Any, Literal

__all__ = ["KINDS", "MEDIA_TYPES", "SAMPLES", "Kind", "Source", "part", "where", "with_parts"]

Kind = Literal["image", "audio", "video", "file"]
Source = Literal["data", "url"]
KINDS: tuple[Kind, ...] = ("image", "audio", "video", "file")
SAMPLES: dict[Kind, str] = {
    "image": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    "audio": "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=",
    "video": "AAAAGGZ0eXBpc29tAAACAGlzb21pc28y",
    "file": "JVBERi0xLjQKJSVFT0YK",
}
"""A 1×1 PNG, an empty WAV, an MP4 ``ftyp`` box, a minimal PDF: base64 that decodes and is of its type."""
MEDIA_TYPES: dict[Kind, str] = {"image": "image/png", "audio": "audio/wav", "video": "video/mp4",
                                "file": "application/pdf"}
URLS: dict[Kind, str] = {"image": "https://example.com/media/cat.png", "audio": "https://example.com/media/a.wav",
                         "video": "https://example.com/media/clip.mp4", "file": "https://example.com/media/notes.pdf"}


def _data_url(kind: Kind, data: str | None = None, media_type: str | None = None) -> str:
    return f"data:{media_type or MEDIA_TYPES[kind]};base64,{SAMPLES[kind] if data is None else data}"


def _chat(kind: Kind, source: Source, url: str) -> dict[str, Any] | None:
    if kind == "image":
        return {"type": "image_url", "image_url": {"url": url}}
    if kind == "video":
        return {"type": "video_url", "video_url": {"url": url}}
    if kind == "audio":
        return {"type": "input_audio", "input_audio": {"data": SAMPLES["audio"], "format": "wav"}} \
            if source == "data" else None
    return {"type": "file", "file": {"file_data": url, "filename": "notes.pdf"}} if source == "data" else None


def _responses(kind: Kind, source: Source, url: str) -> dict[str, Any] | None:
    if kind == "image":
        return {"type": "input_image", "image_url": url, "detail": "auto"}
    if kind == "audio":
        return {"type": "input_audio", "input_audio": {"data": SAMPLES["audio"], "format": "wav"}} \
            if source == "data" else None
    if kind == "file":
        field = "file_data" if source == "data" else "file_url"
        return {"type": "input_file", field: url, "filename": "notes.pdf"}
    return None


def _messages(kind: Kind, source: Source, url: str) -> dict[str, Any] | None:
    if kind not in ("image", "file"):
        return None
    block = "image" if kind == "image" else "document"
    if source == "url" or not url.startswith("data:"):
        return {"type": block, "source": {"type": "url", "url": url}}
    media_type, _, data = url[5:].partition(";base64,")
    return {"type": block, "source": {"type": "base64", "media_type": media_type, "data": data}}


def part(fmt: str, kind: Kind, source: Source = "data", *, url: str | None = None, data: str | None = None,
         media_type: str | None = None) -> dict[str, Any] | None:
    """One ``kind`` part in format ``fmt`` (``chat``, ``responses``, ``messages``): inline sample data (or
    ``data`` of ``media_type``), or by URL (``url``, default an example URL); None where the format has no
    such part."""
    given = url if url is not None else _data_url(kind, data, media_type) if source == "data" else URLS[kind]
    build = {"chat": _chat, "responses": _responses, "messages": _messages}[fmt]
    return build(kind, source, given)


def with_parts(fmt: str, body: dict[str, Any], parts: list[dict[str, Any]]) -> dict[str, Any]:
    """``body`` (a one-turn request with a text prompt) with ``parts`` after the prompt's text."""
    if fmt == "responses":
        text = body["input"]
        return {**body, "input": [{"role": "user", "content": [{"type": "input_text", "text": text}, *parts]}]}
    first = body["messages"][0]
    content = [{"type": "text", "text": first["content"]}, *parts]
    return {**body, "messages": [{**first, "content": content}, *body["messages"][1:]]}


def where(fmt: str, index: int = 0) -> str:
    """The path of the ``index``-th part after the prompt's text, as a 400 must name it."""
    return f"{'input' if fmt == 'responses' else 'messages'}[0].content[{index + 1}]"
