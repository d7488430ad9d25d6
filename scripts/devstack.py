"""Start the whole Kefu system locally: broker, migrations, four services, gateway.

Used by ``make run``. Defaults: SQLite files under var/, a Tansu broker on 127.0.0.1:9092.
Setting KAFKA_BOOTSTRAP_SERVERS uses that broker instead; <SERVICE>_DATABASE_URL (e.g.
CUSTOMER_DATABASE_URL) points a service at another database. Ctrl-C stops everything.

It supervises what it started: a broker or service process that dies is started again
(with a log line and a growing delay, reset once it has stayed up for a minute) instead of
taking the stack down. A restarted broker is empty; the relays notice and republish.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "shared"))

from kefu_shared.devbroker import DevBroker, port_open  # noqa: E402
from kefu_shared.kafka import ALL_TOPICS, ensure_topics  # noqa: E402
from kefu_shared.migrations import upgrade  # noqa: E402
from kefu_shared.registry import BACKENDS, DEFAULT_PORT_BASE, GATEWAY  # noqa: E402

MAX_RESTART_DELAY_S = 30.0
STABLE_AFTER_S = 60.0


def log(msg: str) -> None:
    print(f"[devstack] {msg}", flush=True)


def wait_healthy(port: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


@dataclass
class Supervised:
    """A child the stack keeps running: ``start`` (re)launches it, ``alive`` checks it."""

    name: str
    start: Callable[[], None]
    alive: Callable[[], bool]
    describe: Callable[[], str]
    failures: int = 0
    started_at: float = field(default_factory=time.monotonic)
    restart_at: float | None = None

    def check(self, now: float) -> None:
        if self.restart_at is None:
            if self.alive():
                if now - self.started_at > STABLE_AFTER_S:
                    self.failures = 0
                return
            delay = min(MAX_RESTART_DELAY_S, 2.0**self.failures)
            self.failures += 1
            self.restart_at = now + delay
            log(f"{self.name} died ({self.describe()}); restarting in {delay:.0f}s")
        elif now >= self.restart_at:
            try:
                self.start()
            except Exception as exc:  # e.g. its port is still held: try again later
                log(f"{self.name} could not restart: {exc}")
                self.restart_at = None
                self.started_at = now
                return
            self.restart_at = None
            self.started_at = now
            log(f"{self.name} restarted ({self.describe()})")


def main() -> int:
    os.chdir(ROOT)
    (ROOT / "var").mkdir(exist_ok=True)
    env = dict(os.environ)
    env.setdefault("KEFU_ENV", "development")
    env.setdefault("KEFU_LOG_JSON", "true")
    port_base = int(env.get("KEFU_PORT_BASE", str(DEFAULT_PORT_BASE)))
    broker: DevBroker | None = None
    procs: list[tuple[str, int, subprocess.Popen[bytes]]] = []

    def shutdown(*_: object) -> None:
        raise KeyboardInterrupt

    # Installed explicitly: a shell that starts us in the background ignores SIGINT.
    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        if not env.get("KAFKA_BOOTSTRAP_SERVERS"):
            kafka_port = int(env.get("KEFU_KAFKA_PORT", "9092"))
            if port_open(kafka_port):
                log(f"port {kafka_port} is taken: stop what runs there or set KEFU_KAFKA_PORT")
                return 1
            broker = DevBroker(kafka_port, log_path=ROOT / "var" / "broker.log").start()
            env["KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap
            pid = broker.proc.pid if broker.proc else "?"
            log(f"broker (Tansu, memory-only) on {broker.bootstrap}, pid {pid}")
        bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
        partitions = int(env.get("KAFKA_TOPIC_PARTITIONS", "3"))
        asyncio.run(ensure_topics(bootstrap, ALL_TOPICS, partitions=partitions))
        log(f"topics ready: {', '.join(ALL_TOPICS)}")
        children: list[Supervised] = []
        if broker is not None:
            dev_broker = broker

            def start_broker() -> None:
                dev_broker.start()
                # Before the services' clients auto-create them with the broker's default.
                asyncio.run(ensure_topics(bootstrap, ALL_TOPICS, partitions=partitions))

            def broker_alive() -> bool:
                return dev_broker.proc is not None and dev_broker.proc.poll() is None

            def broker_state() -> str:
                proc = dev_broker.proc
                if proc is None or proc.poll() is not None:
                    return f"exit {proc.returncode if proc else '?'}"
                return f"pid {proc.pid}"

            children.append(Supervised("broker", start_broker, broker_alive, broker_state))

        for svc in BACKENDS:
            var = f"{svc.env_prefix}DATABASE_URL"
            url = env.get(var) or f"sqlite+aiosqlite:///{ROOT}/var/{svc.name}.db"
            env[var] = url
            upgrade(ROOT / "services" / svc.name, url)
        log("migrations applied")

        # Backends first: the gateway is given their URLs when it starts.
        all_services = [(s.name, s.port(port_base)) for s in (*BACKENDS, GATEWAY)]
        for name, port in all_services:
            if port_open(port):
                log(f"port {port} for {name} is taken: stop what runs there or set KEFU_PORT_BASE")
                return 1
            if name == "gateway":
                for up, up_port in all_services[:-1]:
                    env.setdefault(
                        f"{GATEWAY.env_prefix}{up.upper()}_URL", f"http://127.0.0.1:{up_port}"
                    )
            procs.append((name, port, _spawn(name, port, env)))
            children.append(_supervise_service(procs, len(procs) - 1, env))
        for name, port, _ in procs:
            if not wait_healthy(port, 60):
                log(f"{name} did not become healthy; see var/{name}.log")
                return 1
        log("Kefu is up:")
        for name, port, proc in procs:
            log(
                f"  {name:<9} http://127.0.0.1:{port}   "
                f"(docs: /docs, logs: var/{name}.log, pid {proc.pid})"
            )
        log("Ctrl-C stops everything.")
        while True:
            now = time.monotonic()
            for child in children:
                child.check(now)
            time.sleep(0.25)
    except KeyboardInterrupt:
        log("stopping…")
        return 0
    finally:
        for _, _, proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _, _, proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if broker is not None:
            broker.stop()
        log("stopped")


def _spawn(name: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    logfile = open(ROOT / "var" / f"{name}.log", "ab")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", name, "serve", "--port", str(port)],
        env=env,
        stdout=logfile,
        stderr=subprocess.STDOUT,
    )


def _supervise_service(
    procs: list[tuple[str, int, subprocess.Popen[bytes]]], index: int, env: dict[str, str]
) -> Supervised:
    name, port, _ = procs[index]

    def start() -> None:
        if port_open(port):
            raise RuntimeError(f"port {port} is still taken")
        procs[index] = (name, port, _spawn(name, port, env))

    def alive() -> bool:
        return procs[index][2].poll() is None

    def state() -> str:
        proc = procs[index][2]
        code = proc.poll()
        return f"pid {proc.pid}" if code is None else f"exit {code}, see var/{name}.log"

    return Supervised(name, start, alive, state)


if __name__ == "__main__":
    sys.exit(main())
