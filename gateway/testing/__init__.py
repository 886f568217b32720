"""Test mode only: named defects, installed as patches at the gateway's seams.

A named defect is a deliberate break of one contract rule, switched on to prove the suites can fail
(``tests/test_defects.py``). Production modules never test a defect flag: this package, imported by
:mod:`gateway.app` only when ``settings.test_mode``, wraps the gateway's seams once at start-up and the
wrappers consult :class:`ActiveDefects` on every call, so defects switch at runtime without restart and,
with none active, everything passes through unchanged.

Layout: :mod:`~gateway.testing.registry` (``Defect``, ``ActiveDefects``, :data:`DEFECTS`);
:mod:`~gateway.testing.asgi` (the ASGI seam: ``layer`` places a middleware in the stack — outermost,
inside the crash guard, or just before the router — ``bypass`` skips a stack middleware, ``on_error``
rewrites what an exception handler renders); :mod:`~gateway.testing.control` (the ``/__test__/defects``
control API); and one module per area, each declaring its defects with
:func:`~gateway.testing.registry.defect` next to the patches that reproduce them and exposing
``install(state, active)`` to wrap the seams it needs in :class:`gateway.state.GatewayState`:

``auth``         header rewriting in front of authentication; the key store (``state.store``)
``envelope``     error envelopes, request ids, the body limit, the router's 404/405, the plain 500
``models``       ``/v1/models``: the query before the route, the catalog JSON after it
``admission``    the credit gate (``state.credit_check``) and the limiter (``state.limiter``)
``upstreams``    the upstream client's error translation (``state.http``), OpenAI-compatible adapters
                 (``state.adapters``)
``codecs_*``     each format's codec (``state.codecs``): raw body, IR, response body, stream frames
``responses_state``  stored Responses: the store (``state.responses``), the Responses conversation
                 (``state.conversations``), item errors of the Responses codec, the retrieval routes
``proxying``     a gateway acting as a transparent proxy: upstream headers and base URL shown, the upstream
                 in a chat stream's error, owed rejections sent on to the upstream
``media``        multimodal parts: dropped, sent as the wrong kind, let through unchecked, refusals unnamed
                 (codecs of every format, the OpenAI-compatible and Anthropic adapters' body builders)
``hostile_input``  strict decoding off (bad text, BOMs, repeated keys, NaN, nesting, tool schemas, ranges), a
                 trailing-slash redirect, the Host header reflected, errors quoting raw input (every codec)
``transport``    the HTTP server's limits on clients (``state.transport``: header size and count, head and
                 body timeouts, keep-alive, the malformed-HTTP answer) and the upstream client's time limits
``semantics``    well-formed fields that mean the wrong thing: timestamps in milliseconds, unavailable
                 models served, a reasoning-off control dropped (codecs of every format, ``/v1/models``)
``files``        uploads: the intake (``state.intake``: the cap, the sniffed content type), a credit gate
                 and a reshaped answer around the upload route, uploads never swept (``state.files``)
``embeddings``   ``/v1/embeddings``: the codec (``state.embedding_codec``) and the adapters (``state.embedders``):
                 vectors out of order, base64 not encoded, dimensions dropped, wrong models served
``search``       ``/v1/search``: the codec (``state.search_codec``), the search and task adapters
                 (``state.searches``, ``state.search_tasks``) and ``state.jobs.submit`` for agent tasks: detection,
                 task, citation and token pricing defects besides the search ones
``speech``       ``/v1/audio/speech``: the codec (``state.speech_codec``) and the adapters (``state.speakers``):
                 content type, truncated audio, wrong models served, unoffered values forwarded, billing
``web_search``   Linkup web search on chat (``state.web_search``): not made, wrong turn, sources withheld, footer
                 missing or despite ``disable_formatting``, charged never or twice
``images``       ``/v1/images/generations``: the codec (``state.image_codec``: the price row) and the image
                 adapters (``state.imagers``: the size asked upstream)
``jobs``         jobs: ``async`` ignored on images (``state.image_codec``), another account's job read,
                 retention not enforced or too short, a failed job's error unshaped (``state.jobs.jobs``),
                 sequential ids (``state.jobs.new_id``), polling counted against the generation budget (a layer)
``media_urls``   signed media URLs: the signer's checks (``state.media.signer``: signature, expiry, their
                 order), hosted objects kept past 30 days or a deleted one answered 500 (``state.media.store``)
``operation_errors``  documented errors beside the text formats (media endpoints' 401/413/429/402/404/503,
                 the auxiliary operations' 500, odd job ids): layers rewriting whole answers of their paths;
                 the auxiliary budget ignored (the limiter, ``state.limiter``)
``videos``       ``/v1/videos/generations``: the codec (``state.video_codec``: models, values, price row, ``raw``,
                 MIME type), the video adapters (``state.videos``: a malformed video completed), the credit gate
``transcriptions``  ``/v1/audio/transcriptions``: the codec (``state.transcription_codec``: models, values, the
                 per-minute rate, ``raw``, the duration), the credit gate, a layer holding a file part to the JSON
                 body limit, an upload path left unread
``upstream_jobs``  jobs backed by upstream jobs: the job store (``state.jobs.jobs``: failures and deadlines left
                 running, failed jobs charged, recovery finding nothing) and the resumers (``state.resumers``)
``run_events``   the run-events WebSocket: messages duplicated, reordered, stripped of ``occurredAt`` or
                 dropped (layers around the channel), another account's run found (``state.events.find``)
``limits``       the rate limits: the limiter (``state.limiter``: per key, fixed windows, no or partial
                 reservation, never reconciled, an await between decision and record, a window that never
                 moves, remaining frozen) and layers stripping the limit headers or reshaping the 429
``redis_limits``  the shared limiter (``state.limiter``): bypassed by a process-local one, or checked then
                 recorded in two steps (shown only by two instances sharing one Redis, ``--instance-urls``)
``billing``      settlement on delivery: cut and partial streams, disconnects, the debit's order (layers
                 just inside the credits middleware)
``accounts``     keys and the usage log: expiry ignored, the key limit off by one (the key store,
                 ``state.store``), failures unlogged, another account's entries listed, the cost kept in cents
                 (``state.usage_log``)
``balances``     holds (D-180..D-186): the balance checked but nothing held, the check and the hold two steps
                 (a race), the hold at zero, holds never released, a failed call charged its hold, a call
                 debited its estimate (the account store, ``state.store``)
``pricing``      the pricing engine (D-195..D-198): every text codec decodes against a catalog whose models
                 price wrongly (rounding, tiers, cache, reasoning, variants, pairings, per-message rows, unpriced
                 pairings served), the per-stage costs dropped (codecs), a ``tool-call`` web-search fee dropped
                 (``state.web_search``), the ``character`` unit ignored (``state.speech_codec``)
Besides the defects, test mode mounts :mod:`~gateway.testing.delivery` (``x-empirio-test`` hooks that crash
the process or fail the write just before a response's last body message) outermost, and
:mod:`~gateway.testing.clock` (``/__test__/clock`` moves the gateway's clock forward, ``/__test__/sweep``
runs the sweeper), :mod:`~gateway.testing.run_hook` (``/__test__/runs`` creates a run whose lifecycle the
suites time, D-124) and :mod:`~gateway.testing.keys_hook` (``/__test__/keys`` lists, creates and revokes the
presenting account's keys, D-202). Options of the ``[test]`` table other than ``defects``: ``limits = "off"``
(:mod:`~gateway.testing.limits_off`, a benchmark's baseline without admission, D-176).

A new defect: declare it in its area module (``NAME = defect("name", "the rule it breaks")``), add its
patch there, and list the suite checks that must catch it in ``tests/defects/<area>.py`` (``CAUGHT_BY``).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.applications import Starlette

from gateway.config import Settings
from gateway.state import GatewayState
from gateway.testing import (
    accounts,
    admission,
    asgi,
    auth,
    balances,
    billing,
    clock,
    codecs_chat,
    codecs_messages,
    codecs_responses,
    control,
    delivery,
    embeddings,
    envelope,
    files,
    hostile_input,
    images,
    jobs,
    keys_hook,
    limits,
    limits_off,
    media,
    media_urls,
    models,
    operation_errors,
    pricing,
    proxying,
    redis_limits,
    responses_state,
    run_events,
    run_hook,
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
from gateway.testing.registry import DEFECTS, ActiveDefects, Defect, DefectError

__all__ = ["DEFECTS", "ActiveDefects", "Defect", "DefectError", "install", "requested"]

_INSTALLERS = (auth.install, envelope.install, models.install, admission.install, media.install, upstreams.install,
               codecs_chat.install, codecs_messages.install, codecs_responses.install, proxying.install,
               semantics.install, tools.install, responses_state.install, hostile_input.install,
               transport.install, billing.install, files.install, embeddings.install, search.install,
               speech.install, web_search.install, images.install, jobs.install,
               media_urls.install, operation_errors.install, videos.install, transcriptions.install,
               upstream_jobs.install, run_events.install, limits.install, redis_limits.install, accounts.install,
               pricing.install, balances.install)


def requested(settings: Settings, env: Mapping[str, str]) -> tuple[str, ...]:
    """The defects to switch on at start: ``EMPIRIO_DEFECTS`` (a comma list), else ``[test] defects``."""
    listed = env.get("EMPIRIO_DEFECTS")
    if listed is not None:
        return tuple(d for d in listed.split(",") if d)
    return tuple(settings.test_options.get("defects", ()))


def install(app: Starlette, state: GatewayState, env: Mapping[str, str]) -> None:
    """Wrap ``app``'s and ``state``'s seams and mount the control API; :func:`requested` defects start on."""
    active = ActiveDefects()
    active.set(requested(state.settings, env))
    limits_off.install(state)
    for install_area in _INSTALLERS:
        install_area(state, active)
    asgi.mount(app, active)
    delivery.mount(app)
    control.mount(app, active)
    clock.mount(app, state)
    run_hook.mount(app)
    keys_hook.mount(app)
