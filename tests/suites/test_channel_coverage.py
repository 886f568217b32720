"""The AsyncAPI side of the harness (D-125, D-127): messages classified against the channel's payloads under
each rule profile, and counted in the spec-coverage rows, total and ``coverage.json``."""

from __future__ import annotations

import json
from pathlib import Path

from suites.channel import RECV, SEND, load_channels
from suites.contract import load_contract
from suites.recorder import (
    Recorder,
    channel_rows,
    coverage_percent,
    coverage_rows,
    format_table,
    write_coverage,
)
from suites.ws import CHANNEL

COMPLETED = {"type": "run.completed", "runId": "job_a", "occurredAt": "2026-05-01T12:00:00Z",
             "status": "completed", "output": {"text": None, "files": [], "result": {}}}


def test_messages_are_classified_by_their_payload_schema() -> None:
    channels = load_channels(profile="all")
    assert channels.classify(CHANNEL, RECV, COMPLETED) == ("run.completed", [])
    assert channels.classify(CHANNEL, SEND, {"runId": "job_a", "projectId": "p"})[0] == "subscribe"
    name, errors = channels.classify(CHANNEL, RECV, {k: v for k, v in COMPLETED.items() if k != "occurredAt"})
    assert name is None and errors and all(e.startswith("as run.completed") for e in errors)
    name, errors = channels.classify(CHANNEL, RECV, {**COMPLETED, "occurredAt": "yesterday"})
    assert name is None and "date-time" in errors[0]


def test_decision_required_fields_apply_only_under_all() -> None:
    bare = {**COMPLETED, "output": {"text": "hi"}}
    assert load_channels(profile="documented").classify(CHANNEL, RECV, bare)[0] == "run.completed"
    assert load_channels(profile="all").classify(CHANNEL, RECV, bare)[0] is None


def test_channel_messages_are_rows_of_the_report_and_count_in_the_total(tmp_path: Path) -> None:
    recorder = Recorder()
    recorder.status("listModels", 200)
    recorder.message(CHANNEL, SEND, "subscribe")
    recorder.message(CHANNEL, RECV, "run.completed")
    http = coverage_rows(load_contract(), recorder)
    ws = channel_rows(load_channels(), recorder)
    assert [(r["method"], r["operation"]) for r in ws] == [("WS SEND", "sendRunEventsRequest"),
                                                           ("WS RECV", "receiveRunEvents")]
    assert ws[0]["messages"] == {"subscribe": 1} and ws[1]["messages"]["run.completed"] == 1
    assert set(ws[1]["messages"]) == {"subscribed", "run.queued", "run.started", "run.completed", "run.failed",
                                      "error"}
    assert coverage_percent(http + ws) > coverage_percent(http)
    lines = format_table(http + ws)
    assert any("WS RECV -subscribed -run.queued -run.started run.completed" in line for line in lines), lines
    out = tmp_path / "coverage.json"
    write_coverage(out, http + ws)
    written = json.loads(out.read_text())
    assert [r["operation"] for r in written["channels"]] == ["sendRunEventsRequest", "receiveRunEvents"]
    assert all("messages" not in r for r in written["operations"]) and len(written["operations"]) == len(http)
