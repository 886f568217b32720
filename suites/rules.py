"""Rules and their sources: every check the suites make names the rule it enforces and where that rule
comes from.

A source is one of

* ``docs:<page>#<section>`` — a page of the EmpirioLabs documentation (the seed pages' slugs, e.g.
  ``docs:authentication#api-keys``);
* ``openai:<what>``, ``anthropic:<what>``, ``deepseek:<what>`` — the upstream API's published behaviour
  that the docs promise to be compatible with;
* ``decision:D-N`` — a decision of this project (``specs/DECISIONS.md``) where the docs are silent or
  disagree.

``--rules documented`` runs only the first two kinds; ``--rules all`` adds the decisions. A test declares
the rules it checks with ``@pytest.mark.rule("<name>", ...)``; each name is registered once, here, by
:func:`register` (or the :func:`check` decorator), and a second registration of a name is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

__all__ = ["RULES", "Rule", "check", "register", "rules_of"]

_UPSTREAMS = ("openai:", "anthropic:", "deepseek:")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Rule:
    """One rule: a unique ``name``, the ``source`` it comes from, and what it says."""

    name: str
    source: str
    says: str = ""

    @property
    def kind(self) -> Literal["documented", "decision"]:
        return "decision" if self.source.startswith("decision:") else "documented"

    def __post_init__(self) -> None:
        if not (self.source.startswith(("docs:", "decision:D-")) or self.source.startswith(_UPSTREAMS)):
            raise ValueError(f"rule {self.name!r}: source {self.source!r} is not docs:, openai:, anthropic:, "
                             "deepseek: or decision:D-N")


RULES: dict[str, Rule] = {}


def register(name: str, source: str, says: str = "") -> Rule:
    """Register rule ``name``; a name already registered is refused."""
    if name in RULES:
        raise ValueError(f"rule {name!r} is registered twice")
    RULES[name] = rule = Rule(name, source, says)
    return rule


def check(name: str, source: str, says: str = "") -> Callable[[F], F]:
    """Decorator: register ``name`` as the rule the decorated check function enforces."""
    rule = register(name, source, says)

    def decorate(fn: F) -> F:
        fn.rule = rule  # type: ignore[attr-defined]
        return fn

    return decorate


def rules_of(item: Any) -> list[Rule]:
    """The rules a collected test declares with ``@pytest.mark.rule(...)`` (unknown names are skipped)."""
    names = [n for marker in item.iter_markers("rule") for n in marker.args]
    return [RULES[n] for n in names if n in RULES]
