"""Defects of the pricing engine (D-195..D-198): the catalog a text codec decodes against is swapped for one
whose models price wrongly (a :class:`CatalogModel` subclass: the rates, the options, the per-message fee),
the codecs' bodies and stream frames lose the per-stage costs, the web-search fee of a ``tool-call`` row is
dropped (``state.web_search``) and the speech codec's models lose the ``character`` unit.

With the defect on:

``rounding_drift``          every token cost is rounded up to the micro-USD before the one rounding point
``tier_ignored``            every prompt is billed at the lowest context tier's rates
``cache_discount_ignored``  cached prompt tokens are billed at the input rate
``reasoning_not_billed``    reasoning tokens are left out of the billed output
``variant_base_price``      a variant (``variant_of``) is billed at its base model's prices
``pairing_default_price``   DeepReasoning is billed at the default pairing's rows whatever the request chose
``stage_costs_missing``     ``usage.cost_details`` is left out of answers and stream usage
``per_message_unbilled``    a model's "Per Message" rows are not charged
``tool_call_fee_dropped``   a web-search fee published as a ``tool-call`` row (not ``request``) is not charged
``unpriced_pairing_free``   a pairing no row prices is served, at $0
``character_unit_ignored``  a per-character speech row is charged once per request
"""

from __future__ import annotations

import dataclasses
from decimal import ROUND_UP, Decimal
from typing import Any

from gateway.catalog import Catalog, CatalogModel
from gateway.errors import InvalidRequest
from gateway.formats.codec import Codec, StreamEncoder
from gateway.formats.frames import Frame
from gateway.ir import ChatRequest, ChatResult, Usage
from gateway.ir.speech import SpeechRequest
from gateway.pricing import TokenPrices, _Rate
from gateway.state import GatewayState
from gateway.testing.codec_patches import Patch, PatchedCodec, data_of, map_frames
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

ROUNDING_DRIFT = defect("rounding_drift", "usage.cost is the exact cost rounded half to even to the nano-USD (D-195)")
TIER_IGNORED = defect("tier_ignored", "the context tier the prompt size selects is billed (D-196)")
CACHE_DISCOUNT_IGNORED = defect("cache_discount_ignored", "cached prompt tokens are billed at the cache-read rate "
                                                          "(D-196)")
REASONING_NOT_BILLED = defect("reasoning_not_billed", "reasoning tokens are billed as output (D-196)")
VARIANT_BASE_PRICE = defect("variant_base_price", "a variant is billed at its own rate card (D-196)")
PAIRING_DEFAULT_PRICE = defect("pairing_default_price", "DeepReasoning is billed at the chosen pairing's rows (D-31)")
STAGE_COSTS_MISSING = defect("stage_costs_missing", "a composite model reports usage.cost_details per stage (D-198)")
PER_MESSAGE_UNBILLED = defect("per_message_unbilled", "a Per Message row is charged once per answer (D-197)")
TOOL_CALL_FEE_DROPPED = defect("tool_call_fee_dropped", "a per-call tool-call row is charged for each call (D-197)")
UNPRICED_PAIRING_FREE = defect("unpriced_pairing_free", "an option value no price covers is 400 unpriced_option "
                                                        "(D-198)")
CHARACTER_UNIT_IGNORED = defect("character_unit_ignored", "a per-character speech row is billed per character "
                                                          "(D-192)")

_MICRO = Decimal("0.000001")
_MODEL_DEFECTS = (ROUNDING_DRIFT, TIER_IGNORED, CACHE_DISCOUNT_IGNORED, REASONING_NOT_BILLED, VARIANT_BASE_PRICE,
                  PAIRING_DEFAULT_PRICE, PER_MESSAGE_UNBILLED, UNPRICED_PAIRING_FREE)


class _Drifting(TokenPrices):
    def cost(self, usage: Usage) -> Decimal:
        return super().cost(usage).quantize(_MICRO, rounding=ROUND_UP)


class _NoReasoning(TokenPrices):
    def cost(self, usage: Usage) -> Decimal:
        return super().cost(dataclasses.replace(usage, output_tokens=max(0, usage.output_tokens - usage.reasoning_tokens)))


class _PricedModel(CatalogModel):
    """A catalog model priced by the active defects; ``peers`` gives a variant's base."""

    active: ActiveDefects
    peers: dict[str, CatalogModel]

    def _on(self, name: str) -> bool:
        return self.active.on(name)

    def options(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return super().options(body)
        except InvalidRequest as error:
            if error.code != "unpriced_option" or not self._on(UNPRICED_PAIRING_FREE.name):
                raise
            defaults = self.public.get("default_params") or {}
            return {name: body.get(name, defaults.get(name, (self.parameters.get(name) or {}).get("default")))
                    for name in self.option_names}

    def prices_for(self, options: dict[str, Any]) -> TokenPrices:
        base = self.peers.get(str(self.public.get("variant_of") or ""))
        if self._on(VARIANT_BASE_PRICE.name) and base is not None:
            return base.prices_for(options)
        if self._on(PAIRING_DEFAULT_PRICE.name) and "anthropic_model" in options:
            options = {**options, "anthropic_model": (self.parameters.get("anthropic_model") or {}).get("default")}
        prices = super().prices_for(options)
        rates = dict(prices.rates)
        if self._on(TIER_IGNORED.name):
            rates = {k: (_Rate(v[0].per_token, 0, None),) for k, v in rates.items() if v}
        if self._on(CACHE_DISCOUNT_IGNORED.name):
            rates.pop("cache_read", None)
        if self._on(REASONING_NOT_BILLED.name):
            return _NoReasoning(rates)
        if self._on(ROUNDING_DRIFT.name):
            return _Drifting(rates)
        return TokenPrices(rates)

    @property
    def message_fee(self) -> Decimal:
        return Decimal(0) if self._on(PER_MESSAGE_UNBILLED.name) else super().message_fee


class _Catalogs:
    """The priced copy of each catalog a codec is handed (built once per catalog)."""

    def __init__(self, active: ActiveDefects) -> None:
        self.active = active
        self.copies: dict[int, tuple[Catalog, Catalog]] = {}

    def __call__(self, catalog: Catalog) -> Catalog:
        if not any(self.active.on(d.name) for d in _MODEL_DEFECTS):
            return catalog
        held = self.copies.get(id(catalog))
        if held is None or held[0] is not catalog:
            kind = type("PricedModel", (_PricedModel,), {"active": self.active, "peers": catalog.models})
            models = {key: kind(**{f.name: getattr(m, f.name) for f in dataclasses.fields(m) if f.name != "_priced"})
                      for key, m in catalog.models.items()}
            held = (catalog, dataclasses.replace(catalog, models=models))
            self.copies[id(catalog)] = held
        return held[1]


class _PricedCodec:
    """``inner`` decoding against the priced catalog while a model defect is on."""

    def __init__(self, inner: Codec, catalogs: _Catalogs) -> None:
        self.inner, self.catalogs = inner, catalogs

    def decode(self, raw: bytes, catalog: Catalog) -> ChatRequest:
        return self.inner.decode(raw, self.catalogs(catalog))

    def encode(self, request: ChatRequest, result: ChatResult) -> dict[str, Any]:
        return self.inner.encode(request, result)

    def stream_encoder(self, request: ChatRequest) -> StreamEncoder:
        return self.inner.stream_encoder(request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _without_details(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_details(v) for k, v in value.items() if k != "cost_details"}
    return value


def _body_without_details(body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = _without_details(body)
    return out


def _frame_without_details(frame: Frame) -> Frame:
    if not isinstance(frame.data, dict):
        return frame
    return Frame(frame.event, _without_details(data_of(frame)))


_STAGES = Patch(STAGE_COSTS_MISSING, body=_body_without_details, stream=map_frames(_frame_without_details))


def _install_speech(state: GatewayState, active: ActiveDefects) -> None:
    inner = state.speech_codec
    decode = inner.decode

    def patched(raw: bytes, catalog: Catalog) -> SpeechRequest:
        request = decode(raw, catalog)
        if not active.on(CHARACTER_UNIT_IGNORED.name):
            return request
        rows = [{**r, "unit": "request", "per": 1} if r.get("unit") == "character" else r
                for r in request.model.public.get("pricing_rows") or ()]
        model = dataclasses.replace(request.model, public={**request.model.public, "pricing_rows": rows}, _priced={})
        return dataclasses.replace(request, model=model)

    inner.decode = patched  # type: ignore[method-assign]


def _install_web_fee(state: GatewayState, active: ActiveDefects) -> None:
    web = state.web_search
    fee = web.fee

    def patched(request: ChatRequest) -> Decimal:
        if active.on(TOOL_CALL_FEE_DROPPED.name) and any(
                r.get("unit") == "tool-call" and (r.get("conditions") or {}).get("web_search_linkup")
                for r in request.model.public.get("pricing_rows") or ()):
            return Decimal(0)
        return fee(request)

    web.fee = patched  # type: ignore[method-assign]


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap every text codec (the priced catalog, the stage costs), the speech codec and the web-search fee."""
    catalogs = _Catalogs(active)
    for name, codec in state.codecs.items():
        state.codecs[name] = _PricedCodec(PatchedCodec(codec, (_STAGES,), active), catalogs)
    _install_speech(state, active)
    _install_web_fee(state, active)
