"""Where a submission's model process runs: what it is denied, and how (docs/architecture.md,
"Security model").

The harness starts the model process (:mod:`benchmark.isolation.worker`) with a scrubbed
environment, in a fresh empty folder, in its own session.  On Linux, where unprivileged
user namespaces are allowed, it starts it through util-linux ``unshare`` in new user,
network, mount and PID namespaces: no network interface but loopback, its own ``/proc`` (the harness's
processes are not there to read or attach to), every mount read-only except the process's
own folder (:func:`enter_read_only` runs inside, before any submission
code), and every process it starts killed with it.  Elsewhere (macOS, Windows, a kernel or
container without user namespaces) only the environment, the folder and the session apply,
and :func:`confinement` says so.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

UNSHARE = ["--user", "--map-root-user", "--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc"]
# Variables the model process keeps (none changes a number; CUDA ones select devices).
KEPT_ENVIRONMENT = ("LANG", "LC_ALL", "CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "NVIDIA_VISIBLE_DEVICES",
                    "LD_LIBRARY_PATH", "SYSTEMROOT")
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 4096
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, MS_REC = 1024, 2048, 1 << 21, 16384
MOUNT_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
               "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}


@cache
def namespaces_available() -> bool:
    """True where ``unshare`` can make user, network, mount and PID namespaces unprivileged."""
    tool = shutil.which("unshare")
    if sys.platform != "linux" or tool is None:
        return False
    try:
        done = subprocess.run([tool, *UNSHARE, "true"], capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def confinement() -> str:
    """What confines the model process on this machine, in words."""
    if namespaces_available():
        return ("network: none (own network namespace); files: read-only but for its own folder (own mount "
                "namespace); processes: killed with it (own PID namespace); environment scrubbed")
    return ("NOT confined by namespaces on this machine (no unprivileged user namespaces): it can reach the "
            "network and write files its user can; environment scrubbed, own folder and session, and the "
            "harness still never reads anything it writes except through the channel")


def command(argv: list[str]) -> list[str]:
    """``argv`` prefixed to run in new namespaces where the OS allows it."""
    return [shutil.which("unshare"), *UNSHARE, "--", *argv] if namespaces_available() else argv


def environment(workdir: Path, python_path: str) -> dict[str, str]:
    """The model process's environment: a few locale/device variables, its folder as home
    and temp, and the harness's import path; nothing else of the harness's."""
    kept = {k: os.environ[k] for k in KEPT_ENVIRONMENT if k in os.environ}
    return kept | {"PATH": os.defpath, "HOME": str(workdir), "TMPDIR": str(workdir), "PYTHONPATH": python_path,
                   "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1", "MOTION_BENCH_SANDBOX": "1"}


def _mount_points() -> list[tuple[str, int]]:
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        where = fields[4].encode().decode("unicode_escape")  # \040 for a space, ...
        flags = sum(MOUNT_FLAGS.get(o, 0) for o in fields[5].split(","))
        points.append((where, flags))
    return points


def enter_read_only(keep: Path) -> list[str]:
    """Inside the model process's own mount namespace: remount every mount read-only but
    ``keep`` (bind-mounted onto itself first); returns the mount points that stayed writable."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
    target = str(keep).encode()
    if libc.mount(target, target, None, MS_BIND | MS_REC, None) != 0:
        return ["/ (binding the work folder failed)"]
    os.chdir(keep)  # into the new mount (the old working directory stays on the one below)
    writable = []
    for where, flags in reversed(_mount_points()):
        if Path(where) == keep:
            continue
        if libc.mount(None, where.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, None) != 0:
            writable.append(where)
    return writable
