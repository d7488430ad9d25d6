"""Benchmark of the request path: Kefu against the bare floor, in one run, same workers.

Starts on PostgreSQL (one fresh database each): the bare reference (``bench/reference.py``:
FastAPI + pydantic + one SQLAlchemy insert, no auth, no middleware), the customer service,
the gateway in front of it and the ticket service (a consumer of customer events), all
with ``--workers N``, plus a Tansu dev broker. Drives them with wrk and writes a Markdown and
a JSON table (``bench/results/``):

- create and list at concurrency 16 and 64, direct and through the gateway, each as a ratio
  to the bare case of the same run, with p50/p99, errors and the rows-added check (every
  2xx create is one customer row and one outbox event, nothing else);
- list at 1,000 and at 1,000,000 customers, with the ``EXPLAIN ANALYZE`` of its queries;
- event latency from a customer's commit to its copy in the ticket service;
- the relay's drain rate on a backlog against a bare aiokafka producer.

    .venv/bin/python bench/requestpath.py            # full run (about 12 minutes)
    .venv/bin/python bench/requestpath.py --smoke    # seconds per case (CI)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from harness import (
    PYTHON,
    ROOT,
    LoadResult,
    Server,
    drop_database,
    ensure_wrk,
    fetchval,
    recreate_database,
    sa_url,
    settle,
    wrk,
)
from pathcases import explain_list, seed_customers, seed_reference
from pipeline import drain_rates, event_latency
from report import write_report

from kefu_shared.auth import issue_token
from kefu_shared.devbroker import DevBroker
from kefu_shared.migrations import upgrade
from kefu_shared.settings import ServiceSettings

DEFAULT_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DBS = {"ref": "kefu_bench_ref", "customer": "kefu_bench_customer", "ticket": "kefu_bench_ticket"}
CREATE_BODY = json.dumps({"kind": "company", "name": "Bench Pumps Co", "email": "b@example.com"})
CASES = ("list1k", "create", "list1m", "events", "drain")
REF_BODY = json.dumps({"name": "Bench Pumps Co", "email": "b@example.com"})


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="seconds per case, small data (CI)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seconds", type=float, default=20, help="measured seconds per case")
    p.add_argument("--warmup", type=float, default=5)
    p.add_argument("--small", type=int, default=1_000, help="customers for the small list")
    p.add_argument("--big", type=int, default=1_000_000, help="customers for the big list")
    p.add_argument("--event-rate", type=float, default=200, help="creates per second")
    p.add_argument("--event-seconds", type=float, default=60)
    p.add_argument("--backlog", type=int, default=100_000, help="outbox rows to drain")
    p.add_argument("--port-base", type=int, default=int(os.environ.get("BENCH_PORT_BASE", 18500)))
    p.add_argument("--server-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER))
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    p.add_argument("--keep", action="store_true", help="keep the bench databases")
    p.add_argument(
        "--cases",
        type=lambda v: v.split(","),
        default=list(CASES),
        help=f"comma-separated subset of {','.join(CASES)} (default: all)",
    )
    args = p.parse_args(argv)
    if args.smoke:
        args.seconds, args.warmup = 2, 1
        args.big, args.event_rate, args.event_seconds, args.backlog = 20_000, 50, 3, 2_000
    return args


class Bench:
    def __init__(self, args: argparse.Namespace, broker: DevBroker, workdir: Path) -> None:
        self.args = args
        self.broker = broker
        self.workdir = workdir
        self.urls = {k: sa_url(args.server_url, v) for k, v in DBS.items()}
        self.port = {
            name: args.port_base + i
            for i, name in enumerate(("ref", "customer", "gateway", "ticket"))
        }
        self.secret = secrets.token_urlsafe(48)
        self.results: dict[str, Any] = {"cases": [], "explain": {}, "events": {}, "drain": {}}
        self.servers: list[Server] = []

    # -- processes ------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            KEFU_ENV="production",
            KEFU_JWT_SECRET=self.secret,
            KAFKA_BOOTSTRAP_SERVERS=self.broker.bootstrap,
            CUSTOMER_DATABASE_URL=self.urls["customer"],
            TICKET_DATABASE_URL=self.urls["ticket"],
            BENCH_REF_DATABASE_URL=self.urls["ref"],
            GATEWAY_CUSTOMER_URL=f"http://127.0.0.1:{self.port['customer']}",
            GATEWAY_TICKET_URL=f"http://127.0.0.1:{self.port['ticket']}",
            # The nightly credit recalculation would run over the seeded million.
            CUSTOMER_CREDIT_RECALC_INTERVAL_S="0",
            PYTHONPATH=str(ROOT),
        )
        return env

    def start(self, name: str, argv: list[str]) -> Server:
        server = Server(name, argv, self.port[name], self.env(), self.workdir / f"{name}.log")
        self.servers.append(server.start())
        return server

    def start_all(self) -> None:
        w = str(self.args.workers)
        self.start(
            "ref",
            [
                PYTHON,
                "-m",
                "uvicorn",
                "bench.reference:app",
                "--workers",
                w,
                "--port",
                str(self.port["ref"]),
                "--no-access-log",
                "--log-level",
                "warning",
                "--loop",
                "uvloop",
                "--http",
                "httptools",
            ],
        )
        for name in ("customer", "gateway", "ticket"):
            self.start(
                name, [PYTHON, "-m", name, "serve", "--workers", w, "--port", str(self.port[name])]
            )

    def stop_all(self) -> None:
        for server in reversed(self.servers):
            server.stop()
        self.servers.clear()

    # -- cases ----------------------------------------------------------------------------
    def token(self) -> str:
        settings = ServiceSettings(env="production", jwt_secret=self.secret)
        return issue_token(settings, subject="bench-agent", roles=["agent"], ttl_s=7200)

    def load(self, url: str, connections: int, **kw: Any) -> LoadResult:
        warm_ok = 0
        if self.args.warmup > 0:
            warm_ok = wrk(url, connections=connections, seconds=self.args.warmup, **kw).ok
        result = wrk(url, connections=connections, seconds=self.args.seconds, **kw)
        result.extra["warmup_ok"] = warm_ok
        return result

    def record(self, case: str, target: str, c: int, r: LoadResult, **extra: Any) -> None:
        row = {
            "case": case,
            "target": target,
            "connections": c,
            "rps": round(r.rps, 1),
            "p50_ms": round(r.p50_ms, 2),
            "p99_ms": round(r.p99_ms, 2),
            "errors": r.bad + r.socket_errors,
            "ok": r.ok,
            **extra,
        }
        self.results["cases"].append(row)
        print(json.dumps(row), flush=True)

    def lists(self, case: str) -> None:
        token = self.token()
        for c in (16, 64) if case == "list 1k" else (16,):
            base = f"http://127.0.0.1:{self.port['ref']}/rows?limit=25"
            self.record(case, "bare", c, self.load(base, c))
            for target in ("customer", "gateway"):
                url = f"http://127.0.0.1:{self.port[target]}/api/v1/customers?limit=25"
                self.record(case, target, c, self.load(url, c, token=token))

    async def creates(self) -> None:
        token = self.token()
        customers = "SELECT count(*) FROM customers"
        events = "SELECT count(*) FROM outbox WHERE type = 'customer.registered'"
        for c in (16, 64):
            url = f"http://127.0.0.1:{self.port['ref']}/rows"
            ref_rows = "SELECT count(*) FROM bench_rows"
            before = await fetchval(self.urls["ref"], ref_rows)
            r = self.load(url, c, method="POST", body=REF_BODY)
            added = await settle(self.urls["ref"], ref_rows) - before
            self.record("create", "bare", c, r, **self.rows_check(r, c, added, added))
            for target in ("customer", "gateway"):
                url = f"http://127.0.0.1:{self.port[target]}/api/v1/customers"
                rows0 = await fetchval(self.urls["customer"], customers)
                events0 = await fetchval(self.urls["customer"], events)
                r = self.load(url, c, method="POST", body=CREATE_BODY, token=token)
                rows = await settle(self.urls["customer"], customers) - rows0
                evs = await settle(self.urls["customer"], events) - events0
                self.record("create", target, c, r, **self.rows_check(r, c, rows, evs))

    def rows_check(self, r: LoadResult, c: int, rows: int, events: int) -> dict[str, Any]:
        # wrk counts only answers it read before stopping; up to one request per connection
        # (warm-up and measured run each) may still complete after that.
        ok_total = r.ok + r.extra["warmup_ok"]
        good = ok_total <= rows <= ok_total + 2 * c and events == rows and r.bad == 0
        return {
            "created_2xx": ok_total,
            "rows_added": rows,
            "events_added": events,
            "rows_check": "ok" if good else "FAIL",
        }

    async def run(self) -> None:
        args = self.args
        for name in DBS.values():
            await recreate_database(args.server_url, name)
        for svc in ("customer", "ticket"):
            await asyncio.to_thread(upgrade, ROOT / "services" / svc, self.urls[svc])
        await seed_reference(self.urls["ref"], args.small)
        await seed_customers(self.urls["customer"], args.small)
        self.start_all()
        want = set(args.cases)
        try:
            if "list1k" in want:
                self.results["explain"]["1k"] = await explain_list(self.urls["customer"])
                self.lists("list 1k")
            if "create" in want:
                await self.creates()
            if "list1m" in want:
                await seed_reference(self.urls["ref"], args.big)
                await seed_customers(self.urls["customer"], args.big)
                self.results["explain"]["1M"] = await explain_list(self.urls["customer"])
                self.lists("list 1M")
            if "events" in want:
                self.results["events"] = await event_latency(
                    customer=f"http://127.0.0.1:{self.port['customer']}",
                    token=self.token(),
                    customer_db=self.urls["customer"],
                    ticket_db=self.urls["ticket"],
                    rate=args.event_rate,
                    seconds=args.event_seconds,
                )
        finally:
            self.stop_all()
        if "drain" in want:
            self.results["drain"] = await drain_rates(
                self.urls["customer"], self.broker.bootstrap, args.backlog
            )
        if not args.keep:
            for name in DBS.values():
                await drop_database(args.server_url, name)


async def amain(args: argparse.Namespace) -> int:
    ensure_wrk()
    workdir = args.out / "logs"
    workdir.mkdir(parents=True, exist_ok=True)
    broker = DevBroker(log_path=workdir / "broker.log").start()
    try:
        bench = Bench(args, broker, workdir)
        await bench.run()
    finally:
        broker.stop()
    path = write_report(bench.results, args.out, args)
    print(path.read_text())
    failed = [r for r in bench.results["cases"] if r.get("rows_check") == "FAIL" or r["errors"]]
    if failed:
        print(f"{len(failed)} case(s) with errors or a failed rows check", file=sys.stderr)
        return 1
    return 0


def main() -> None:
    sys.exit(asyncio.run(amain(parse_args())))


if __name__ == "__main__":
    main()
