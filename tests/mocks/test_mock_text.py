"""Deterministic text, tool arguments and directive parsing, tested without a server."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from mocks.faults import DirectiveError, Plan, extract, parse_faults, plan_from
from mocks.text import count_tokens, finish, reasoning_text, reply_text, split, tool_answer_text, truncate
from mocks.tools import arguments_for, choose


def test_tokens_are_word_runs_and_single_punctuation() -> None:
    assert count_tokens("Hello, world!  It's 2 o'clock.") == 12
    assert count_tokens("   ") == 0


def test_reply_quotes_twelve_normalised_words_and_is_about_forty_tokens() -> None:
    text = reply_text("  one two\n three four five six seven eight nine ten eleven twelve thirteen ")
    assert text.startswith("Mock reply to: one two three four five six seven eight nine ten eleven twelve. ")
    assert "thirteen" not in text
    assert 40 <= count_tokens(text) <= 55
    assert reply_text("hi") == reply_text("hi")
    assert reply_text("").startswith("Mock reply to: (no text).")
    assert tool_answer_text(["22 C", "sunny"]).startswith("Mock reply using tool results: 22 C; sunny.")
    assert reasoning_text("why?").startswith("Let me think about why?.")
    assert 30 <= count_tokens(reasoning_text("why?")) <= 40


@pytest.mark.parametrize("size", [1, 2, 3, 5, 100])
def test_split_joins_back_exactly_with_no_empty_piece(size: int) -> None:
    text = "  Mock reply to: a, b!  c d\ne. "
    pieces = split(text, size)
    assert "".join(pieces) == text and all(pieces)
    assert all(count_tokens(p) <= size for p in pieces)


def test_truncate_and_finish() -> None:
    text = reply_text("count me")
    assert count_tokens(truncate(text, 5)) == 5 and text.startswith(truncate(text, 5))
    assert finish(text, 5).reason == "length" and finish(text, 5).tokens == 5
    assert finish(text, None).reason == "stop" and finish(text, None).text == text
    stopped = finish(text, None, ["deterministic", "reply"])
    assert stopped.reason == "stop_sequence" and stopped.sequence == "reply" and stopped.text == "Mock "
    assert finish(text, 1, ["deterministic"]).reason == "length"


def test_arguments_validate_against_their_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 3, "maximum": 10},
            "ratio": {"type": "number", "exclusiveMaximum": 1},
            "flag": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "when": {"type": "string", "format": "date"},
            "code": {"type": "string", "minLength": 12, "maxLength": 12},
            "where": {"$ref": "#/$defs/place"},
            "maybe": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "nullable": {"type": ["null", "number"]},
        },
        "required": ["city"],
        "additionalProperties": False,
        "$defs": {"place": {"type": "object", "properties": {"lat": {"type": "number"}},
                            "required": ["lat"]}},
    }
    args = arguments_for(schema)
    jsonschema.validate(args, schema)
    assert set(args) == set(schema["properties"])
    assert args["city"] == "mock_city" and args["unit"] == "celsius" and args["days"] == 3 and args["flag"] is True
    assert arguments_for({}) == {} and arguments_for(None) == {}


def test_tool_choice_decisions() -> None:
    names = ["a", "b", "c"]
    kw: dict[str, Any] = {"named": None, "parallel_allowed": True, "ends_with_tool_results": False,
                          "last_user_text": "go"}
    assert choose(names, "auto", **kw) == ["a"]
    assert choose(names, "auto", **{**kw, "ends_with_tool_results": True}) == []
    assert choose(names, "required", **{**kw, "ends_with_tool_results": True}) == ["a"]
    assert choose(names, "none", **kw) == []
    assert choose(names, "named", **{**kw, "named": "c"}) == ["c"]
    assert choose(names, "auto", **{**kw, "last_user_text": "do it in Parallel."}) == ["a", "b"]
    assert choose(names, "auto", **{**kw, "last_user_text": "parallelism"}) == ["a"]
    assert choose(names, "auto", **{**kw, "last_user_text": "parallel", "parallel_allowed": False}) == ["a"]
    assert choose(["a"], "auto", **{**kw, "last_user_text": "parallel"}) == ["a"]


def test_directives_parse_strip_and_combine() -> None:
    text, found = extract("hi [[mock:fault=cut:3]] there [[mock:chunk=5]][[mock:pace=20ms]] [[mock:keepalive]]")
    assert text == "hi  there  " and found == ["fault=cut:3", "chunk=5", "pace=20ms", "keepalive"]
    plan = plan_from(found)
    assert (plan.cut, plan.chunk, plan.pace, plan.keepalive) == (3, 5, 0.02, True)
    assert plan_from(["fault=hang"]).hang == 60 and plan_from(["fault=latency:1.5s"]).latency == 1.5
    assert plan_from(["fault=status:429"]).status == 429 and plan_from([]) == Plan()
    for bad in (["fault=status:200"], ["fault=boom"], ["chunk=0"], ["pace=fast"], ["nope"]):
        with pytest.raises(DirectiveError):
            plan_from(bad)
    queued = parse_faults("latency:10ms status:503")
    merged = queued.over(plan_from(["chunk=4", "fault=status:500"]))
    assert (merged.status, merged.latency, merged.chunk) == (503, 0.01, 4)
