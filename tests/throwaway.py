"""Throwaway servers for fault tests: a PostgreSQL cluster and a Redis server.

The shared PostgreSQL and Redis other test runs use are never stopped: a test
that restarts or stops a server starts its own here, on a free loopback port
under a temporary directory, and the fixtures in tests/conftest.py remove it.
PostgreSQL comes from the Debian server binaries (POSTGRES_BIN, default
/usr/lib/postgresql/<newest>/bin); initdb refuses root, so as root the cluster
runs as the `postgres` user.
"""

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from tests.harness import free_port


def postgres_bin() -> Path | None:
    configured = os.environ.get("POSTGRES_BIN")
    if configured:
        return Path(configured)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own: start, restart (clean), crash, stop."""

    def __init__(self):
        self.bin = postgres_bin()
        if self.bin is None or not (self.bin / "initdb").exists():
            raise RuntimeError("no PostgreSQL server binaries (set POSTGRES_BIN)")
        self.dir = Path(tempfile.mkdtemp(prefix="canvass-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres")

    def _run(self, *args: str, check=True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, check=check, capture_output=True, text=True, timeout=120
        )

    @property
    def options(self) -> str:
        # fsync off: only clean restarts and process crashes here, never the OS.
        return (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )

    def start(self) -> None:
        if not self.data.exists():
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", self.options, "-l",
            str(self.dir / "log"), "-w", "start",
        )  # fmt: skip

    def restart(self) -> None:
        """A clean restart (pg_ctl restart -m fast): every connection is broken."""
        self._run(
            "pg_ctl", "-D", str(self.data), "-m", "fast", "-o", self.options,
            "-l", str(self.dir / "log"), "-w", "restart",
        )  # fmt: skip

    def crash(self) -> None:
        """Stop without a shutdown checkpoint (-m immediate), then start: a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.start()

    def stop(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False
        )
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def copy_schema(self, source_url: str, database: str) -> None:
        """Create `database` with the schema (no rows) of the database at source_url."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                  "postgres", database)  # fmt: skip
        dump = subprocess.run(
            [str(self.bin / "pg_dump"), "--schema-only", "--no-owner",
             "--no-privileges", "-d", source_url],
            check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        subprocess.run(
            [str(self.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d",
             self.url(database)],
            input=dump.stdout, check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip


class ThrowawayRedis:
    """A redis-server of its own, no persistence: stop() loses every key."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    return
            if time.monotonic() > deadline:
                raise TimeoutError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"
