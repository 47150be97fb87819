"""Real processes for the production tests and the load benchmark: gunicorn, `flask forum worker`, a throwaway
PostgreSQL cluster and a throwaway Redis server, each on a spare loopback port. The machine's own services are
never touched."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout:.0f}s")


def base_env(database_url: str, **forum: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
    env.update(
        FORUM_DATABASE_URL=database_url,
        FORUM_SECRET_KEY="production-test-secret",
        FORUM_EMBEDDER="fake",
        FORUM_LIMIT_LOGIN="100000 per minute",
        FORUM_LIMIT_REGISTER="100000 per minute",
        FORUM_LIMIT_POST="100000 per minute",
        FORUM_LIMIT_VOTE="100000 per minute",
        OMP_WAIT_POLICY="PASSIVE",
        HF_HUB_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    env.update({f"FORUM_{k}": v for k, v in forum.items()})
    return env


class Process:
    """A child process with its output in a log file; stopped (and its group killed) on ``stop``."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._fh = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._fh, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._fh.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


class Gunicorn(Process):
    def __init__(
        self, env: dict[str, str], log: Path, workers: int = 2, extra: list[str] | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "60"]
        super().__init__([*args, *(extra or []), "wsgi:app"], env, log)
        try:
            wait_until(self._answers, 60, what="gunicorn answering /healthz")
        except TimeoutError:
            self.stop()
            raise AssertionError(f"gunicorn did not start:\n{self.output()}") from None

    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{self.output()}")
        try:
            return requests.get(self.url + "/healthz", timeout=5).status_code in (200, 503)
        except requests.RequestException:
            return False


def worker(env: dict[str, str], log: Path) -> Process:
    return Process([str(BIN / "flask"), "--app", "wsgi", "forum", "worker"], env, log)


def postgres_bin() -> Path | None:
    for pattern in ("/usr/lib/postgresql/*/bin/initdb", "/usr/local/pgsql/bin/initdb"):
        found = sorted(glob.glob(pattern))
        if found:
            return Path(found[-1]).parent
    which = shutil.which("initdb")
    return Path(which).parent if which else None


class PostgresCluster:
    """``initdb`` + ``pg_ctl`` in a temp dir on a spare port (as the postgres user when we are root)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="forum-pg-"))
        self.data = self.dir / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bindir / tool), *args], check=True, capture_output=True, timeout=120
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer(Process):
    def __init__(self, log: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        args = [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
        ]
        super().__init__([*args, "--save", "", "--appendonly", "no"], dict(os.environ), log)
        from redis import Redis

        client = Redis.from_url(self.url, socket_connect_timeout=1)
        wait_until(lambda: _pings(client), 10, what="redis-server answering PING")


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001
        return False
