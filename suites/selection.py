"""Which models a check runs on, and running a check on each of them.

Models always come from the deployment's own catalog, from probing its listed models, or from
``--model`` pins (:mod:`suites.discovery`); nothing here names a model id. A model the catalog lists as available may still be offline: its endpoint then answers 503
(the documented "worker temporarily offline"). A :class:`Route` learns once per session which models
its endpoint serves and picks one served model per provider (``owned_by``), warning about the providers
it has to leave out. :class:`Failures` and :func:`each_model` run one check per model and report every
failure together, not just the first.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest

from suites.client import ApiClient
from suites.discovery import Discovery, lacking, param, param_names, reasons_unasked
from suites.probe import PROBE

__all__ = [
    "Failures",
    "Route",
    "choose_per_provider",
    "each_model",
    "need",
    "need_catalog",
    "owner_first",
    "reasoning_on",
    "unavailable",
]

Model = dict[str, Any]
T = TypeVar("T")


class Failures:
    """Run one check per model (or case) and report every failure at the end, not just the first."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.ran = 0

    @contextmanager
    def check(self, label: str) -> Iterator[None]:
        self.ran += 1
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - collected and re-raised together below
            self.items.append(f"{label}: {type(exc).__name__}: {exc}" if not isinstance(exc, AssertionError)
                              else f"{label}: {exc}")

    def raise_any(self) -> None:
        if self.items:
            raise AssertionError(f"{len(self.items)} of {self.ran} failed:\n" + "\n".join(f"- {i}" for i in self.items))


def each_model(groups: Iterable[tuple[str, Callable[[], list[Model]], Callable[[Model], T]]],
               check: Callable[[Model, T], object]) -> None:
    """``check(model, fetch(model))`` for every model of every group ``(label suffix, models, fetch)``,
    then every failure at once. A group's models are chosen only when the loop reaches it, so a choice
    that skips (the catalog lists no such model) skips the calling test there."""
    failures = Failures()
    for suffix, models, fetch in groups:
        for model in models():
            with failures.check(f"{model['owned_by']}/{model['id']}{suffix}"):
                check(model, fetch(model))
    failures.raise_any()


def need(model: Model | None, what: str, role: str | None = None) -> Model:
    """``model``, or skip saying no such model was found (and how to pin one for ``role``)."""
    if model is None:
        pytest.skip(lacking(what, role))
    return model


def need_catalog(discovery: Discovery) -> None:
    """Fail the calling catalog check with one line when ``GET /v1/models`` lacks the EmpirioLabs fields."""
    if discovery.listing is not None and discovery.listing.plain:
        pytest.fail(discovery.listing.catalog_failure(), pytrace=False)


def owner_first(owner: str) -> Callable[[Model], tuple[bool, str]]:
    """A sort key putting the models ``owner`` owns first, then ordering by id."""
    return lambda m: (m.get("owned_by") != owner, m["id"])


def reasoning_on(model: Model) -> dict[str, Any]:
    """Extra request fields that switch reasoning on, for the controls the model lists."""
    extra: dict[str, Any] = {}
    if "enable_thinking" in param_names(model):
        extra["enable_thinking"] = True
    spec = param(model, "reasoning_effort")
    if spec is not None:
        allowed = [v for v in spec.get("enum") or () if v not in ("none", "minimal")]
        if allowed and "medium" in allowed:
            extra["reasoning_effort"] = "medium"
        elif allowed:
            extra["reasoning_effort"] = allowed[0]
    return extra


def unavailable(response: httpx.Response, key: str, value: str) -> bool:
    """Whether ``response`` is a 503 whose ``error[key]`` is ``value`` (the endpoint's way of saying the
    model's workers are offline)."""
    if response.status_code != 503:
        return False
    try:
        return bool(response.json()["error"][key] == value)
    except (ValueError, KeyError, TypeError):
        return False


def choose_per_provider(pool: list[Model], is_served: Callable[[Model], bool], *, endpoint: str,
                        what: str = "model", tries: int = 3) -> list[Model]:
    """One model per provider (``owned_by``) among ``pool``: the first id in sorted order that
    ``is_served``. A provider whose first ``tries`` models all answer 503 is left out with a warning (its
    conformance cannot be checked while its workers are offline); if none is served, the test fails."""
    if not pool:
        pytest.skip(lacking(f"available {endpoint} {what}"))
    groups: dict[str, list[Model]] = {}
    for m in sorted(pool, key=lambda m: m["id"]):
        groups.setdefault(str(m.get("owned_by", "")), []).append(m)
    chosen, offline = [], []
    for provider in sorted(groups):
        found = next((m for m in groups[provider][:tries] if is_served(m)), None)
        if found is None:
            offline.append(f"{provider} ({', '.join(m['id'] for m in groups[provider][:tries])})")
        else:
            chosen.append(found)
    if offline:
        warnings.warn(UserWarning(f"{endpoint}: listed as available but answered 503, left out: {'; '.join(offline)}"),
                      stacklevel=3)
    assert chosen, f"every provider's {endpoint} models answered 503: {offline}"
    return chosen


def _thinks(model: Model) -> bool:
    return bool((model.get("capabilities") or {}).get("thinking"))


@dataclass(frozen=True)
class Route:
    """Model choice on one endpoint. ``probe`` sends a minimal request to a model, ``offline`` tells the
    endpoint's 503 "worker temporarily offline" answer, and ``controls`` are the ``supported_parameters``
    through which this endpoint's format can switch a model's reasoning on."""

    endpoint: str
    probe: Callable[[ApiClient, Model], httpx.Response]
    offline: Callable[[httpx.Response], bool]
    controls: frozenset[str] = frozenset()

    def served(self, api: ApiClient, model: Model) -> bool:
        """Whether the deployment serves ``model`` on this endpoint now: the probe is not answered with
        the offline 503. Learnt once per session."""
        if PROBE in model:  # probing already asked this model on every endpoint
            return self.endpoint in model.get("endpoints", ())
        memo: dict[str, bool] = api.memo.setdefault("served" + self.endpoint, {})
        if model["id"] not in memo:
            memo[model["id"]] = not self.offline(self.probe(api, model))
        return memo[model["id"]]

    def models(self, discovery: Discovery) -> list[Model]:
        """Every available model serving this endpoint, sorted by id."""
        return sorted(discovery.serving(self.endpoint), key=lambda m: m["id"])

    def per_provider(self, discovery: Discovery, api: ApiClient, models: list[Model] | None = None, *,
                     what: str = "model") -> list[Model]:
        """One served model per provider among ``models`` (default: every model serving the endpoint)."""
        pool = self.models(discovery) if models is None else models
        return choose_per_provider(pool, lambda m: self.served(api, m), endpoint=self.endpoint, what=what)

    def plain_model(self, discovery: Discovery, api: ApiClient) -> Model:
        """The simplest route: a served model that does not reason, preferably owned by openai."""
        pool = self.models(discovery)
        plain = [m for m in pool if not _thinks(m)] or pool
        for m in sorted(plain, key=owner_first("openai")):
            if self.served(api, m):
                return m
        pytest.skip(lacking(f"{self.endpoint} model it serves"))

    def tool_models(self, discovery: Discovery, api: ApiClient) -> list[Model]:
        """One tool-capable model per provider: ``capabilities.tool_calling`` and ``tools`` in
        ``supported_parameters``."""
        pin = discovery.pinned("tools", self.endpoint)
        pool = [pin] if pin is not None else [m for m in self.models(discovery)
                                              if discovery.calls_tools(m, self.endpoint)]
        return self.per_provider(discovery, api, pool, what="tool-capable model (capabilities.tool_calling + tools)")

    def reasoners(self, discovery: Discovery, api: ApiClient) -> list[Model]:
        """One reasoner per provider: ``capabilities.thinking`` and one of :attr:`controls` listed, or an id
        naming a reasoner (``reasoner``, ``r1``)."""
        pin = discovery.pinned("reasoning", self.endpoint)
        pool = [pin] if pin is not None else [m for m in self.models(discovery) if _thinks(m) and _native(m, self) and (
            param_names(m) & self.controls or "reasoner" in m["id"] or "r1" in m["id"]
            or reasons_unasked(m, self.endpoint))]
        return self.per_provider(discovery, api, pool,
                                 what="reasoning model (capabilities.thinking with a reasoning control)")


def _native(model: Model, route: Any) -> bool:
    """Whether the model's reasoning is the endpoint's own kind: a model with Anthropic ``thinking`` is a
    reasoner of /v1/messages; elsewhere its portable controls are D-51's checks."""
    return "thinking" not in param_names(model) or "thinking" in route.controls
