"""What one gateway process holds for its lifetime, reachable from any ASGI scope."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from starlette.types import Scope

if TYPE_CHECKING:
    from gateway.catalog import Catalog
    from gateway.clock import Clock
    from gateway.config import Settings
    from gateway.files import Intake
    from gateway.formats.codec import Codec, Conversation
    from gateway.formats.openai_embeddings import EmbeddingCodec
    from gateway.formats.openai_images import ImageCodec
    from gateway.formats.openai_speech import SpeechCodec
    from gateway.formats.search import SearchCodec
    from gateway.formats.transcriptions import TranscriptionCodec
    from gateway.formats.videos import VideoCodec
    from gateway.jobs import JobRunner, Resume
    from gateway.jobs.events import RunEvents
    from gateway.limits.base import Limiter
    from gateway.media import Media
    from gateway.media.sweeper import Sweeper
    from gateway.server.limits import TransportPolicy
    from gateway.store import AccountStore
    from gateway.store.backend import Stores
    from gateway.store.cache import CachedStore
    from gateway.store.files import FileStore
    from gateway.store.responses import ResponseStore
    from gateway.upstreams import ChatAdapter
    from gateway.upstreams.embeddings import EmbeddingAdapter
    from gateway.upstreams.http import UpstreamHTTP
    from gateway.upstreams.images import ImageAdapter
    from gateway.upstreams.search import SearchAdapter, TaskAdapter
    from gateway.upstreams.speech import SpeechAdapter
    from gateway.upstreams.transcription import TranscriptionAdapter
    from gateway.upstreams.video import VideoAdapter
    from gateway.upstreams.web_search import WebSearch
    from gateway.usage import UsageLog

__all__ = ["GatewayState", "state_of"]


@dataclass
class GatewayState:
    settings: Settings
    catalog: Catalog
    stores: Stores
    """The backend behind the stores below (SQLite or PostgreSQL, D-167): opened and closed with the server."""
    store: AccountStore
    accounts: CachedStore
    """The cache under ``store`` (D-207): an account's limits via :meth:`CachedStore.limits_of`."""
    http: UpstreamHTTP
    adapters: dict[str, ChatAdapter]
    codecs: dict[str, Codec]
    limiter: Limiter
    credit_check: Callable[[Scope], Awaitable[None]]
    """402 unless the request's account has credits (:func:`gateway.middleware.credits.check_credits`)."""
    responses: ResponseStore
    """Stored Responses (D-53), per account."""
    conversations: dict[str, Conversation]
    """By format name: the formats whose requests continue stored state (Responses)."""
    transport: TransportPolicy
    """The limits the HTTP server puts on clients (D-70, D-71), read per connection and request."""
    files: FileStore
    """Uploaded files, per account (D-81)."""
    intake: Intake
    """The upload cap and content-type decision (D-81, D-82)."""
    embedders: dict[str, EmbeddingAdapter]
    """Embeddings adapters by upstream family (D-78)."""
    embedding_codec: EmbeddingCodec
    """The ``/v1/embeddings`` format (D-78 – D-80)."""
    searches: dict[str, SearchAdapter]
    """Search adapters by the catalog's upstream model (``/v1/search``, D-84)."""
    search_codec: SearchCodec
    """The ``/v1/search`` format: request decoding, response encoding."""
    speakers: dict[str, SpeechAdapter]
    """Text-to-speech adapters by upstream family (D-87)."""
    speech_codec: SpeechCodec
    """The ``/v1/audio/speech`` format (D-87)."""
    clock: Clock
    """Wall time for everything that expires (D-91)."""
    jobs: JobRunner
    """Asynchronous jobs: their store, tasks and lifecycle (D-13, D-89)."""
    events: RunEvents
    """Job transitions, for the run-events channel."""
    resumers: dict[str, Resume]
    """By job type: how to continue a job a restart interrupted (D-89)."""
    media: Media
    """Generated media and its signed URLs (D-90)."""
    sweeper: Sweeper
    """Deletes expired media, uploads and jobs (D-91)."""
    web_search: WebSearch
    """Linkup web search around chat turns that ask for it (``web_search_linkup``, D-95 – D-97)."""
    imagers: dict[str, ImageAdapter]
    """Image generation adapters by upstream family (D-107)."""
    image_codec: ImageCodec
    """The ``/v1/images/generations`` format (D-107 – D-109)."""
    videos: dict[str, VideoAdapter]
    """Video generation adapters by upstream family (D-114)."""
    video_codec: VideoCodec
    """The ``/v1/videos/generations`` format (D-113, D-114)."""
    transcribers: dict[str, TranscriptionAdapter]
    """Transcription adapters by upstream family (D-115)."""
    transcription_codec: TranscriptionCodec
    """The ``/v1/audio/transcriptions`` format (D-115, D-116)."""
    search_tasks: dict[str, TaskAdapter]
    """Search models answered as an upstream task, by the catalog's upstream model (Manus, D-99)."""
    usage_log: UsageLog
    """Every authenticated call, queued and written in batches (D-203); read by ``GET /v1/usage``."""


def state_of(scope: Scope) -> GatewayState:
    return cast(GatewayState, scope["app"].state.gateway)
