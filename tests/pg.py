"""A throwaway PostgreSQL 15 cluster for the test run (initdb/pg_ctl as the postgres user, on a private
Unix socket), and one fresh database per test cloned from a migrated template."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
_counter = itertools.count()


def available() -> str | None:
    """None when a cluster can be started here, else the reason it cannot."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL 15 server binaries not found in {PG_BIN}"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser to switch to the postgres user"
    return None


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="gsf-pg-"))
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o700)
        run = dict(check=True, capture_output=True, text=True)
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.dir / "db"), "-A", "trust",
                                     "-U", "postgres", "--no-sync"]), **run)
        opts = f"-k {self.dir} -p {self.port} -c listen_addresses='' -c fsync=off -c max_connections=300"
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "db"), "-o", opts,
                                     "-l", str(self.dir / "log"), "-w", "start"]), **run)
        self.template = self.url("gsf_template")
        self._admin("CREATE DATABASE gsf_template")
        from models.db import init_engine

        init_engine(self.template).dispose()

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@/{name}?host={self.dir}&port={self.port}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.dir), port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def fresh(self, *, migrated: bool = True) -> tuple[str, str]:
        """A new database: a copy of the migrated template, or (migrated=False) a blank one."""
        name = f"gsf_test_{os.getpid()}_{next(_counter)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {'gsf_template' if migrated else 'template0'}")
        return name, self.url(name)

    def drop(self, name: str) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "db"), "-m", "immediate",
                                     "stop"]), capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
