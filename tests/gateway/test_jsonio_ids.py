"""The hot path's JSON writer and id source: the same values as the standard library, nothing lost."""

from __future__ import annotations

import json

from gateway.ids import random_hex
from gateway.jsonio import dumps


def test_dumps_is_compact_utf8_json_of_the_same_value() -> None:
    value = {"a": [1, 2.5, None, True], "é": "ünïcode", "cost": 1e-05}
    assert json.loads(dumps(value)) == value
    assert b" " not in dumps({"a": [1, 2]}) and "ü".encode() in dumps({"x": "ü"})


def test_what_orjson_refuses_is_still_written() -> None:
    big = 2**70
    assert json.loads(dumps({"n": big})) == {"n": big}
    assert json.loads(dumps({"s": "a\ud800b"})) == {"s": "a\ud800b"}  # a lone surrogate, escaped


def test_random_hex_is_fresh_each_time() -> None:
    ids = [random_hex(12) for _ in range(20_000)]  # more than one pool's worth
    assert len(set(ids)) == len(ids) and all(len(i) == 24 for i in ids)
    int(ids[0], 16)
