"""Electing the one process that runs the in-process worker when several web processes share a SQLite
file (``gunicorn -w 2`` on the embedded default), and handing it the others' jobs. Used by
:class:`forum.jobs.InProcessQueue`; Linux (``flock``, abstract Unix sockets, ``SO_PASSCRED``)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import socket
import struct
import threading
from collections.abc import Collection

from sqlalchemy import make_url

log = logging.getLogger("forum.jobs")


class Election:
    """Which process runs the in-process worker when several serve one SQLite file (``gunicorn -w 2``).

    The first process to take an exclusive ``flock`` on a file beside the database leads: it runs the worker
    and listens on a Unix datagram socket (an abstract address named after the lock file) for the jobs the
    other processes hand it. The others stand by, blocked on the lock in a thread, and take over if the
    leader exits (the kernel drops its lock). Leadership belongs to the process: several apps of one process
    on the same file (tests) all lead, each with its own thread, as before."""

    _held: dict[str, int] = {}  # lock file -> the open descriptor this process holds it with
    _guard = threading.Lock()

    def __init__(self, lock_path: str) -> None:
        self.lock_path = lock_path
        digest = hashlib.sha256(os.path.realpath(lock_path).encode()).hexdigest()[:32]
        self.address = "\0forum-worker-" + digest
        self._sender: socket.socket | None = None

    def try_lead(self, *, wait: bool) -> bool:
        with self._guard:
            if self.lock_path in self._held:
                return True
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        with self._guard:
            self._held[self.lock_path] = fd
        return True

    def leader_pid(self) -> int | None:
        try:
            with open(self.lock_path) as fh:
                return int(fh.read().strip() or 0) or None
        except (OSError, ValueError):
            return None

    def listen(self) -> socket.socket | None:
        """The leader's socket, or None when another app of this process listens already. Each datagram
        carries its sender's credentials (``SO_PASSCRED``): see :meth:`receive`."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            sock.bind(self.address)
        except OSError:
            sock.close()
            return None
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        return sock

    @staticmethod
    def receive(sock: socket.socket, tasks: Collection[str]) -> tuple[str, tuple] | None:
        """The next job sent to the leader, or None for a datagram to drop: one from another user (an
        abstract socket has no file permissions, so the kernel's word on the sender is checked), malformed,
        or naming no task."""
        data, ancillary, _, _ = sock.recvmsg(1 << 20, socket.CMSG_SPACE(struct.calcsize("3i")))
        uid = None
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                _, uid, _ = struct.unpack("3i", payload[: struct.calcsize("3i")])
        if uid != os.getuid():
            log.warning("dropped a job message from uid %s", uid)
            return None
        try:
            name, args = json.loads(data)
        except (ValueError, TypeError):
            log.warning("dropped a malformed job message")
            return None
        if name not in tasks or not isinstance(args, list):
            log.warning("dropped a job message for an unknown task")
            return None
        return name, tuple(args)

    def forward(self, name: str, args: tuple) -> None:
        """Hand a job to the leader; OSError when there is none (the caller treats the queue as down)."""
        if self._sender is None:
            self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._sender.setblocking(False)
        self._sender.sendto(json.dumps([name, list(args)]).encode(), self.address)

    def close(self) -> None:
        if self._sender is not None:
            self._sender.close()
            self._sender = None


def election_path(database_url: str) -> str | None:
    """The lock file that elects the in-process worker: beside a SQLite database file, None otherwise."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return os.path.abspath(url.database) + ".worker-lock"


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
