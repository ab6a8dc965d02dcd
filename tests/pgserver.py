"""A throwaway PostgreSQL server for the tests: Debian's binaries, run as the
`postgres` user (PostgreSQL refuses root) in a temporary directory, on a free
localhost port, with trust authentication for local TCP only."""
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path


def binaries():
    """The bin/ folder of the newest installed PostgreSQL, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Server:
    def __init__(self, bin_dir, port):
        self.bin = Path(bin_dir)
        self.port = port
        self.user = "postgres"
        self.as_user = []
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root, but there is no `postgres` user "
                                   "to run the server as") from None
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.dir = Path(tempfile.mkdtemp(prefix="nncourse-pg-"))
        if self.as_user:
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"

    def _run(self, *cmd):
        out = subprocess.run(self.as_user + [str(c) for c in cmd], capture_output=True, text=True,
                             timeout=120)
        if out.returncode:
            raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{out.stdout}\n{out.stderr}")
        return out

    def start(self):
        self._run(self.bin / "initdb", "-D", self.data, "-U", self.user, "--auth=trust",
                  "--no-sync", "-E", "UTF8", "--locale=C")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        try:
            self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options,
                      "-w", "-t", "60", "start")
        except RuntimeError as e:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{e}\nserver log:\n{log}") from None
        return self

    def url(self, database="postgres"):
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        """A new empty database; returns its URL."""
        import psycopg
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self):
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
