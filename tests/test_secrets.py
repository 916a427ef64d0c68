"""The tests grade with their own secret, never the machine's; the hidden cases of every spec differ from the
visible ones, whatever the secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import conftest
from conftest import ROOT, solution_path

# a test run by an inner pytest that loads tests/conftest.py as a plugin, like every test of the suite: it
# grades in its own process and through `python -m autograde grade`, and records which secret each used
INNER = '''
import json, os, subprocess, sys
from pathlib import Path

from autograde import secret
from autograde.grade import Grader, Options


def test_grades(tmp_path):
    nb = Path(os.environ["INNER_NOTEBOOK"])
    (result,) = Grader(Options(jobs=1)).grade([nb])
    assert result.max_score > 0 and result.score == result.max_score
    out = subprocess.run([sys.executable, "-m", "autograde", "grade", str(nb), "--json", "--quiet", "--jobs", "1"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)
    Path(os.environ["INNER_REPORT"]).write_text(json.dumps(
        {"secret": secret.value().decode(), "file": str(secret.location())}))
'''


@pytest.mark.parametrize("named", [False, True], ids=["default-file", "AUTOGRADE_SECRET_FILE"])
def test_the_suite_never_reads_or_creates_the_users_secret_file(tmp_path, named):
    home = tmp_path / "home"
    config = home / ".config"
    # where the machine's secret would be: a folder, so that reading it fails loudly (IsADirectoryError, where
    # a missing file would be created)...
    (config / "autograde" / "secret").mkdir(parents=True)
    # ... and where AUTOGRADE_SECRET_FILE names another, which must not be created
    other = tmp_path / "named" / "secret"
    (tmp_path / "inner").mkdir()
    (tmp_path / "inner" / "test_inner.py").write_text(INNER)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOGRADE_")}
    env["AUTOGRADE_TEST_SECRETS"] = ",".join(conftest.SECRETS)  # the same session secret inside
    if named:
        env["AUTOGRADE_SECRET_FILE"] = str(other)
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(config),
               PYTHONPATH=os.pathsep.join([str(ROOT / "tests"), env.get("PYTHONPATH", "")]),
               INNER_NOTEBOOK=str(solution_path("01_why_sequence_models")),
               INNER_REPORT=str(tmp_path / "report.json"))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider",
                          "--rootdir", str(tmp_path / "inner"), str(tmp_path / "inner" / "test_inner.py")],
                         cwd=tmp_path / "inner", env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["secret"] == conftest.SECRETS[0] == os.environ["AUTOGRADE_SECRET"]
    assert not Path(report["file"]).exists() and not report["file"].startswith(str(tmp_path))
    assert not other.exists() and not other.parent.exists()
    assert list((config / "autograde").iterdir()) == [config / "autograde" / "secret"]
    assert not any((config / "autograde" / "secret").iterdir())


def test_this_session_grades_with_the_fixed_secret_and_a_file_of_its_own():
    from autograde import secret

    assert os.environ["AUTOGRADE_SECRET"] == conftest.SECRETS[0]
    assert "AUTOGRADE_TEST_SECRETS" in os.environ or conftest.SECRETS[0] == conftest.FIXED_SECRET
    real = Path(os.path.expanduser("~")) / ".config" / "autograde" / "secret"
    assert secret.location() != real.resolve()
    assert str(secret.location()).startswith(conftest._SECRET_DIR)


@pytest.mark.parametrize("stem", conftest.STEMS)
def test_no_hidden_case_equals_a_visible_one(stem, monkeypatch):
    """Under each secret of the session, no hidden case of any function equals, as the self-check stores it, a
    visible case shipped in assignments/<stem>/<stem>.selfcheck.json (a lookup table of the visible answers
    must earn nothing)."""
    from autograde import reference, secret, specs, stored, wire
    from autograde.spec import HIDDEN_SEED

    shipped = json.loads((ROOT / "assignments" / stem / f"{stem}.selfcheck.json").read_text(encoding="utf-8"))
    nb = specs.get(stem)
    fns = reference.functions(nb)
    compared = 0
    for value in conftest.SECRETS:
        monkeypatch.setenv("AUTOGRADE_SECRET", value)
        for fspec in nb.functions:
            visible = {json.dumps(stored.rounded(c["args"]), sort_keys=True)
                       for c in shipped["functions"][fspec.name]["cases"]}
            assert visible, fspec.name
            for case in fspec.cases(secret.mix(HIDDEN_SEED), fns, stem):
                key = json.dumps(stored.rounded(wire.to_json(case.args)), sort_keys=True)
                assert key not in visible, (value, fspec.name, case.label)
                compared += 1
    assert compared >= len(conftest.SECRETS) * len(nb.functions)
