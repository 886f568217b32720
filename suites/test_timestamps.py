"""Creation times outside the generation endpoints: every ``/v1/models`` entry's ``created`` (listed
and retrieved) is a Unix time in seconds. Completions and Responses are checked in every format by
``suites/test_all_formats.py::test_created_is_unix_seconds``."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from suites.checks import formats
from suites.checks.behaviour import ok_json
from suites.checks.models import model_list
from suites.client import ApiClient
from suites.discovery import Discovery
from suites.selection import Failures, need_catalog


@pytest.mark.rule("created_unix_seconds", "model_list_shape")
def test_listed_models_created_in_seconds(api: ApiClient, discovery: Discovery) -> None:
    need_catalog(discovery)
    listed = model_list(ok_json("model_list_shape", api.get("/v1/models")))
    failures = Failures()
    for entry in listed:
        if "created" in entry:
            with failures.check(str(entry.get("id"))):
                formats.created_unix_seconds([entry["created"]], f"GET /v1/models entry {entry.get('id')}",
                                             latest=time.time())
    failures.raise_any()


@pytest.mark.rule("created_unix_seconds", "retrieve_model")
def test_retrieved_models_created_in_seconds(api: ApiClient, discovery: Discovery) -> None:
    need_catalog(discovery)
    failures = Failures()
    for entry in discovery.sample(12):
        with failures.check(entry["id"]):
            body = ok_json("retrieve_model", api.get(f"/v1/models/{quote(entry['id'], safe=':')}"))
            if "created" in body:
                formats.created_unix_seconds([body["created"]], f"GET /v1/models/{entry['id']}", latest=time.time())
    failures.raise_any()
