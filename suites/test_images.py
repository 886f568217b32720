"""``POST /v1/images/generations`` (D-9, D-107, D-108) on the image models the deployment lists: the
synchronous answer's images are PNGs of the asked size, served at their hosted URL, and priced at the row
the request's ``quality`` and ``size`` select. Models are found in ``GET /v1/models`` (``endpoints``).
"""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import httpx
import pytest

from suites.checks import expect, holds, images
from suites.client import ApiClient
from suites.discovery import Discovery

ENDPOINT = "/v1/images/generations"


def _models(discovery: Discovery) -> list[dict[str, Any]]:
    models = discovery.serving(ENDPOINT)
    if not models:
        pytest.skip(discovery.lacks_field("available model serving /v1/images/generations", "endpoints"))
    return models


def _generate(api: ApiClient, rule: str, **body: Any) -> dict[str, Any]:
    response = api.post(ENDPOINT, json={"prompt": "a lighthouse at dusk", **body})
    expect(rule, response.status_code == 200, "200", f"{response.status_code}: {response.text[:300]}")
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.rule(images.PNG_SIZE)
def test_images_are_pngs_of_the_asked_size(api: ApiClient, discovery: Discovery) -> None:
    model = _models(discovery)[0]
    answer = _generate(api, images.PNG_SIZE, model=model["id"], size="320x192", n=2, response_format="b64_json")
    data = answer.get("data") or []
    holds(images.PNG_SIZE, len(data) == 2, f"2 images, got {len(data)}")
    for item in data:
        inline = base64.b64decode(item.get("b64_json") or "")
        expect(images.PNG_SIZE, images.png_size(inline) == (320, 192), "320x192", images.png_size(inline))
        hosted = httpx.get(item["url"], timeout=30)
        expect(images.PNG_SIZE, hosted.status_code == 200, "the url answers 200", hosted.status_code)
        holds(images.PNG_SIZE, hosted.content == inline, "the url serves the bytes of b64_json")


def _request_for(row: dict[str, Any]) -> dict[str, Any]:
    conditions = row.get("conditions") or {}
    body: dict[str, Any] = {}
    if "quality" in conditions:
        body["quality"] = conditions["quality"]
    size = conditions.get("size")
    body["size"] = size["max"] if isinstance(size, dict) and "max" in size else "512x512"
    return body


@pytest.mark.rule(images.PRICE_ROW)
def test_cost_is_the_selected_price_row(api: ApiClient, discovery: Discovery) -> None:
    priced = [m for m in _models(discovery)
              if any(r.get("conditions") and r.get("unit") == "image" for r in m.get("pricing_rows") or ())]
    if not priced:
        pytest.skip(discovery.lacks_field("image model with price rows selected by conditions", "pricing_rows"))
    for model in priced:
        for row in (r for r in model["pricing_rows"] if r.get("conditions") and r.get("unit") == "image"):
            answer = _generate(api, images.PRICE_ROW, model=model["id"], **_request_for(row))
            due = Decimal(str(row["rate_usd"])) / Decimal(str(row.get("per") or 1))
            cost = (answer.get("usage") or {}).get("cost")
            expect(images.PRICE_ROW, cost is not None and Decimal(str(cost)) == due,
                   f"usage.cost {due} for {model['id']} row {row.get('charge')!r}", cost)
