"""Private Redis and PostgreSQL servers for the tests that stop them.

Each is started by the test that needs it, on a free port of its own, and stopped by it: the
shared services of the machine (PostgreSQL on 5432, Redis on 6379) are never touched. A test
that needs a binary which is not installed is skipped, or failed when ``CI`` is set.
"""

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

START_TIMEOUT = 15  # seconds for a server to take connections


def missing(reason):
    if os.environ.get("CI"):
        pytest.fail(f"a fault test cannot run in CI: {reason}")
    pytest.skip(reason)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port, process, log):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(f"the server on port {port} exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    pytest.fail(f"nothing answered on port {port} within {START_TIMEOUT} s:\n{log.read_text()}")


class PrivateRedis:
    """``redis-server`` on a port of its own, keeping nothing on disk; ``options`` are more of
    its command-line settings (``"--maxmemory", "1mb"``)."""

    def __init__(self, directory, *options):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            missing("redis-server is not installed (apt-get install redis-server)")
        self.directory = Path(directory)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = self.directory / f"redis-{self.port}.log"
        self.options = list(options)
        self.process = None

    def start(self):
        command = [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(self.directory), *self.options,
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        _wait_for_port(self.port, self.process, self.log)

    def stop(self):
        """Gone: its port refuses connections."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server cannot act on the kill
            self.process.kill()
            self.process.wait(timeout=10)

    def pause(self):
        """There but not answering: connections are taken and nothing comes back, as from a Redis
        that is swapping, or behind a network that drops its packets."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)


def _postgresql_bin():
    """The newest PostgreSQL's programs (Debian keeps each major version apart), else PATH's."""
    found = [Path(d) for d in glob.glob("/usr/lib/postgresql/*/bin") if (Path(d) / "pg_ctl").exists()]
    if found:
        return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


class PrivatePostgres:
    """A PostgreSQL cluster of its own (``initdb``, trust authentication) on a port of its own.

    PostgreSQL refuses to run as root: when the tests do, the cluster belongs to the ``postgres``
    user, and its commands run as that user."""

    def __init__(self):
        self.bin = _postgresql_bin()
        if self.bin is None:
            missing("PostgreSQL's initdb and pg_ctl are not installed (apt-get install postgresql)")
        self.as_owner = []
        self.directory = Path(tempfile.mkdtemp(prefix="podcast-faults-pg-"))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                missing("the tests run as root and there is no postgres user to run PostgreSQL as")
            if shutil.which("runuser") is None:
                missing("the tests run as root and runuser is not installed to run PostgreSQL as postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.data = self.directory / "data"
        self.log = self.directory / "postgresql.log"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command):
        result = subprocess.run(
            [*self.as_owner, *command], capture_output=True, text=True, timeout=60, check=False, cwd=self.directory
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            pytest.fail(f"{' '.join(map(str, command))} failed:\n{result.stdout}{result.stderr}\n{log}")

    def init(self):
        self._run(self.bin / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    def start(self):
        # Durability is of no use to a throwaway cluster; starting and stopping fast is.
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(self.bin / "pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "-t", "30", "start")

    def stop(self):
        """Fast shutdown: every session is cut, as when the database server goes away."""
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "30", "stop")

    def running(self):
        return (self.data / "postmaster.pid").exists()

    def destroy(self):
        if self.running():
            subprocess.run(
                [*self.as_owner, self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip
        shutil.rmtree(self.directory, ignore_errors=True)
