"""Start the whole Kefu system locally: broker, migrations, four services, gateway.

Used by ``make run``. Defaults: SQLite files under var/, a Tansu broker on 127.0.0.1:9092.
Setting KAFKA_BOOTSTRAP_SERVERS uses that broker instead; <SERVICE>_DATABASE_URL (e.g.
CUSTOMER_DATABASE_URL) points a service at another database. Ctrl-C stops everything.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "shared"))

from kefu_shared.devbroker import DevBroker, port_open  # noqa: E402
from kefu_shared.kafka import ALL_TOPICS, ensure_topics  # noqa: E402
from kefu_shared.migrations import upgrade  # noqa: E402
from kefu_shared.registry import BACKENDS, DEFAULT_PORT_BASE, GATEWAY  # noqa: E402


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
            log(f"broker (Tansu, memory-only) on {broker.bootstrap}")
        bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
        partitions = int(env.get("KAFKA_TOPIC_PARTITIONS", "3"))
        asyncio.run(ensure_topics(bootstrap, ALL_TOPICS, partitions=partitions))
        log(f"topics ready: {', '.join(ALL_TOPICS)}")

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
            logfile = open(ROOT / "var" / f"{name}.log", "ab")  # noqa: SIM115
            proc = subprocess.Popen(
                [sys.executable, "-m", name, "serve", "--port", str(port)],
                env=env,
                stdout=logfile,
                stderr=subprocess.STDOUT,
            )
            procs.append((name, port, proc))
        for name, port, _ in procs:
            if not wait_healthy(port, 60):
                log(f"{name} did not become healthy; see var/{name}.log")
                return 1
        log("Kefu is up:")
        for name, port, _ in procs:
            log(f"  {name:<9} http://127.0.0.1:{port}   (docs: /docs, logs: var/{name}.log)")
        log("Ctrl-C stops everything.")
        while True:
            for name, _, proc in procs:
                if proc.poll() is not None:
                    log(f"{name} exited with {proc.returncode}; see var/{name}.log — stopping")
                    return 1
            time.sleep(0.5)
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


if __name__ == "__main__":
    sys.exit(main())
