"""Property-based tests of what the grader reads from submissions and from the student's process: whatever
comes, it is either read or refused with a worded reason (WireError, ValueError), never a crash, and the
grader's memory stays bounded."""

from __future__ import annotations

import json
import resource
import struct

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograde import wire
from autograde.nbfile import read_cells

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children,
                                                                                      max_size=4), max_leaves=20)


def _frame(tree, blobs=()) -> bytes:
    header = json.dumps({"tree": tree, "sizes": [len(b) for b in blobs]}).encode()
    return struct.pack("<Q", len(header)) + header + b"".join(blobs)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_are_refused_in_words(data):
    try:
        wire.loads(data)
    except wire.WireError as exc:
        assert str(exc)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_tree_is_read_or_refused(tree):
    try:
        value = wire.loads(_frame(tree))
    except wire.WireError:
        return
    wire.dumps(value)  # what was read is plain data again


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 8), st.lists(st.integers(-(2**70), 2**70), min_size=0, max_size=4), st.binary(max_size=64))
def test_npy_headers_that_lie_are_refused(version, shape, payload):
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': {tuple(shape)!r}, }}".encode()
    blob = b"\x93NUMPY" + bytes([version % 4, 0]) + struct.pack("<H", len(header)) + header + payload
    try:
        a = wire.loads(_frame({"$array": 0}, [blob]))
    except wire.WireError:
        return
    assert a.nbytes == len(payload)


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.integers(-(2**80), 2**80) | st.floats() | st.text() | st.none(),
                    lambda c: st.lists(c, max_size=3) | st.tuples(c, c), max_leaves=10))
def test_values_cross_exactly_or_are_refused(value):
    try:
        data = wire.dumps(value)
    except wire.WireError:
        return
    back = wire.loads(data)
    assert wire.dumps(back) == data


def test_deep_nesting_and_huge_integers_are_refused():
    for tree in ("[" * 100_000 + "]" * 100_000, "1" + "0" * 30, '{"$tuple": 5}', '{"$array": 0, "x": 1}'):
        header = f'{{"tree": {tree}, "sizes": []}}'.encode()
        try:
            wire.loads(struct.pack("<Q", len(header)) + header)
        except wire.WireError:
            continue
        raise AssertionError(f"accepted {tree[:30]}")


def test_a_big_frame_of_empty_lists_keeps_memory_bounded():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tree = b"[" + b"[]," * 20_000_000 + b"[]]"
    header = b'{"tree": ' + tree + b', "sizes": []}'
    try:
        wire.loads(struct.pack("<Q", len(header)) + header)
    except wire.WireError:
        pass
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    assert grown < 2**30


NOTEBOOK = st.fixed_dictionaries({
    "nbformat": st.sampled_from([4, 4, 4, 3, "4", None, [4]]),
    "nbformat_minor": st.integers(0, 5),
    "metadata": JSON,
    "cells": st.lists(st.fixed_dictionaries({
        "cell_type": st.sampled_from(["code", "markdown", 3, None]),
        "source": st.one_of(st.text(max_size=40), st.lists(st.one_of(st.text(max_size=10), st.integers())),
                            st.integers(), st.none()),
        "metadata": st.one_of(st.fixed_dictionaries({"nbgrader": st.dictionaries(
            st.sampled_from(["grade", "solution", "locked", "grade_id"]),
            st.one_of(st.booleans(), st.text(max_size=8), st.lists(st.text(max_size=3)), st.none()))}), JSON),
    }), max_size=5),
})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NOTEBOOK, st.sampled_from([None, frozenset({"demo_figure"})]))
def test_any_notebook_is_read_or_refused_in_words(nb, demo_ids):
    raw = json.dumps(nb).encode()
    try:
        cells = read_cells(raw, demo_ids)
    except ValueError as exc:
        assert str(exc)
        return
    assert all(isinstance(c.source, str) for c in cells)


def test_cell_source_with_a_number_and_list_grade_ids_are_refused_in_words():
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": ["x"], "locked": True}}, "source": "x = 1"},
        {"cell_type": "code", "metadata": {}, "source": ["a = ", 3]}]}
    try:
        read_cells(json.dumps(nb).encode(), frozenset({"demo_figure"}))
    except ValueError as exc:
        assert "cell 2" in str(exc)
    else:
        raise AssertionError("a cell whose source holds a number was accepted")


def test_subclasses_cross_as_their_base_type():
    import collections

    Pair = collections.namedtuple("Pair", "a b")
    back = wire.loads(wire.dumps({"p": Pair(1, np.zeros(2)), "o": collections.OrderedDict(x=1)}))
    assert type(back["p"]) is tuple and type(back["o"]) is dict
