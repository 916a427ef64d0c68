"""The bubblewrap sandbox in which the student's process runs, where there is one.

On Linux with bubblewrap (``bwrap``), the worker (:mod:`autograde.worker`) runs with no network, no
capabilities, its own PID and IPC namespaces, a file system that is read-only everywhere (each function's
child mounts its own fresh, size-bounded /tmp and /dev/shm: :mod:`autograde.confine`), a minimal environment
(:func:`environment`), and a read-only view of the system folders, of the Python it runs (its interpreter,
standard library and site-packages, wherever they are installed) and of the few files of the grader it needs
(:data:`SANDBOX_MODULES`): not of the course (``solutions/``, the specs, the test functions, git history), the
grader's output, the secret of the hidden inputs, the cache of the reference's answers
(:mod:`autograde.refcache`) or any submission. Paths of the course or of submissions that lie inside a
system folder are covered by an empty folder (the grader names the submissions and its output folder:
:meth:`autograde.runner.Workers.hide`). Elsewhere it runs with process limits only (:func:`rlimits`), and
:func:`sandbox_status` says that isolation is partial.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from autograde import paths
from autograde.confine import SANDBOX_UID, SHM_BYTES, TMP_BYTES
from autograde.worker import PRIVATE_FLAG, SANDBOX_FLAG

# the grader's own files that the worker needs (every module it imports); nothing that computes or stores an
# answer
SANDBOX_MODULES = ("__init__.py", "worker.py", "freshkernel.py", "cleanup.py", "complexwatch.py", "kernel.py",
                   "calls.py", "wire.py", "frames.py", "confine.py")


@dataclass(frozen=True)
class Limits:
    """What the student's process may use."""

    timeout: float = 10.0  # wall-clock seconds for one function, all its inputs together
    notebook_timeout: float = 60.0  # wall-clock seconds for one notebook: its cells and all its functions
    memory: int = 2 * 2**30  # bytes of address space
    cpu: int = 60  # seconds of CPU time per process

    def describe_memory(self) -> str:
        return f"{self.memory / 2**30:g} GiB"


_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")


def _package_dirs() -> list[Path]:
    import autograde
    import course_utils

    return [Path(autograde.__file__).resolve().parent, Path(course_utils.__file__).resolve().parent]


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _python_paths() -> list[Path]:
    """What the interpreter needs: its executable, shared library, standard library and site-packages."""
    import sysconfig

    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    course = paths.root().resolve()
    out = [Path(sys.executable).parent, Path(sys.executable).resolve().parent]
    cfg = Path(sys.prefix) / "pyvenv.cfg"
    if cfg.is_file():
        out.append(cfg)
    libdir = sysconfig.get_config_var("LIBDIR")
    if libdir and Path(libdir).is_dir():
        out += sorted(Path(libdir).glob("libpython*.so*"))
    for entry in sys.path:
        if not entry or not os.path.isabs(entry) or not os.path.exists(entry):
            continue
        p = Path(entry).resolve()
        if any(_within(p, prefix) for prefix in prefixes) and not _within(course, p):
            out.append(p)
    return out


def _worker_files() -> list[Path]:
    autograde_dir, course_utils_dir = _package_dirs()
    return [autograde_dir / name for name in SANDBOX_MODULES] + [course_utils_dir]


def _hidden_paths(extra: Iterable[Path] = ()) -> list[Path]:
    """What the sandbox never shows: the course, its solutions, the secret and the cache, and ``extra``."""
    from autograde import refcache, secret

    return sorted({paths.root().resolve(), paths.solutions_dir().resolve(), secret.location(), refcache.location(),
                   *extra})


def _readable_roots() -> list[Path]:
    """What the worker reads: system folders, then Python, then the grader's files it needs."""
    roots = [Path(p) for p in _SYSTEM] + _python_paths() + _worker_files()
    out: list[Path] = []
    for root in roots:
        if root.exists() and root not in out:
            out.append(root)
    return out


def _bwrap_command(command: list[str], private: bool = True, hidden: Iterable[Path] = ()) -> list[str]:
    """The bubblewrap command line. Everything the worker sees is read-only: the system and Python folders,
    the grader's files, the sandbox's own root and /dev, and the empty folders covering what is hidden (the
    course's own, and ``hidden``: absolute paths). With ``private`` (the usual case), each function's child
    mounts its own fresh, size-bounded /tmp and /dev/shm (:mod:`autograde.confine`); otherwise the sandbox gets
    one size-bounded /tmp and /dev/shm, which the template empties after each function and checks empty (else
    the worker is not used again)."""
    cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
           "--proc", "/proc", "--dev", "/dev"]
    if private:
        # a non-zero uid: a nested user namespace cannot map uid 0 without privileges
        cmd += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--dir", "/tmp"]
    else:
        cmd += ["--size", str(TMP_BYTES), "--tmpfs", "/tmp", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm"]
    roots = _readable_roots()
    hidden = [h for h in _hidden_paths(hidden) if any(_within(h, r) for r in roots) or
              any(_within(r, h) for r in roots)]
    inner = [r for r in roots if any(r != h and _within(r, h) for h in hidden)]
    outer = [r for r in roots if r not in inner]
    for root in outer:
        cmd += ["--ro-bind", str(root), str(root)]
    covers: list[str] = []

    def cover(shown: list[Path]) -> None:
        for h in hidden:  # a course, submission, secret or cache inside a folder shown: covered by an empty one
            if any(_within(h, r) for r in shown):  # hidden wins, even over a folder shown itself
                if h.is_dir() or not h.exists():
                    cmd.extend(["--tmpfs", str(h)])
                    covers.append(str(h))
                else:
                    cmd.extend(["--ro-bind", "/dev/null", str(h)])

    cover(outer)
    for root in inner:  # Python or the grader's files inside the course folder: shown again, alone
        cmd += ["--ro-bind", str(root), str(root)]
    cover(inner)  # and what is hidden inside those, covered again
    for folder in dict.fromkeys(covers):  # the empty covers are read-only too, then /dev and the root
        cmd += ["--remount-ro", folder]
    cmd += ["--remount-ro", "/dev", "--remount-ro", "/"]
    cmd += ["--chdir", "/tmp", "--setenv", SANDBOX_FLAG, "1"]
    if private:
        cmd += ["--setenv", PRIVATE_FLAG, "1"]
    return cmd + ["--"] + command


def _probe(private: bool) -> subprocess.CompletedProcess:
    # Python and both packages visible in the sandbox (importing NumPy too would make every grade 0.1-0.2 s
    # slower); with private mounts, that they work and that the root is read-only
    # (a course or a Python under /tmp or /dev/shm, e.g. a clone in /tmp, is hidden by the function's private
    # mounts: the probe then fails, and each function gets the emptied shared /tmp instead)
    code = "import autograde, course_utils" + (
        "; from autograde import confine; confine.probe(); import os, sys; "
        "assert all(os.path.exists(p) for p in (sys.executable, autograde.__file__, course_utils.__file__)), "
        "'the course or Python lies under /tmp or /dev/shm'" if private else "")
    return subprocess.run(_bwrap_command([sys.executable, "-c", code], private), capture_output=True, text=True,
                          timeout=60)


@lru_cache(maxsize=1)
def _sandbox() -> tuple[bool, bool, str]:
    """(whether the bubblewrap sandbox is used, whether each function gets private mounts, a line saying so):
    what this machine allows, probed once per process."""
    mode = os.environ.get("AUTOGRADE_SANDBOX", "auto")
    if mode == "none":
        return False, False, ("autograde: sandbox turned off (AUTOGRADE_SANDBOX=none): isolation is partial "
                              "(process limits only)")
    if not sys.platform.startswith("linux") or shutil.which("bwrap") is None:
        return False, False, ("autograde: bubblewrap (bwrap) is not available: student code runs with process "
                              "limits only, so isolation is partial (no network or file-system isolation)")
    reason = ""
    if mode != "shared-tmp":  # AUTOGRADE_SANDBOX=shared-tmp tests the fallback
        probe = _probe(True)
        if probe.returncode == 0:
            return True, True, "autograde: student code runs in a bubblewrap sandbox"
        reason = (probe.stderr.strip().splitlines() or ["unknown error"])[-1]
    probe = _probe(False)
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["unknown error"])[-1]
        return False, False, (f"autograde: bubblewrap does not work here ({reason}): isolation is partial "
                              "(process limits only)")
    return True, False, ("autograde: student code runs in a bubblewrap sandbox, without a private /tmp per "
                         f"function ({reason or 'turned off'}): /tmp is emptied between functions instead")


def sandbox_status() -> tuple[bool, str]:
    """(whether the bubblewrap sandbox is used, a line saying so)."""
    sandboxed, _, line = _sandbox()
    return sandboxed, line


def worker_command(command: list[str], hidden: Iterable[Path] = ()) -> tuple[list[str], bool]:
    """``command`` as it runs here: inside the sandbox (also hiding ``hidden``) where there is one; and
    whether it is."""
    sandboxed, private, _ = _sandbox()
    return (_bwrap_command(command, private, hidden), True) if sandboxed else (command, False)


def rlimits(limits: Limits) -> Callable[[], None]:
    """What the student's process runs first: ``limits`` on its address space and CPU time, inherited by every
    child, and no core dumps."""
    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu, limits.cpu + 1))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def environment() -> dict[str, str]:
    """The student's process gets a minimal environment: none of the grader's variables."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
            "PYTHONPATH": os.pathsep.join(sorted({str(p.parent) for p in _package_dirs()}))}
