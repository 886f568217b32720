"""Before a run: the keys, a cheap model from ``GET /v1/models``, and each key's limits from one probe
request (D-161, D-162)."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import httpx

from loadtests.samples import Sample

__all__ = ["CHAT_PATH", "chat_body", "cheapest_model", "estimate", "keys_from", "probe", "sample_of"]

CHAT_PATH = "/v1/chat/completions"
CHARS_PER_TOKEN = 4


def keys_from(api_key: str, key_file: str) -> list[str]:
    """The keys of ``--api-key`` (comma-separated) then those of ``--key-file`` (one a line, ``#`` comments)."""
    keys = [k.strip() for k in api_key.split(",") if k.strip()]
    if key_file:
        lines = Path(key_file).read_text().splitlines()
        keys += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return list(dict.fromkeys(keys))


def _price(model: dict[str, Any]) -> float:
    rows = model.get("pricing_rows") or model.get("pricing") or []
    rates = [float(row["rate_usd"]) for row in rows if isinstance(row, dict)
             and row.get("unit") == "token" and _number(row.get("rate_usd"))]
    return sum(sorted(rates)[:2]) if rates else math.inf


def _number(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def cheapest_model(client: httpx.Client, key: str) -> dict[str, Any]:
    """The cheapest available model that serves chat completions (list order breaks ties and stands in for
    a price when the list has no catalog fields)."""
    answer = client.get("/v1/models", headers={"authorization": f"Bearer {key}"})
    answer.raise_for_status()
    listed = [m for m in answer.json().get("data", []) if isinstance(m, dict) and "id" in m]
    chat = [m for m in listed if m.get("available", True) is not False
            and CHAT_PATH in m.get("endpoints", [CHAT_PATH]) and m.get("category", "text") == "text"]
    if not chat:
        raise RuntimeError("GET /v1/models lists no available chat model: pass --model")
    return min(chat, key=_price)


def chat_body(model: str, max_tokens: int, prompt_tokens: int = 0) -> dict[str, Any]:
    """A chat request asking for ``max_tokens``, its prompt padded to about ``prompt_tokens`` tokens (at
    :data:`CHARS_PER_TOKEN` characters a token)."""
    padding = " ".join(["load"] * max(0, (CHARS_PER_TOKEN * prompt_tokens - 8) // 5))
    content = f"Say ok. {padding}".strip()
    return {"model": model, "max_tokens": max_tokens, "messages": [{"role": "user", "content": content}]}


def estimate(body: dict[str, Any]) -> int:
    """The tokens a request asks for: its prompt at four characters a token, plus ``max_tokens``."""
    prompt = sum(len(str(m.get("content", ""))) for m in body["messages"])
    return math.ceil(prompt / CHARS_PER_TOKEN) + int(body.get("max_tokens", 0))


def _int(headers: httpx.Headers | Any, name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def sample_of(sent: float, received: float, status: int, headers: Any, key: int, tokens: int) -> Sample:
    """A :class:`Sample` from an answer's status and headers."""
    return Sample(sent, received, status, key, tokens, headers.get("retry-after"),
                  _int(headers, "x-ratelimit-limit-requests"), _int(headers, "x-ratelimit-remaining-requests"),
                  _int(headers, "x-ratelimit-limit-tokens"), _int(headers, "x-ratelimit-remaining-tokens"))


def probe(client: httpx.Client, key: str, index: int, model: str) -> Sample:
    """One minimal request with ``key``: its answer's headers report the limits."""
    body = chat_body(model, 1)
    sent = time.time()
    answer = client.post(CHAT_PATH, json=body, headers={"authorization": f"Bearer {key}"})
    return sample_of(sent, time.time(), answer.status_code, answer.headers, index, estimate(body))
