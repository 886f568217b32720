"""Which suite checks catch each named defect: ``CAUGHT_BY[name]`` → pytest node ids, relative to the
repository root, that must fail while the defect is on (and pass with none on).

One module per area of ``gateway/testing/``, each exporting its own ``CAUGHT_BY``; a name listed twice
is an error. ``tests/test_defects.py`` asserts the names here are exactly ``gateway.testing.DEFECTS``.
"""

from __future__ import annotations

from tests.defects import (
    accounts,
    admission,
    auth,
    balances,
    billing,
    chat_codec,
    embeddings,
    envelope,
    files,
    hostile_input,
    images,
    jobs,
    limits,
    media,
    media_urls,
    messages_codec,
    models,
    operation_errors,
    pricing,
    proxying,
    redis_limits,
    responses_codec,
    responses_state,
    run_events,
    search,
    semantics,
    speech,
    tools,
    transcriptions,
    transport,
    upstream_jobs,
    upstreams,
    videos,
    web_search,
)

__all__ = ["CAUGHT_BY", "NEEDS_INSTANCES"]

_AREAS = (auth, envelope, models, admission, upstreams, chat_codec, messages_codec, responses_codec,
          proxying, semantics, tools, media, responses_state, hostile_input, transport, billing,
          files, embeddings, search, speech, web_search, images, jobs, media_urls, operation_errors, videos,
          transcriptions, upstream_jobs, run_events, limits, redis_limits, accounts, pricing,
          balances)


def _merged() -> dict[str, tuple[str, ...]]:
    merged: dict[str, tuple[str, ...]] = {}
    for area in _AREAS:
        for name, node_ids in area.CAUGHT_BY.items():
            if name in merged:
                raise ValueError(f"defect {name!r} is listed twice in tests/defects/")
            if not isinstance(node_ids, tuple) or not all(isinstance(n, str) and "::" in n for n in node_ids):
                raise TypeError(f"defect {name!r}: caught_by must be a tuple of node ids, got {node_ids!r}")
            merged[name] = node_ids
    return merged


CAUGHT_BY: dict[str, tuple[str, ...]] = _merged()

NEEDS_INSTANCES: frozenset[str] = redis_limits.INSTANCES
"""Defects proven against two reference instances sharing one store and one Redis (``--instance-urls``)."""
