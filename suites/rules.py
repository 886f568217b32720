"""Rules and their sources: every check the suites make names the rule it enforces and where that rule
comes from.

A source is one of

* ``docs:<page>#<section>`` — a section of a page of the EmpirioLabs documentation (the seed pages'
  slugs without their number, e.g. ``docs:rate-limits-and-api-keys#common-errors``; :data:`DOC_PAGES`
  lists the pages and sections a rule may cite);
* ``openai:<what>``, ``anthropic:<what>``, ``deepseek:<what>`` — the upstream API's published behaviour
  that the docs promise to be compatible with;
* ``decision:D-N`` — a decision of this project (``specs/DECISIONS.md``) where the docs are silent or
  disagree.

``--rules documented`` runs only the first two kinds; ``--rules all`` adds the decisions (the
*profile*, :func:`set_profile`). A test declares the rules it checks with
``@pytest.mark.rule("<name>", ...)``; each name is registered once by :func:`register` (or the
:func:`check` decorator), and a second registration of a name is refused. A check of a decision rule
that runs under the ``documented`` profile does nothing and records itself in :data:`NOT_APPLIED`.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

__all__ = [
    "DOC_PAGES",
    "NOT_APPLIED",
    "PROFILES",
    "RULES",
    "VIOLATED",
    "Profile",
    "Rule",
    "applies",
    "check",
    "decision_skip_reason",
    "not_applied",
    "profile",
    "register",
    "register_all",
    "rules_of",
    "set_profile",
]

Profile = Literal["documented", "all"]
PROFILES: tuple[Profile, ...] = ("documented", "all")
F = TypeVar("F", bound=Callable[..., Any])

DOC_PAGES: dict[str, frozenset[str]] = {
    "getting-started": frozenset({"base-url", "prerequisites", "quickstart"}),
    "authentication": frozenset({"intro", "api-key-format", "header-format", "rate-limits", "test-your-credentials",
                                 "common-authentication-responses"}),
    "concepts": frozenset({"core-concepts", "how-it-works", "compatibility-layer", "key-design-principles"}),
    "models-and-pricing": frozenset({"list-models", "retrieve-one-model", "model-categories", "pricing-units",
                                     "regions"}),
    "billing-and-credits": frozenset({"how-credits-work"}),
    "rate-limits-and-api-keys": frozenset({"default-limits", "api-key-format", "managing-api-keys",
                                           "rate-limit-behavior", "common-errors"}),
    "openai-and-anthropic-compatibility": frozenset({
        "openai-compatible-chat-completions", "openai-responses-compatible-endpoint",
        "anthropic-style-messages-endpoint", "sdk-configuration-cheat-sheet", "model-support"}),
    "api-reference-overview": frozenset({"intro", "endpoints", "models-as-the-source-of-truth",
                                         "universal-disable-formatting-flag", "tool-calling", "errors",
                                         "long-running-requests", "generated-media-retention"}),
    "list-models": frozenset({"openapi-specification"}),
    "retrieve-a-model": frozenset({"openapi-specification"}),
    "create-a-chat-completion": frozenset({"openapi-specification"}),
    "create-a-response": frozenset({"openapi-specification"}),
    "create-an-anthropic-style-message": frozenset({"openapi-specification", "asyncapi-specification"}),
    "ai-agent-access": frozenset({"the-bundles", "recommended-agent-setup", "live-source-of-truth-endpoints"}),
    "deepreasoning": frozenset({"at-a-glance", "pricing", "parameters"}),
    **{page: frozenset({"at-a-glance", "pricing", "example-request", "parameters"})
       for page in ("exa-search", "exa-answer", "linkup-standard", "perplexity-search", "tavily-search",
                    "gptzero", "manus", "perplexity-sonar",
                    "gemini-2-5-flash-tts", "gemini-2-5-pro-tts", "gemini-3-1-flash-tts", "glm-tts")},
}
"""The documentation pages (and their sections) a ``docs:`` source may cite; ``intro`` is the text
before a page's first section."""

_SOURCE = re.compile(r"^(?:(?P<docs>docs):(?P<page>[a-z0-9-]+)#(?P<section>[a-z0-9-]+)"
                     r"|(?:openai|anthropic|deepseek):[a-z0-9][a-z0-9._/#-]*"
                     r"|decision:D-[1-9][0-9]*)$")


def _source_problem(source: str) -> str | None:
    """Why ``source`` is not a valid rule source, or None."""
    match = _SOURCE.match(source)
    if match is None:
        return "is not docs:<page>#<section>, openai:/anthropic:/deepseek:<what> or decision:D-N"
    if match.group("docs"):
        page, section = match.group("page"), match.group("section")
        if page not in DOC_PAGES:
            return f"cites an unknown docs page {page!r}"
        if section not in DOC_PAGES[page]:
            return f"cites an unknown section {section!r} of docs page {page!r}"
    return None


@dataclass(frozen=True)
class Rule:
    """One rule: a unique ``name``, the ``source`` it comes from, and what it says."""

    name: str
    source: str
    says: str = ""

    @property
    def kind(self) -> Literal["documented", "decision"]:
        return "decision" if self.source.startswith("decision:") else "documented"

    @property
    def decision(self) -> str | None:
        """``D-N`` for a decision rule, else None."""
        return self.source.removeprefix("decision:") if self.kind == "decision" else None

    def __post_init__(self) -> None:
        problem = _source_problem(self.source)
        if problem:
            raise ValueError(f"rule {self.name!r}: source {self.source!r} {problem}")


RULES: dict[str, Rule] = {}
NOT_APPLIED: list[tuple[str, str]] = []
"""(rule name, what) for every decision check the ``documented`` profile did not apply: the check that was
skipped, or :data:`VIOLATED` and the failure it would have reported."""
VIOLATED = "violated, not applied: "

_STATE: dict[str, Profile] = {"profile": "all"}


_ORIGIN: dict[str, str] = {}
"""The module that registered each rule."""


def _registering_module() -> str:
    frame = sys._getframe(1)
    while frame.f_globals.get("__name__") == __name__ and frame.f_back is not None:
        frame = frame.f_back
    return str(frame.f_globals.get("__name__"))


def register(name: str, source: str, says: str = "") -> Rule:
    """Register rule ``name``; a name another module (or another statement) already registered is
    refused. The same module registering the same rule again — a module imported anew, as pytest's
    in-process runs do — gets the rule it registered before."""
    rule = Rule(name, source, says)
    origin = _registering_module()
    if name in RULES:
        if RULES[name] == rule and _ORIGIN[name] == origin:
            return RULES[name]
        raise ValueError(f"rule {name!r} is registered twice ({_ORIGIN[name]}, {origin})")
    RULES[name], _ORIGIN[name] = rule, origin
    return rule


def register_all(source: str, rules: dict[str, str]) -> None:
    """Register each ``name: says`` of ``rules`` with the same ``source``."""
    for name, says in rules.items():
        register(name, source, says)


def set_profile(value: str) -> Profile:
    """Set the rule profile (``documented`` or ``all``) for this process."""
    if value not in PROFILES:
        raise ValueError(f"rule profile {value!r} is not one of {', '.join(PROFILES)}")
    _STATE["profile"] = value
    return value


def profile() -> Profile:
    """The current rule profile."""
    return _STATE["profile"]


def applies(rule: Rule | str) -> bool:
    """Whether ``rule`` is checked under the current profile (decisions only under ``all``)."""
    found = RULES[rule] if isinstance(rule, str) else rule
    return found.kind == "documented" or profile() == "all"


def not_applied(rule: Rule | str, what: str = "") -> None:
    """Record that a check of decision ``rule`` was not applied (``documented`` profile)."""
    NOT_APPLIED.append((rule if isinstance(rule, str) else rule.name, what))


def check(name: str, source: str, says: str = "") -> Callable[[F], F]:
    """Decorator: register ``name`` as the rule the decorated check function enforces.

    A check of a decision rule does nothing under the ``documented`` profile (it returns None and is
    recorded in :data:`NOT_APPLIED`)."""
    rule = register(name, source, says)

    def decorate(fn: F) -> F:
        if rule.kind == "documented":
            fn.rule = rule  # type: ignore[attr-defined]
            return fn

        @functools.wraps(fn)
        def gated(*args: Any, **kwargs: Any) -> Any:
            if not applies(rule):
                not_applied(rule, fn.__name__)
                return None
            return fn(*args, **kwargs)

        gated.rule = rule  # type: ignore[attr-defined]
        return cast(F, gated)

    return decorate


def decision_skip_reason(decisions: list[Rule]) -> str:
    """Why a test (or a case of one) checking only the decisions ``decisions`` is skipped under
    ``--rules documented``."""
    named = ", ".join(f"{r.decision} {r.name}" for r in decisions)
    return f"decision rule{'s' if len(decisions) > 1 else ''} {named}: not a documented rule (--rules all runs it)"


def rules_of(item: Any) -> list[Rule]:
    """The rules a collected test declares with ``@pytest.mark.rule(...)`` (unknown names are skipped)."""
    names = [n for marker in item.iter_markers("rule") for n in marker.args]
    return [RULES[n] for n in dict.fromkeys(names) if n in RULES]
