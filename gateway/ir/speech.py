"""The internal representation of a text-to-speech request and its answer (D-87, D-88)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from gateway.ir.chat import Usage
from gateway.money import billed

if TYPE_CHECKING:
    from gateway.catalog import CatalogModel

__all__ = ["SpeechRequest", "SpeechResult"]


@dataclass(frozen=True)
class SpeechRequest:
    model: CatalogModel
    text: str
    voice: str
    response_format: str
    speed: float = 1.0

    def cost(self, input_tokens: int, output_tokens: int) -> Decimal:
        """USD at the model's first listed rate (D-88): per token (text in, audio out) when the model is
        token-priced, else per character of ``text``, else per generation."""
        rows = [r for r in self.model.public.get("pricing_rows") or () if r.get("kind") == "rate"]
        units = {str(r.get("unit")) for r in rows}
        if "token" in units:
            return billed(self.model.prices_for({}).cost(Usage(input_tokens=input_tokens, output_tokens=output_tokens)))
        for unit, count in (("character", len(self.text)), ("request", 1)):
            row = next((r for r in rows if r.get("unit") == unit), None)
            if row is not None:
                return billed(Decimal(str(row["rate_usd"])) * count / Decimal(str(row.get("per") or 1)))
        return Decimal(0)


@dataclass(frozen=True)
class SpeechResult:
    audio: bytes
    content_type: str
    input_tokens: int = 0
    output_tokens: int = 0
