"""Plumbing of the request-path bench: databases, server processes, wrk, seeding."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LUA = Path(__file__).resolve().parent / "lua" / "count.lua"


def pg(url: str, db: str | None = None) -> str:
    """A plain asyncpg URL (optionally for another database on the same server)."""
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    if db is None:
        return plain
    base, _, _ = plain.rpartition("/")
    return f"{base}/{db}"


def sa_url(url: str, db: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{db}"


async def recreate_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(pg(server_url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(pg(server_url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def fetchval(url: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(pg(url))
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def execute(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(pg(url))
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


@dataclass
class Server:
    """A server process (uvicorn workers) started for the bench and stopped after it."""

    name: str
    argv: list[str]
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> Server:
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        url = f"http://127.0.0.1:{self.port}/healthz"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log_path}")
            try:
                with urllib.request.urlopen(url, timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer on {url}; see {self.log_path}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        # Our own process group (start_new_session): the uvicorn supervisor and its workers.
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


@dataclass
class LoadResult:
    requests: int
    seconds: float
    ok: int
    bad: int
    socket_errors: int
    p50_ms: float
    p99_ms: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    return found


def wrk(
    url: str,
    *,
    connections: int,
    seconds: float,
    method: str = "GET",
    body: str = "",
    token: str = "",
    threads: int = 2,
    vary: int = 0,
) -> LoadResult:
    """Drive ``url`` with wrk (a separate process) and parse the script's JSON line;
    ``vary``: "{n}" in the body becomes a random number below it, per request."""
    env = dict(
        os.environ, BENCH_METHOD=method, BENCH_BODY=body, BENCH_TOKEN=token, BENCH_VARY=str(vary)
    )
    argv = [
        ensure_wrk(),
        "-t",
        str(min(threads, connections)),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
    ]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("BENCHJSON "))
    data = json.loads(line.removeprefix("BENCHJSON "))
    return LoadResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        ok=data["ok"],
        bad=data["bad"],
        socket_errors=data["socket_errors"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )


async def settle(url: str, sql: str, *, quiet_s: float = 1.0, timeout_s: float = 30.0) -> int:
    """Poll ``sql`` (a count) until it stops changing; requests still in flight when the
    load generator stopped finish meanwhile."""
    last = await fetchval(url, sql)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        await asyncio.sleep(quiet_s)
        now = await fetchval(url, sql)
        if now == last:
            return int(now)
        last = now
    return int(last)
