"""`make run`'s stack as real processes: all five /healthz up, the walk-through works,
Ctrl-C stops everything."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kefu_shared.devbroker import free_port, port_open
from kefu_shared.registry import ALL_SERVICES, service
from tests.support import ROOT, SERVICES

pytestmark = pytest.mark.e2e


def _free_base() -> int:
    for _ in range(50):
        # Below Linux's ephemeral range (32768+): outgoing connections of tests running in
        # parallel cannot take these ports between the check and the bind.
        base = random.randrange(20000, 32700, 10)
        if not any(port_open(s.port(base)) for s in ALL_SERVICES):
            return base
    raise RuntimeError("no free port range")


def _call(
    method: str, url: str, body: dict | None = None, token: str | None = None
) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_devstack_starts_serves_and_stops(tmp_path: Path) -> None:
    base = _free_base()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    env.update(
        KEFU_PORT_BASE=str(base),
        KEFU_KAFKA_PORT=str(free_port()),
        KAFKA_SESSION_TIMEOUT_MS="1000",
        KAFKA_HEARTBEAT_INTERVAL_MS="300",
        **{f"{s.upper()}_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/{s}.db" for s in SERVICES},
    )
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "devstack.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if "Kefu is up" in line or proc.poll() is not None:
                break
        assert any("Kefu is up" in line for line in output), "".join(output)
        for svc in ALL_SERVICES:
            status, body = _call("GET", f"http://127.0.0.1:{svc.port(base)}/healthz")
            assert status == 200 and body["status"] == "ok"
        assert time.monotonic() - started < 60

        gw = f"http://127.0.0.1:{base}"
        status, body = _call("POST", f"{gw}/api/v1/auth/dev-token", {"role": "admin"})
        assert status == 200
        token = body["access_token"]
        status, customer = _call(
            "POST", f"{gw}/api/v1/customers", {"kind": "company", "name": "Ningbo Valve Co."}, token
        )
        assert status == 201, customer
        status, read = _call("GET", f"{gw}/api/v1/customers/{customer['id']}", token=token)
        assert status == 200 and read["number"] == customer["number"]
        deadline = time.monotonic() + 30
        while True:
            status, copy = _call(
                "GET",
                f"{service('ticket').local_url(base)}/api/v1/customer-copies/{customer['id']}",
                token=token,
            )
            if status == 200:
                break
            assert time.monotonic() < deadline, "ticket service never got its copy"
            time.sleep(0.3)
        assert copy["name"] == "Ningbo Valve Co."
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rest, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rest, _ = proc.communicate()
        output.append(rest or "")
    assert proc.returncode == 0, "".join(output)
    assert "stopped" in output[-1] or "stopped" in "".join(output[-3:])
    assert not any(port_open(s.port(base)) for s in ALL_SERVICES)


class _Output:
    """The stack's output, read in a thread so the test can wait for a line."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        import threading

        self.lines: list[str] = []
        self._proc = proc
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 60, after: int = 0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[after:]:
                if text in line:
                    return line
            if self._proc.poll() is not None and not self._thread.is_alive():
                break
            time.sleep(0.1)
        raise AssertionError(f"no line with {text!r}:\n{''.join(self.lines)}")


def _pid(line: str) -> int:
    return int(line.rsplit("pid ", 1)[1].split(")")[0].split(",")[0].strip())


def test_devstack_restarts_a_killed_service_and_broker_and_loses_no_copy(
    tmp_path: Path,
) -> None:
    base = _free_base()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    env.update(
        KEFU_PORT_BASE=str(base),
        KEFU_KAFKA_PORT=str(free_port()),
        KAFKA_SESSION_TIMEOUT_MS="1000",
        KAFKA_HEARTBEAT_INTERVAL_MS="300",
        **{f"{s.upper()}_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/{s}.db" for s in SERVICES},
    )
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "devstack.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out = _Output(proc)
    gw = service("gateway").local_url(base)
    ticket = service("ticket").local_url(base)
    try:
        out.wait_for("Ctrl-C stops everything", timeout=90)
        broker_pid = _pid(out.wait_for("broker (Tansu"))
        ticket_pid = _pid(out.wait_for("  ticket "))
        _, body = _call("POST", f"{gw}/api/v1/auth/dev-token", {"role": "admin"})
        token = body["access_token"]

        def register(n: int, prefix: str) -> list[str]:
            ids = []
            for i in range(n):
                status, c = _call(
                    "POST",
                    f"{gw}/api/v1/customers",
                    {"kind": "company", "name": f"{prefix} {i}"},
                    token,
                )
                assert status == 201, c
                ids.append(c["id"])
            return ids

        def every_copy_arrives(ids: list[str], timeout: float = 60) -> None:
            deadline = time.monotonic() + timeout
            pending = list(ids)
            while pending:
                try:
                    status, _ = _call(
                        "GET", f"{ticket}/api/v1/customer-copies/{pending[0]}", token=token
                    )
                except OSError:
                    status = 0
                if status == 200:
                    pending.pop(0)
                    continue
                assert time.monotonic() < deadline, f"{len(pending)} of {len(ids)} copies missing"
                time.sleep(0.3)

        ids = register(10, "Before")
        every_copy_arrives(ids)

        # A SIGKILLed ticket service: the others keep running, it comes back, catches up.
        mark = len(out.lines)
        os.kill(ticket_pid, signal.SIGKILL)
        out.wait_for("ticket died", after=mark)
        ids += register(15, "While ticket is down")
        out.wait_for("ticket restarted", after=mark)
        every_copy_arrives(ids)

        # A SIGKILLed broker comes back empty; the relay republishes what it forgot.
        mark = len(out.lines)
        ids += register(10, "Just acknowledged")
        os.kill(broker_pid, signal.SIGKILL)
        out.wait_for("broker died", after=mark)
        out.wait_for("broker restarted", after=mark)
        ids += register(5, "After the broker came back")
        every_copy_arrives(ids, timeout=90)
        for svc in ALL_SERVICES:
            assert _call("GET", f"{svc.local_url(base)}/healthz")[0] == 200
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, "".join(out.lines)
    assert any("stopped" in line for line in out.lines[-3:]), "".join(out.lines[-10:])
    assert not any(port_open(s.port(base)) for s in ALL_SERVICES)
