"""Assembles the gateway: settings → state (catalog, store, adapters, codecs) → middleware stack → routes;
in test mode, :mod:`gateway.testing` then patches the seams."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from starlette.applications import Starlette

from gateway.catalog import load_catalog
from gateway.clock import SystemClock
from gateway.config import Settings, SettingsError
from gateway.files import FileIntake
from gateway.formats import codecs
from gateway.formats.openai_embeddings import OpenAIEmbeddings
from gateway.formats.openai_images import OpenAIImages
from gateway.formats.openai_responses.conversation import ResponsesConversation
from gateway.formats.openai_speech import OpenAISpeech
from gateway.formats.search import SearchCodec
from gateway.formats.transcriptions import TranscriptionCodec
from gateway.formats.videos import VideoCodec
from gateway.jobs import JobRunner
from gateway.jobs.events import RunEvents
from gateway.limits import build_limiter
from gateway.media import Media, Signer
from gateway.media.sweeper import Sweeper
from gateway.middleware import build_stack
from gateway.middleware.credits import check_credits
from gateway.middleware.errors import EXCEPTION_HANDLERS
from gateway.routes import routes, search, transcriptions, videos
from gateway.server.limits import TransportLimits, TransportPolicy
from gateway.state import GatewayState
from gateway.store import AccountStore
from gateway.store.backend import build_stores
from gateway.store.cache import CachedStore
from gateway.store.jobs import JobRecord
from gateway.upstreams import build_adapters, build_embedders, build_imagers, build_speakers
from gateway.upstreams.http import UpstreamHTTP
from gateway.upstreams.search import build_search_adapters, build_task_adapters
from gateway.upstreams.transcription import build_transcribers
from gateway.upstreams.video import build_videos
from gateway.upstreams.web_search import WebSearch
from gateway.usage import UsageLog

__all__ = ["create_app"]

log = logging.getLogger("gateway")


def create_app(settings: Settings) -> Starlette:
    """A ready-to-serve ASGI app for ``settings``."""
    http = UpstreamHTTP(settings)
    limiter = build_limiter(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state = app.state.gateway
        await state.stores.open()
        if voided := await state.store.void_pending():  # a crash between journal and delivery: never billed (D-77)
            log.warning("released %d hold(s) or pending charge(s) a crash left (answers not known to be delivered, D-183)", len(voided))
        await state.jobs.recover(state.resumers)
        sweeping = asyncio.create_task(state.sweeper.run())
        yield
        sweeping.cancel()
        await state.jobs.close()
        await http.close()
        await state.limiter.close()
        await state.usage_log.close()
        await state.stores.close()

    app = Starlette(
        routes=routes(),
        middleware=build_stack(),
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False  # D-69: a near-miss path is a 404 in the envelope, never a redirect
    catalog = load_catalog(settings.catalog_path)
    stores = build_stores(settings)
    accounts = CachedStore(stores.accounts, settings.cache_seconds)
    store = cast(AccountStore, accounts)
    responses, files, job_store, media_store = stores.responses, stores.files, stores.jobs, stores.media
    clock, events = SystemClock(), RunEvents()
    searches = build_search_adapters(settings, http)

    def now() -> float:
        return state.clock.now()

    app.state.gateway = state = GatewayState(
        settings=settings,
        catalog=catalog,
        stores=stores,
        store=store,
        accounts=accounts,
        http=http,
        adapters=build_adapters(settings, http, catalog),
        codecs=codecs(),
        limiter=limiter,
        credit_check=check_credits,
        responses=responses,
        conversations={"openai_responses": ResponsesConversation(responses)},
        transport=TransportPolicy(TransportLimits.of(settings)),
        files=files,
        intake=FileIntake(cap=settings.max_upload_bytes),
        embedders=build_embedders(settings, http),
        embedding_codec=OpenAIEmbeddings(),
        searches=searches,
        search_codec=SearchCodec(),
        speakers=build_speakers(settings, http),
        speech_codec=OpenAISpeech(),
        clock=clock,
        jobs=JobRunner(job_store, store, events, now, timeout=settings.job_timeout),
        events=events,
        resumers={},
        media=Media(media_store, lambda: Signer.from_secret(store.pepper()), settings.origin, now),
        sweeper=Sweeper(media_store, files, job_store, now),
        web_search=WebSearch(searches["linkup-standard"]),
        imagers=build_imagers(settings, http),
        image_codec=OpenAIImages(),
        videos=build_videos(settings, http),
        video_codec=VideoCodec(),
        transcribers=build_transcribers(settings, http),
        transcription_codec=TranscriptionCodec(),
        search_tasks=build_task_adapters(settings, http),
        usage_log=UsageLog(stores.usage),
    )

    async def find_run(account_id: str, run_id: str) -> JobRecord | None:
        return await state.jobs.jobs.get(account_id, run_id, int(state.clock.now()))

    events.find = find_run
    state.resumers[videos.JOB_TYPE] = videos.resumer(state)
    state.resumers[transcriptions.JOB_TYPE] = transcriptions.resumer(state)
    state.resumers[search.JOB_TYPE] = search.resumer(state)
    if settings.test_mode:
        from gateway.testing import install

        install(app, state, os.environ)
    elif settings.test_options or os.environ.get("EMPIRIO_DEFECTS"):
        raise SettingsError("named defects ([test] options, EMPIRIO_DEFECTS) need test mode ([test] mode = true)")
    return app
