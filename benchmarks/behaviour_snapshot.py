"""The grader's behaviour, frozen: the ``--json`` grades of solutions/, assignments/, the sample submission,
every catalogued mistake (``tests/test_mistakes*.py``) and a few broken submissions, written to one file.

A refactoring of the grader must leave this file unchanged (apart from fields it adds):

    python benchmarks/behaviour_snapshot.py before.json          # on the old code
    python benchmarks/behaviour_snapshot.py after.json           # on the new code
    python benchmarks/behaviour_snapshot.py --compare before.json after.json

Everything is graded under a fixed secret and seed of this script's own (never the machine's), and paths are
written relative to the folder the submissions were made in, so two runs on any machine can be compared.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "behaviour-snapshot-secret"
SEED = "20261204"


def _catalogue() -> list[tuple]:
    """Every (id, stem, function, old, new, …) of the mistake catalogue."""
    sys.path.insert(0, str(ROOT / "tests"))
    out = []
    for path in sorted((ROOT / "tests").glob("test_mistakes*.py")):
        spec = importlib.util.spec_from_file_location(f"_catalogue_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out += list(getattr(module, "MISTAKES", []))
    return out


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(folder: Path, stem: str, nb: dict, name: str | None = None) -> None:
    path = folder / stem / f"{name or stem}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def _edited(stem: str, name: str, old: str, new: str) -> dict:
    nb = copy.deepcopy(_load(ROOT / "solutions" / stem / f"{stem}.ipynb"))
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            assert old in source, f"{old!r} not in {name}"
            cell["source"] = source.replace(old, new)
            return nb
    raise KeyError(name)


def make_submissions(folder: Path) -> list[tuple[list[Path], str | None]]:
    """The groups to grade: (submissions, the notebooks each answers for, or None: those found)."""
    groups: list[tuple[list[Path], str | None]] = []
    for top in ("solutions", "assignments"):
        shutil.copytree(ROOT / top, folder / top, ignore=shutil.ignore_patterns("*.json", "*.py", "*.csv", "*.txt"))
        groups.append(([folder / top], None))
    shutil.copytree(ROOT / "examples" / "sample_submission", folder / "sample_submission")
    groups.append(([folder / "sample_submission"], None))
    by_stem: dict[str, list[Path]] = {}
    for case in _catalogue():
        mid, stem, name, old, new = case[:5]
        target = folder / "mistakes" / f"{stem}--{mid}"
        _write(target, stem, _edited(stem, name, old, new))
        by_stem.setdefault(stem, []).append(target)
    groups += [(subs, stem) for stem, subs in sorted(by_stem.items())]
    # broken submissions: the paths where the grader explains rather than judges
    s03 = "03_recurrent_neural_network"
    solution = _load(ROOT / "solutions" / s03 / f"{s03}.ipynb")
    broken = folder / "broken"
    _write(broken / "renamed", s03, solution, name="my_rnn-Copy1")
    _write(broken / "syntax_error", s03, _edited(s03, "rnn_cell_forward", "a_next = np.tanh(", "a_next = np.tanh(("))
    _write(broken / "raises_before_def", s03, _edited(s03, "rnn_forward", "def rnn_forward", "1 / 0\n\ndef rnn_forward"))
    _write(broken / "renamed_function", s03, _edited(s03, "softmax", "def softmax(", "def soft_max("))
    for name, text in (("unreadable", "{not json"), ("empty", "")):
        (broken / name / s03).mkdir(parents=True)
        (broken / name / s03 / f"{s03}.ipynb").write_text(text, encoding="utf-8")
    groups.append((sorted(broken.iterdir()), "03,04"))  # 04 missing from each
    return groups


def snapshot(out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="autograde-snapshot-") as tmp:
        folder = Path(tmp)
        groups = make_submissions(folder)
        env = dict(os.environ, AUTOGRADE_SECRET=SECRET, AUTOGRADE_CACHE_DIR=str(folder / "cache"))
        graded = []
        for subs, stems in groups:
            command = [sys.executable, "-m", "autograde", "grade", *map(str, subs), "--json", "--seed", SEED,
                       "--jobs", "2", "--quiet"]
            if stems:
                command += ["--notebooks", stems]
            proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"grading {subs[0]}… failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
            text = proc.stdout.replace(str(folder) + "/", "").replace(str(folder), "")
            graded.append({"submissions": [str(s.relative_to(folder)) for s in subs], "result": json.loads(text),
                           "stderr": [line for line in proc.stderr.replace(str(folder), "").splitlines()
                                      if "sandbox" not in line]})
            print(f"{len(graded)}/{len(groups)}: {len(subs)} submission(s), {subs[0].relative_to(folder)}…",
                  file=sys.stderr)
        out.write_text(json.dumps(graded, indent=1, sort_keys=True), encoding="utf-8")


def _strip(old: object, new: object, path: str, added: list[str]) -> object:
    """``new`` without the dict keys ``old`` lacks (fields a change may add), noted in ``added``."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(new) - set(old)):
            added.append(f"{path}.{k}")
        return {k: _strip(old[k], new[k], f"{path}.{k}", added) for k in new if k in old}
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [_strip(a, b, f"{path}[]", added) for a, b in zip(old, new)]
    return new


def compare(before: Path, after: Path) -> int:
    a, b = _load(before), _load(after)
    added: list[str] = []
    b = _strip(a, b, "", added)
    if added:
        print("fields added:", ", ".join(sorted(set(added))))
    if a == b:
        print(f"identical: {len(a)} submissions")
        return 0
    for x, y in zip(a, b):
        if x != y:
            print(f"DIFFERS: {x['submissions'][0]}…")
            print("  before:", json.dumps(x, sort_keys=True)[:1500])
            print("  after: ", json.dumps(y, sort_keys=True)[:1500])
    if len(a) != len(b):
        print(f"DIFFERS: {len(a)} submissions before, {len(b)} after")
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--compare", action="store_true", help="compare two snapshots (fields added are allowed)")
    args = parser.parse_args()
    if args.compare:
        if len(args.files) != 2:
            parser.error("--compare takes two files")
        return compare(*args.files)
    if len(args.files) != 1:
        parser.error("give one file to write")
    snapshot(args.files[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
