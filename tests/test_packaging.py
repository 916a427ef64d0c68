"""Packaging: pyproject.toml and environment.yml list the same dependencies."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import ROOT


def _split(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_split(r) for r in project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_split(d) for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip")))
    assert conda == wanted
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert _split(python)[1] == project["requires-python"]


def test_nbgrader_pinned_to_the_version_the_course_is_built_with():
    import nbgrader

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "nbgrader==0.9.6" in project["dependencies"] and nbgrader.__version__ == "0.9.6"
