"""The spec's operations as the cross-operation error suite reads them (D-134), and the coverage report's
operations line and not-provocable statuses (D-135)."""

from __future__ import annotations

import pytest

from suites.contract import load_contract
from suites.operations import JSON, documented_operations, takes_model, valid_body
from suites.recorder import Recorder, coverage_rows, format_table, not_provocable, operations_exercised


def test_every_operation_of_the_spec_is_read() -> None:
    contract = load_contract(profile="all")
    assert [op.id for op in documented_operations()] == [op.id for op in contract.operations]


@pytest.mark.parametrize("op", [op for op in documented_operations() if op.body_media == JSON], ids=str)
def test_the_valid_body_is_valid_for_the_request_schema(op: object) -> None:
    from suites.operations import Documented

    assert isinstance(op, Documented) and op.body_schema
    body = valid_body(op, "some-model" if takes_model(op) else None)
    assert load_contract(profile="all").schema_errors(op.body_schema, body) == []


def test_the_envelope_follows_the_documented_schema() -> None:
    ops = {op.id: op for op in documented_operations()}
    assert ops["createMessage"].envelope(401) == "anthropic"
    assert ops["createImage"].envelope(401) == "openai"
    assert ops["createVideo"].async_only and not ops["createImage"].async_only


def test_the_report_states_operations_and_what_was_not_provocable() -> None:
    contract = load_contract(profile="all")
    recorder = Recorder()
    recorder.status("getJob", 404)
    recorder.unprovoked("getMedia", 404, "needs a deleted object")
    recorder.unprovoked("getJob", 404, "seen anyway")
    rows = coverage_rows(contract, recorder)
    assert operations_exercised(rows) == (1, len(contract.operations))
    assert not_provocable(rows) == ["getMedia 404: needs a deleted object"]
    table = "\n".join(format_table(rows))
    assert "~404" in table and f"operations exercised: 1/{len(contract.operations)}" in table
