"""Who holds a lease: the identity of a worker process, and whether it is certainly gone.

A worker names itself in every claim it takes (``outbox.claimed_by``). When a process
dies mid-call, its claims would come back only when their leases run out (a step's
timeout plus a margin). A process that starts on the same machine can do better: it
knows for certain whether the claimer is still there, by the machine's boot id, the
process id and the process's start time (a pid reused by another process starts at
another time). Only a process on another machine has to wait for a missed heartbeat.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProcessIdentity", "is_gone", "this_process"]

_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


@dataclass(frozen=True, slots=True)
class ProcessIdentity:
    """Where a process runs and which process it is; empty strings where the OS cannot say."""

    host: str
    boot_id: str
    pid: int
    pid_started: str


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _started(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), or ``""``."""
    stat = _read(Path(f"/proc/{pid}/stat"))
    # The command name (field 2) may hold spaces and parentheses: count from its end.
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")  # e.g. "pid:[4026531836]"
    except OSError:
        return ""


def this_process() -> ProcessIdentity:
    """The identity of the calling process.

    ``host`` names the PID namespace too: two containers sharing the host's name and
    kernel (host networking) cannot see each other's pids, so they count as two hosts.
    """
    pid = os.getpid()
    host = " ".join(part for part in (socket.gethostname(), _pid_namespace()) if part)
    return ProcessIdentity(host, _read(_BOOT_ID), pid, _started(pid))


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def is_gone(other: ProcessIdentity, here: ProcessIdentity) -> bool:
    """Whether ``other`` has certainly ended, as seen from ``here``.

    ``False`` when it may still run, or when it runs on another machine (only a
    heartbeat can tell then).

    >>> me = this_process()
    >>> is_gone(me, me)
    False
    >>> is_gone(ProcessIdentity("elsewhere", "", 1, ""), me)
    False
    """
    if other.host != here.host:
        return False
    if other.boot_id and here.boot_id and other.boot_id != here.boot_id:
        return True  # the machine restarted since
    if other.pid == here.pid:
        # This very process (another worker object in it), or an earlier process that had
        # the same pid: a container's restarted main process often does.
        return bool(other.pid_started and here.pid_started) and (
            other.pid_started != here.pid_started
        )
    if not _pid_exists(other.pid):
        return True
    started = _started(other.pid)
    return bool(other.pid_started and started) and started != other.pid_started
