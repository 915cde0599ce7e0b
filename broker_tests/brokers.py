"""Real brokers for the broadcast tests: Debian's redis-server and PostgreSQL 15 on 127.0.0.1.

Each runs on a free port and can be killed and started again on the same port, the way a broker
restart looks to its clients.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.servers import free_port, wait_for_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class Broker:
    scheme: str
    url: str

    def start(self) -> None:
        raise NotImplementedError

    def kill(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self.kill()


class RedisBroker(Broker):
    scheme = "redis"

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="pe-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            shutil.which("redis-server") or "redis-server",
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--save", "",
            "--appendonly", "no",
            "--dir", self.dir,
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_for_port(self.port)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def _as_postgres(*command: str) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


class PostgresBroker(Broker):
    scheme = "postgres"

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self.dir = tempfile.mkdtemp(prefix="pe-postgres-")
        self.data = os.path.join(self.dir, "data")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(
            _as_postgres(str(PG_BIN / "initdb"), "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8"),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = _as_postgres(
            str(PG_BIN / "postgres"),
            "-D", self.data,
            "-h", "127.0.0.1",
            "-p", str(self.port),
            "-k", self.dir,
            "-c", "fsync=off",
            "-c", "max_connections=200",
        )  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, timeout=30)
        time.sleep(0.2)  # the port opens a moment before the server accepts logins

    def kill(self) -> None:
        if self.process is not None:
            # SIGQUIT to the postmaster (runuser does not pass it on) is an immediate shutdown:
            # clients see their connections drop, as in a crash.
            pid_file = Path(self.data) / "postmaster.pid"
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)
            self.process.wait(30)
            self.process = None
            deadline = time.monotonic() + 10
            while pid_file.exists() and time.monotonic() < deadline:
                time.sleep(0.05)

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
