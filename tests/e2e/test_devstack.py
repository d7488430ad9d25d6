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
