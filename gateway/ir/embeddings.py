"""The internal representation of an embeddings request and its answer (D-78 – D-80)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from gateway.ir.chat import Usage
from gateway.money import billed

if TYPE_CHECKING:
    from gateway.catalog import CatalogModel

__all__ = ["EmbeddingRequest", "EmbeddingResult", "Encoding"]

Encoding = Literal["float", "base64"]


@dataclass(frozen=True)
class EmbeddingRequest:
    model: CatalogModel
    inputs: tuple[str, ...]
    encoding: Encoding = "float"
    dimensions: int | None = None
    """The asked dimension; ``None`` is the model's native one (D-79)."""

    def cost(self, prompt_tokens: int) -> Decimal:
        """USD for ``prompt_tokens`` at the model's input token rate."""
        return billed(self.model.prices_for({}).cost(Usage(input_tokens=prompt_tokens)))


@dataclass(frozen=True)
class EmbeddingResult:
    vectors: tuple[tuple[float, ...], ...]
    """One vector per input, in input order."""
    prompt_tokens: int
