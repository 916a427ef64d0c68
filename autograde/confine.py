"""A private, size-bounded /tmp and /dev/shm and a private IPC namespace for each graded function.

Used inside the bubblewrap sandbox (:mod:`autograde.runner`), where the whole file system is read-only: the
worker's child calls :func:`private_mounts` right after it is forked and before any student code runs. It
enters a new user, mount and IPC namespace, mounts a fresh tmpfs of bounded size on /tmp and /dev/shm, and
drops every capability. When the function's processes are gone (the template kills any it left), the
namespaces and their tmpfs disappear with them, whatever the permissions of what is inside: nothing written
by one function can be read by the next, and System V and POSIX IPC objects die with it too.

No capability is needed: an unprivileged process may create a user namespace and, inside it, mount a tmpfs.
The sandbox runs under a non-zero uid (``--uid``), because Linux does not let an unprivileged process map uid
0 into a nested user namespace. Mounts seen from the sandbox stay locked in the new namespace (the kernel
forbids unmounting or making writable what a more privileged namespace mounted read-only).

Imports nothing but the standard library (the sandbox probe runs it without NumPy).
"""

from __future__ import annotations

import ctypes
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x4000, 0x40000
PR_SET_NO_NEW_PRIVS = 38
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

TMP_BYTES = 256 * 2**20  # the function's /tmp
SHM_BYTES = 64 * 2**20  # and /dev/shm
INODES = 20_000  # files and folders in each

SANDBOX_UID = 1000  # the uid inside the sandbox (any but 0)


def _fail(what: str) -> OSError:
    errno = ctypes.get_errno()
    return OSError(errno, f"{what}: {os.strerror(errno)}")


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def private_mounts(tmp_bytes: int = TMP_BYTES, shm_bytes: int = SHM_BYTES) -> None:
    """Give this process (and what it starts) its own empty /tmp and /dev/shm and its own IPC; OSError if
    that cannot be done (then no student code may run here)."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.geteuid(), os.getegid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC) != 0:
        raise _fail("unshare")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise _fail("making mounts private")
    for target, size in ((b"/tmp", tmp_bytes), (b"/dev/shm", shm_bytes)):
        options = f"size={size},nr_inodes={INODES},mode=1777".encode()
        if libc.mount(b"tmpfs", target, b"tmpfs", MS_NOSUID | MS_NODEV, options) != 0:
            raise _fail(f"mounting {target.decode()}")
    os.chdir("/tmp")
    # no capability is left, not even in the new namespace: the mounts stay as they are
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise _fail("prctl")
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    if libc.capset(ctypes.byref(header), data) != 0:
        raise _fail("capset")


def probe() -> None:
    """For the sandbox probe: private mounts work here, and / is read-only while /tmp is writable."""
    private_mounts()
    try:
        open("/autograde-probe", "w").close()
    except OSError:
        pass
    else:
        raise OSError("the sandbox's root is writable")
    with open("/tmp/probe", "w") as f:
        f.write("ok")
