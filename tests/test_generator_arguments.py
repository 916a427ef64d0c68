"""A numpy Generator as an argument of a graded function: it crosses as its seed, and each call gets a fresh
generator in the same state, so that a random function can be replayed against the reference."""

from __future__ import annotations

import json

import numpy as np
import pytest

from autograde import wire
from autograde.calls import call_case


def draw(rng, n):
    return [int(rng.choice(5, p=np.full(5, 0.2))) for _ in range(n)]


def test_generator_crosses_as_its_seed_in_frames_and_json():
    ref = wire.GeneratorRef((3, 14))
    assert wire.loads(wire.dumps({"rng": ref})) == {"rng": ref}
    assert wire.from_json(json.loads(json.dumps(wire.to_json([ref])))) == [ref]


@pytest.mark.parametrize("tree", [{"$generator": []}, {"$generator": [-1]}, {"$generator": ["1"]},
                                  {"$generator": [1.5]}, {"$generator": 7}, {"$generator": [2**63]}])
def test_malformed_seeds_are_refused(tree):
    with pytest.raises(wire.WireError):
        wire.from_json(tree)


def test_each_call_gets_a_generator_in_the_same_state():
    args = {"rng": wire.GeneratorRef((11,)), "n": 20}
    first, second = call_case(draw, args), call_case(draw, args)
    assert first["error"] is None and first["outputs"] == second["outputs"]
    assert first["outputs"] == draw(np.random.default_rng([11]), 20)
    assert first["args_after"] == args  # the generator is reported as given, not as the consumed object
