"""The data that crosses from the student's process: plain values only, exactly, and never unpickled."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from autograde import wire
from autograde.calls import PLAIN_DATA, call_case


def test_round_trip_is_exact():
    value = {"a": np.arange(6.0).reshape(2, 3) / 7, "t": (1, 2.5, None, "s", [True]), "f": wire.FunctionRef("wave"),
             "i": np.array([1, 2], dtype=np.int64), "nan": float("nan")}
    for back in (wire.loads(wire.dumps(value)), wire.from_json(wire.to_json(value))):
        assert np.array_equal(back["a"], value["a"]) and back["a"].dtype == np.float64
        assert back["t"] == value["t"] and back["f"] == value["f"] and back["i"].dtype == np.int64
        assert np.isnan(back["nan"])


class Liar:
    def __eq__(self, other):
        return True


class LiarArray(np.ndarray):
    pass


@pytest.mark.parametrize("bad", [Liar(), np.array([Liar()], dtype=object), {1: "x"}, {"$array": 0}, lambda: 0,
                                 np.array([1 + 2j])])
def test_refuses_anything_but_plain_data(bad):
    with pytest.raises(wire.WireError):
        wire.dumps(bad)


def test_ndarray_subclass_is_refused():
    with pytest.raises(wire.WireError):
        wire.dumps(np.zeros(3).view(LiarArray))


def test_malformed_frames_raise_wire_error():
    for data in (b"", b"\x05\x00\x00\x00\x00\x00\x00\x00abc", wire.dumps(np.zeros(3))[:-5]):
        with pytest.raises(wire.WireError):
            wire.loads(data)


def test_pickled_arrays_are_never_loaded():
    import io
    import struct
    import json

    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    blob = buf.getvalue()
    header = json.dumps({"tree": {"$array": 0}, "sizes": [len(blob)]}).encode()
    with pytest.raises(wire.WireError):
        wire.loads(struct.pack("<Q", len(header)) + header + blob)


@pytest.mark.parametrize("value, kind", [
    (functools.reduce(lambda v, _: [v], range(wire.MAX_DEPTH + 5), 0), wire.NESTED),
    (2**70, wire.BIG_INT),
    (np.array(["secret-0.1234"]), wire.NOT_NUMERIC),
    ({("secret-0.1234",): 1}, wire.KEY_NOT_STR),
    ({"$secret-0.1234": 1}, wire.KEY_DOLLAR),
    (type("Secret01234", (), {})(), wire.NOT_PLAIN),
])
def test_a_hidden_case_says_only_the_kind_of_an_output_that_cannot_cross(value, kind):
    """The kind is the error's own field, chosen where it is raised; the value's text never shows."""
    res = call_case(lambda: value, {}, hidden=True)
    assert res["error"] == f"returned {kind}; {PLAIN_DATA}", res["error"]
    assert "secret" not in res["error"].lower() and "1234" not in res["error"]
