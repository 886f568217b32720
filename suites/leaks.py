"""What a gateway must never show its clients (D-11, D-34): upstream hosts, upstream request ids, upstream
keys, headers that name an upstream, internal addresses, stack traces.

The contract transport scans every response the suites receive with :func:`scan_response` (headers,
whole bodies, each stream event) and records each :class:`Finding` as a violation of the test that
received it; :func:`no_leaks` is the same scan as a check a test can call on any text or headers.

Two things are not leaks (D-34): whatever the request itself carried (a prompt the model echoes, the
client's own key), and the gateway's own address and request id (``req_`` + 24 hex, D-33).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from suites.checks import CheckFailure

__all__ = [
    "HEADER_NAME_PATTERNS",
    "LEAK_PATTERNS",
    "PROVIDER_HOSTS",
    "Finding",
    "cut",
    "no_leaks",
    "origin_of",
    "scan_headers",
    "scan_text",
]

PROVIDER_HOSTS: tuple[str, ...] = (
    r"api\.openai\.com", r"[\w-]+\.openai\.azure\.com",
    r"api\.anthropic\.com",
    r"api\.deepseek\.com",
    r"dashscope(?:-intl|-us)?\.aliyuncs\.com", r"[\w-]+\.maas\.aliyuncs\.com",
    r"bedrock(?:-runtime|-agent-runtime)?(?:-fips)?\.[\w-]+\.amazonaws\.com",
    r"ark\.[\w-]+\.volces\.com", r"[\w.-]*volcengineapi\.com", r"ark\.[\w-]+\.bytepluses\.com",
    r"api\.deepgram\.com",
    r"api\.exa\.ai",
    r"generativelanguage\.googleapis\.com", r"[\w-]*aiplatform\.googleapis\.com",
    r"api\.gptzero\.me",
    r"api(?:-[\w]+)?\.klingai\.com",
    r"api\.linkup\.so",
    r"api\.manus\.(?:ai|im)",
    r"api\.minimaxi?\.(?:io|com|chat)",
    r"api\.mistral\.ai",
    r"api\.perplexity\.ai",
    r"app-api\.pixverse\.ai",
    r"api\.stability\.ai",
    r"api\.tavily\.com",
    r"[\w.-]*tencentcloudapi\.com", r"api\.hunyuan\.cloud\.tencent\.com",
    r"api\.xiaomimimo\.com",
    r"open\.bigmodel\.cn", r"api\.z\.ai",
    r"api-atlas\.nomic\.ai",
    r"(?:api-inference|router)\.huggingface\.co",
    r"openrouter\.ai/api", r"api\.together\.xyz", r"api\.groq\.com", r"api\.fireworks\.ai",
)
"""Public API hosts of the catalog's providers (``fixtures/catalog``) and of common aggregators."""

_HOST_HINTS = ("openai", "anthropic.com", "deepseek.com", "aliyuncs.com", "amazonaws.com", "volces.com",
               "volcengineapi.com", "bytepluses.com", "deepgram.com", "exa.ai", "googleapis.com", "gptzero.me",
               "klingai.com", "linkup.so", "manus.", "minimax", "mistral.ai", "perplexity.ai", "pixverse.ai",
               "stability.ai", "tavily.com", "tencent", "xiaomimimo.com", "bigmodel.cn", "z.ai", "nomic.ai",
               "huggingface.co", "openrouter.ai", "together.xyz", "groq.com", "fireworks.ai")

_PATTERNS: list[tuple[str, tuple[str, ...], re.Pattern[str]]] = [
    ("internal upstream host", ("mock-upstream.internal",), re.compile(r"mock-upstream\.internal", re.IGNORECASE)),
    ("provider request id", ("req_",),
     re.compile(r"\breq_(?:openai|deepseek|anthropic|media|audio|search|embeddings)_", re.IGNORECASE)),
    ("upstream API key", ("sk-mock-",), re.compile(r"sk-mock-")),
    ("provider API host", _HOST_HINTS, re.compile(r"\b(?:" + "|".join(PROVIDER_HOSTS) + r")\b", re.IGNORECASE)),
    ("OpenAI request id", ("req_",), re.compile(r"\breq_[0-9a-f]{32}\b")),
    ("Anthropic request id", ("req_01",), re.compile(r"\breq_01(?=[a-z0-9]*[A-Z])[A-Za-z0-9]{18,}\b")),
    ("Anthropic API key", ("sk-ant-",), re.compile(r"\bsk-ant-[A-Za-z0-9_-]{8,}")),
    ("secret API key", ("sk-",), re.compile(r"\bsk-(?!ant-)[A-Za-z0-9][A-Za-z0-9_-]{19,}")),
    ("provider API key", ("aiza", "akia", "asia", "tvly-", "pplx-", "xai-", "gsk_"),
     re.compile(r"\b(?:AIza[0-9A-Za-z_-]{35}|(?:AKIA|ASIA)[0-9A-Z]{16}"
                r"|(?:tvly|pplx|xai)-[A-Za-z0-9]{20,}|gsk_[A-Za-z0-9]{20,})\b")),
    ("internal hostname", (".internal", ".svc.cluster.local"),
     re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:internal|svc\.cluster\.local)\b", re.IGNORECASE)),
    ("private network address", ("10.", "192.168.", "172."),
     re.compile(r"\b(?:10\.\d{1,3}|192\.168|172\.(?:1[6-9]|2\d|3[01]))\.\d{1,3}\.\d{1,3}:\d{2,5}\b")),
    ("loopback address", ("127.0.0.1",), re.compile(r"\b127\.0\.0\.1\b")),
    ("localhost with a port", ("localhost:",), re.compile(r"\blocalhost:\d+", re.IGNORECASE)),
    ("Python traceback", ("traceback (most recent call last)",), re.compile(r"Traceback \(most recent call last\)")),
]
"""(kind, hints, pattern): a pattern runs only on a text whose lower-case form contains one of its hints."""

LEAK_PATTERNS: list[tuple[str, re.Pattern[str]]] = [(kind, pattern) for kind, _, pattern in _PATTERNS]
"""Patterns for text anywhere in a response (header values, bodies, stream events)."""

HEADER_NAME_PATTERNS: re.Pattern[str] = re.compile(
    r"^(?:openai-(?:organization|project|processing-ms|version)|x-openai-[\w-]+"
    r"|anthropic-organization-id|x-envoy-[\w-]+|x-amzn-requestid|x-amzn-bedrock-[\w-]+|x-amz-[\w-]+"
    r"|x-ds-trace-id|x-dashscope-[\w-]+|x-litellm-[\w-]+|llm_provider-[\w-]+|x-kong-[\w-]+"
    r"|mistral-correlation-id|x-goog-[\w-]+|x-upstream(?:-[\w-]+)?|x-backend-[\w-]+"
    r"|apim-request-id|azureml-model-[\w-]+|x-ms-(?:region|deployment-name|client-request-id)"
    r"|x-deployment(?:-[\w-]+)?|x-model-deployment|cf-aig-[\w-]+|helicone-[\w-]+|x-portkey-[\w-]+"
    r"|x-groq-[\w-]+|x-served-by-upstream)$",
    re.IGNORECASE,
)
"""Response headers that only an upstream sends (or that a proxy adds to name one)."""

_URL = re.compile(r"\bhttps?://([^/\s\"'<>,;]+)", re.IGNORECASE)
_CONTEXT = 60


def cut(value: Any, limit: int = 200) -> str:
    """``value`` as text on one line, at most ``limit`` characters (an ellipsis marks the cut)."""
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Finding:
    """One leak: what it is (``kind``), where it was seen, and the text around it."""

    kind: str
    where: str
    excerpt: str

    def __str__(self) -> str:
        return f"leak: {self.kind} in the {self.where}: {self.excerpt}"


def _excerpt(text: str, start: int, end: int) -> str:
    head = max(start - _CONTEXT, 0)
    return ("…" if head else "") + cut(text[head:end + _CONTEXT], 2 * _CONTEXT + 60) \
        + ("…" if end + _CONTEXT < len(text) else "")


def scan_text(text: str, where: str, *, sent: str = "", own: Sequence[str] = ()) -> list[Finding]:
    """Leaks in ``text``; a match that ``sent`` (what the request carried) contains is not one, and the
    strings in ``own`` (the gateway's own origin) are blanked before scanning."""
    for mine in own:
        if mine:
            text = text.replace(mine, "<gateway>")
    findings: list[Finding] = []
    spans: list[tuple[int, int]] = []
    for kind, start, end in _matches(text):
        if sent and text[start:end] in sent:
            continue
        if any(f.kind == kind for f in findings) or any(s < end and start < e for s, e in spans):
            continue  # one finding per kind, and one per stretch of text (the mock's host is also internal)
        spans.append((start, end))
        findings.append(Finding(kind, where, _excerpt(text, start, end)))
    return findings


_SEEN: dict[int, list[tuple[str, int, int]]] = {}
_WINDOW = 120
_MAX_HINTS = 200


def _occurrences(lowered: str, hint: str) -> list[int] | None:
    """Where ``hint`` occurs in ``lowered`` (None: more than :data:`_MAX_HINTS` times)."""
    found: list[int] = []
    pos = lowered.find(hint)
    while pos >= 0:
        if len(found) == _MAX_HINTS:
            return None
        found.append(pos)
        pos = lowered.find(hint, pos + 1)
    return found


def _matches(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of every match in ``text``; large texts (a model list fetched again and again)
    are scanned once."""
    key = hash(text) if len(text) > 8192 else None
    if key is not None and key in _SEEN:
        return _SEEN[key]
    lowered = text.lower()
    found: list[tuple[str, int, int]] = []
    for kind, hints, pattern in _PATTERNS:
        spans: set[tuple[int, int]] = set()
        for hint in hints:
            at = _occurrences(lowered, hint)
            if at is None:  # too many: scan the whole text
                spans.update(m.span() for m in pattern.finditer(text))
                continue
            for pos in at:
                low = max(pos - _WINDOW, 0)
                spans.update((low + m.start(), low + m.end())
                             for m in pattern.finditer(text[low:pos + len(hint) + _WINDOW])
                             if low + m.start() <= pos < low + m.end())
        found += [(kind, start, end) for start, end in sorted(spans)]
    if key is not None:
        if len(_SEEN) > 256:
            _SEEN.clear()
        _SEEN[key] = found
    return found


def scan_headers(headers: Iterable[tuple[str, str]], *, sent: str = "", own_host: str = "") -> list[Finding]:
    """Leaks in response headers: upstream-only header names, the :data:`LEAK_PATTERNS` in any value,
    and a value carrying a URL of a host other than ``own_host`` (the gateway's)."""
    findings = []
    own = (own_host,) if own_host else ()
    for name, value in headers:
        where = f"header {name.lower()}"
        if HEADER_NAME_PATTERNS.match(name):
            findings.append(Finding("upstream header", where, cut(f"{name}: {value}")))
            continue
        found = scan_text(value, where, sent=sent, own=own)
        if not found:
            for match in _URL.finditer(value):
                if match.group(1).lower() != own_host.lower() and match.group(0) not in sent:
                    found.append(Finding("URL of another host", where, cut(f"{name}: {value}")))
                    break
        findings.extend(found)
    return findings


def _texts(subject: Any) -> Iterable[tuple[str, str]]:
    """(where, text) pairs for a string, bytes, a header mapping, or a list of those."""
    if subject is None:
        return
    if isinstance(subject, bytes):
        yield "body", subject.decode("utf-8", "replace")
    elif isinstance(subject, str):
        yield "body", subject
    elif hasattr(subject, "multi_items"):  # httpx.Headers
        for name, value in subject.multi_items():
            yield f"header {name}", f"{name}: {value}"
    elif isinstance(subject, Mapping):
        for name, value in subject.items():
            yield f"header {name}", f"{name}: {value}"
    elif isinstance(subject, Sequence):
        for item in subject:
            yield from _texts(item)
    else:
        yield "value", str(subject)


def no_leaks(subject: Any, patterns: Sequence[tuple[str, re.Pattern[str]]] = LEAK_PATTERNS) -> None:
    """Neither the text(s) nor the headers in ``subject`` carry anything of :data:`LEAK_PATTERNS` (for
    headers: nor an upstream-only header name)."""
    for where, text in _texts(subject):
        if where.startswith("header ") and HEADER_NAME_PATTERNS.match(where[7:]):
            raise CheckFailure("no_upstream_leak", f"upstream header in the {where}: {cut(text)}")
        for name, pattern in patterns:
            match = pattern.search(text)
            if match:
                raise CheckFailure("no_upstream_leak", f"{name} in the {where}: {_excerpt(text, match.start(), match.end())}")


def origin_of(url: str) -> str:
    """``host[:port]`` of ``url``."""
    return urlsplit(url).netloc
