"""Packaging: pyproject.toml and environment.yml list the same dependencies."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import ROOT


def _split(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


# packages that conda-forge does not have at the version pyproject.toml asks for: environment.yml installs them
# with pip, inside the environment (conda-forge's nbgrader stops at 0.9.5)
FROM_PIP = {"nbgrader"}


def test_environment_yml_matches_pyproject():
    """The conda path gives the README's environment, `pip install -e '.[test,cluster]'`: every dependency and
    extra, with the same version specifiers, from conda-forge or, where conda-forge lacks the version, from pip."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = dict(_split(r) for r in project["dependencies"] + extras["test"] + extras["cluster"]
                  + extras["instructor"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    deps = env["dependencies"]
    conda = dict(_split(d) for d in deps if isinstance(d, str) and not d.startswith(("python", "pip")))
    (pip_section,) = [d["pip"] for d in deps if isinstance(d, dict)]
    pip = dict(_split(d) for d in pip_section)
    assert set(conda) & set(pip) == set()
    assert {**conda, **pip} == wanted
    assert set(pip) == FROM_PIP
    assert "pip" in deps
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    assert _split(python)[1] == project["requires-python"]


def test_nbgrader_pinned_to_the_version_the_course_is_built_with():
    import nbgrader

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "nbgrader==0.9.6" in extras["instructor"] and "nbgrader==0.9.6" in extras["test"]
    assert nbgrader.__version__ == "0.9.6"


def test_the_students_install_has_no_nbgrader():
    """`pip install -e .` (what students install) brings no nbgrader, so their JupyterLab shows none of its
    instructor menus; the self-checks, the skipped cells and grading work without it, and what needs it says
    so."""
    import subprocess
    import sys

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if _split(d)[0] == "nbgrader"]
    blocked = ("import sys; sys.modules['nbgrader'] = None\n"  # as if it were not installed
               "import autograde.selfcheck, autograde.cli, autograde.grade, autograde.batch, autograde.exports\n"
               "import course_utils.notebooks, course_utils.skips, course_utils.plots\n"
               "from autograde.selfcheck import SelfCheck; SelfCheck('03_recurrent_neural_network')\n"
               "from autograde import cli; sys.exit(cli.main(['build', '--check']))\n")
    proc = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == ("autograde build: building the assignments needs nbgrader: "
                                   "pip install -e '.[instructor]'"), proc.stderr
