"""The data that crosses from the student's process: plain values only, exactly, and never unpickled."""

from __future__ import annotations

import numpy as np
import pytest

from autograde import wire


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
