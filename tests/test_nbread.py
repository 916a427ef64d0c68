"""Notebooks are read without the outputs of their cells, in bounded memory: an honest notebook is never refused
for its outputs, only one whose sources exceed a generous limit."""

from __future__ import annotations

import base64
import copy
import io
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from autograde import nbread
from autograde.grade import Grader, Options
from conftest import S03, function_result, load, solution_path, write_submission


def with_outputs(nb: dict, rng: np.random.Generator, figure: str) -> dict:
    """``nb`` with outputs on every code cell (figures, text full of escapes and keys named like the dropped
    ones) and attachments on every markdown cell."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [
                {"output_type": "display_data", "metadata": {"outputs": [1, "]"]},
                 "data": {"image/png": figure[:int(rng.integers(0, len(figure)))],
                          "text/plain": ['a "quoted" \\ back\\slash\n', "}{][" * int(rng.integers(0, 50))]}},
                {"output_type": "execute_result", "execution_count": 3, "metadata": {},
                 "data": {"text/plain": ["\\" * int(rng.integers(0, 9)) + '"']}}]
        else:
            cell["attachments"] = {"x.png": {"image/png": figure[:100]}}
    return nb


def emptied(nb: dict) -> dict:
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if "outputs" in cell:
            cell["outputs"] = []
        if "attachments" in cell:
            cell["attachments"] = {}
    return nb


@pytest.mark.parametrize("chunk", [1, 5, 64, 4096, 1 << 20])
def test_outputs_are_dropped_and_nothing_else(chunk, monkeypatch):
    monkeypatch.setattr(nbread, "CHUNK", chunk)
    rng = np.random.default_rng(chunk)
    nb = with_outputs(load(solution_path(S03)), rng, base64.b64encode(rng.bytes(3000)).decode())
    for indent in (None, 1):
        raw = json.dumps(nb, indent=indent).encode()
        kept = nbread.read_without_outputs(io.BytesIO(raw))
        assert json.loads(kept) == emptied(nb)
        assert kept.count(b"\n") == raw.count(b"\n")  # a JSON error's line number is the file's
        assert len(kept) < len(raw)


def test_not_json_stays_not_json():
    for raw in (b'{"cells": [{"outputs": [1, 2', b'{"cells": "x', b"\x00\x01", b'{"cells": [{"outputs": "a\\'):
        with pytest.raises(ValueError):
            json.loads(nbread.read_without_outputs(io.BytesIO(raw)))


def test_a_notebook_whose_sources_exceed_the_limit_is_refused_and_told_why(grader, tmp_path, monkeypatch):
    monkeypatch.setattr(nbread, "MAX_KEPT", 200_000)
    nb = load(solution_path(S03))
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "long", "metadata": {},
                        "outputs": [], "source": "# " + "x" * 300_000})
    (result,) = grader.grade([write_submission(tmp_path, S03, nb)])
    message = function_result(result, "softmax").checks[0].message
    assert result.score == 0 and "sources" in message and "larger than" in message, message


MEASURE = textwrap.dedent('''
    import json, resource, subprocess, sys
    out = subprocess.run([sys.executable, "-m", "autograde", "grade", sys.argv[1], "--json", "--quiet", "--jobs", "1"],
                         capture_output=True, text=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(json.dumps({"returncode": out.returncode, "stdout": out.stdout, "stderr": out.stderr[-2000:], "peak": peak}))
''')


def test_a_200_mb_notebook_is_graded_in_less_than_1_gib(tmp_path):
    """A correct notebook with 200 MB of figures gets full marks, and the grader (measured in a process of its
    own, with the processes it starts) stays under 1 GiB."""
    nb = load(solution_path(S03))
    figure = base64.b64encode(os.urandom(3 * 2**20)).decode()  # 4 MiB of base64
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for i in range(50):
        code[i % len(code)]["outputs"].append({"output_type": "display_data", "metadata": {},
                                               "data": {"image/png": figure, "text/plain": ["<Figure>"]}})
    path = write_submission(tmp_path, S03, nb)
    del nb, code, figure
    assert path.stat().st_size > 200e6
    run = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, timeout=600)
    report = json.loads(run.stdout)
    assert report["returncode"] == 0, report["stderr"]
    (result,) = json.loads(report["stdout"])["submissions"]
    assert result["score"] == result["max_score"] > 0, result
    assert report["peak"] < 2**30, report["peak"]
