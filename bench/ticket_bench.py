"""Benchmark of the ticket service (PostgreSQL, 2 cores):

1. **Ticket creation** -- ``POST /api/v1/tickets`` on ``python -m ticket serve --workers N``
   (bearer JWT, permission, validation, the customer copy, warranty and agreement lookups,
   the response-standards matrix, SLA deadlines on the business calendar, the ticket number
   from its sequence, automatic assignment, the record and the outbox) against the bare
   floor (``bench/reference.py``: FastAPI + pydantic + one insert) in the same run, same
   workers, driven by wrk at 16 and 64 connections; a rows check (every 2xx is one ticket
   and one ``ticket.opened`` event).
2. **Auto-assignment** at 1,000 technicians (20 regions × 5 product lines) and 100,000 open
   tickets (seeded with ``INSERT … SELECT generate_series``): the time of
   ``dispatch.assign_automatically`` -- the candidates query, the rule, the transition, the
   load update and the commit -- for fresh tickets, p50/p99, with the ``EXPLAIN ANALYZE``
   of the candidates query.

    .venv/bin/python bench/ticket_bench.py            # full run (a few minutes)
    .venv/bin/python bench/ticket_bench.py --smoke    # seconds
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from harness import (
    PYTHON,
    ROOT,
    LoadResult,
    Server,
    drop_database,
    ensure_wrk,
    execute,
    fetchval,
    recreate_database,
    sa_url,
    settle,
    wrk,
)
from pathcases import seed_reference

from kefu_shared.auth import issue_token
from kefu_shared.devbroker import DevBroker
from kefu_shared.migrations import upgrade
from kefu_shared.settings import ServiceSettings

DEFAULT_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DBS = {"ref": "kefu_bench_t_ref", "ticket": "kefu_bench_t_ticket"}
REF_BODY = json.dumps({"name": "Bench Pumps Co", "email": "b@example.com"})
REGIONS, LINES = 20, 5


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--warmup", type=float, default=5)
    p.add_argument("--technicians", type=int, default=1_000)
    p.add_argument("--open-tickets", type=int, default=100_000)
    p.add_argument("--assignments", type=int, default=500)
    p.add_argument("--port-base", type=int, default=int(os.environ.get("BENCH_PORT_BASE", 18750)))
    p.add_argument("--server-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER))
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--skip-create", action="store_true", help="only the auto-assignment part")
    args = p.parse_args(argv)
    if args.smoke:
        args.seconds, args.warmup = 2, 1
        args.technicians, args.open_tickets, args.assignments = 100, 5_000, 50
    return args


SEED_CUSTOMERS = """
INSERT INTO customer_copies (id, number, kind, name, area_class, tier, key_account, status,
                             on_credit_hold, updated_at)
SELECT 'cust-' || g, 'C' || g, 'company', 'Customer ' || g,
       (ARRAY['city', 'town', 'rural'])[1 + g % 3], 'medium', g % 10 = 0, 'active', false, now()
FROM generate_series(1, 1000) g"""

SEED_TECHNICIANS = """
INSERT INTO technicians (id, name, skills, areas, working_hours, capacity_per_day, active,
                         open_tickets, version, created_at)
SELECT 'tech-' || lpad(g::text, 5, '0'), 'Technician ' || g,
       json_build_array('line-' || (g % {lines}), 'line-' || ((g + 1) % {lines})),
       json_build_array('region-' || (g % {regions})),
       '{{"mon":"00:00-23:59","tue":"00:00-23:59","wed":"00:00-23:59","thu":"00:00-23:59",
          "fri":"00:00-23:59","sat":"00:00-23:59","sun":"00:00-23:59"}}'::json,
       8, true, 0, 1, now()
FROM generate_series(1, {n}) g;
INSERT INTO technician_skills (technician_id, product_line)
SELECT 'tech-' || lpad(g::text, 5, '0'), 'line-' || ((g + k) % {lines})
FROM generate_series(1, {n}) g, generate_series(0, 1) k;
INSERT INTO technician_areas (technician_id, region)
SELECT 'tech-' || lpad(g::text, 5, '0'), 'region-' || (g % {regions}) FROM generate_series(1, {n}) g"""

# Open tickets, each assigned to a technician of its region, appointments over 30 days.
SEED_TICKETS = """
INSERT INTO tickets (id, number, type, status, version, priority, origin, customer_id,
                     key_account, region, region_class, product_line, in_warranty, fee,
                     approval_required, sla_targets, sla_breached, pauses, technician_id,
                     appointment_day, visits, confirmation_code, reopen_count, created_at,
                     updated_at, first_contact_due, on_site_due, resolve_due, sla_next_due)
SELECT 'seed-' || g, 'SEED-' || g, 'repair',
       (ARRAY['assigned', 'scheduled', 'on_site', 'waiting_parts'])[1 + g % 4], 1, 'normal',
       'manual', 'cust-' || (1 + g % 1000), false, 'region-' || (g % {regions}), 'city',
       'line-' || (g % {lines}), true, 0, false, '{{}}'::json, false, '[]'::json,
       'tech-' || lpad((1 + g % {n})::text, 5, '0'), current_date + (g % 30), 1, '000000', 0,
       now(), now(), now() + interval '2 hours', now() + interval '24 hours',
       now() + interval '120 hours', now() + interval '2 hours'
FROM generate_series(1, {tickets}) g;
UPDATE technicians t SET open_tickets = c.n
FROM (SELECT technician_id, count(*) n FROM tickets GROUP BY technician_id) c
WHERE c.technician_id = t.id;
ANALYZE"""

FRESH_TICKETS = """
INSERT INTO tickets (id, number, type, status, version, priority, origin, customer_id,
                     key_account, region, region_class, product_line, in_warranty, fee,
                     approval_required, sla_targets, sla_breached, pauses, visits,
                     confirmation_code, reopen_count, created_at, updated_at)
SELECT 'fresh-' || g, 'FRESH-' || g, 'repair', 'opened', 1, 'normal', 'manual',
       'cust-' || (1 + g % 1000), false, 'region-' || (g % {regions}), 'city',
       'line-' || (g % {lines}), true, 0, false, '{{}}'::json, false, '[]'::json, 0, '000000',
       0, now(), now()
FROM generate_series(1, {count}) g"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Bench:
    def __init__(self, args: argparse.Namespace, broker: DevBroker, workdir: Path) -> None:
        self.args = args
        self.broker = broker
        self.workdir = workdir
        self.urls = {k: sa_url(args.server_url, v) for k, v in DBS.items()}
        self.port = {"ref": args.port_base, "ticket": args.port_base + 1}
        self.secret = secrets.token_urlsafe(48)
        self.results: dict[str, Any] = {"create": [], "assign": {}}
        self.servers: list[Server] = []

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            KEFU_ENV="production",
            KEFU_JWT_SECRET=self.secret,
            KEFU_LOG_LEVEL="WARNING",
            KAFKA_BOOTSTRAP_SERVERS=self.broker.bootstrap,
            TICKET_DATABASE_URL=self.urls["ticket"],
            BENCH_REF_DATABASE_URL=self.urls["ref"],
            PYTHONPATH=str(ROOT),
        )
        return env

    def start(self, name: str, argv: list[str]) -> None:
        server = Server(name, argv, self.port[name], self.env(), self.workdir / f"{name}.log")
        self.servers.append(server.start())

    def stop_all(self) -> None:
        for server in reversed(self.servers):
            server.stop()
        self.servers.clear()

    def load(self, url: str, connections: int, **kw: Any) -> LoadResult:
        warm = (
            wrk(url, connections=connections, seconds=self.args.warmup, **kw)
            if self.args.warmup
            else None
        )
        result = wrk(url, connections=connections, seconds=self.args.seconds, **kw)
        result.extra["warmup_ok"] = warm.ok if warm else 0
        return result

    def record(self, target: str, c: int, r: LoadResult, rows: int, events: int) -> None:
        ok_total = r.ok + r.extra["warmup_ok"]
        good = ok_total <= rows <= ok_total + 2 * c and events == rows and r.bad == 0
        row = {
            "target": target,
            "connections": c,
            "rps": round(r.rps, 1),
            "p50_ms": round(r.p50_ms, 2),
            "p99_ms": round(r.p99_ms, 2),
            "errors": r.bad + r.socket_errors,
            "created_2xx": ok_total,
            "rows_added": rows,
            "events_added": events,
            "rows_check": "ok" if good else "FAIL",
        }
        self.results["create"].append(row)
        print(json.dumps(row), flush=True)

    async def creates(self) -> None:
        settings = ServiceSettings(env="production", jwt_secret=self.secret)
        token = issue_token(settings, subject="bench-agent", roles=["agent"], ttl_s=7200)
        body = json.dumps(
            {
                "type": "repair",
                "customer_id": "cust-7",
                "product_line": "line-3",
                "region": "region-3",
                "serial_number": "SN-BENCH",
                "description": "leaks",
            }
        )
        tickets, events = (
            "SELECT count(*) FROM tickets",
            "SELECT count(*) FROM outbox WHERE type = 'ticket.opened'",
        )
        for c in (16, 64):
            ref_rows = "SELECT count(*) FROM bench_rows"
            before = await fetchval(self.urls["ref"], ref_rows)
            r = self.load(
                f"http://127.0.0.1:{self.port['ref']}/rows", c, method="POST", body=REF_BODY
            )
            added = await settle(self.urls["ref"], ref_rows) - before
            self.record("bare", c, r, added, added)
            t0, e0 = (
                await fetchval(self.urls["ticket"], tickets),
                await fetchval(self.urls["ticket"], events),
            )
            r = self.load(
                f"http://127.0.0.1:{self.port['ticket']}/api/v1/tickets",
                c,
                method="POST",
                body=body,
                token=token,
            )
            rows = await settle(self.urls["ticket"], tickets) - t0
            evs = await settle(self.urls["ticket"], events) - e0
            self.record("ticket", c, r, rows, evs)

    async def assignments(self) -> None:
        """Time dispatch.assign_automatically in-process against the seeded database."""
        from ticket import dispatch
        from ticket.main import create_runtime
        from ticket.rules import Clocks
        from ticket.settings import TicketSettings

        args = self.args
        url = self.urls["ticket"]
        await execute(
            url,
            *SEED_TECHNICIANS.format(n=args.technicians, lines=LINES, regions=REGIONS).split(";\n"),
        )
        await execute(
            url,
            *SEED_TICKETS.format(
                n=args.technicians, lines=LINES, regions=REGIONS, tickets=args.open_tickets
            ).split(";\n"),
        )
        await execute(
            url,
            FRESH_TICKETS.format(count=args.assignments, lines=LINES, regions=REGIONS),
            "ANALYZE",
        )
        settings = TicketSettings(
            env="development", database_url=url, relay_enabled=False, consumers_enabled=False
        )
        clocks = Clocks(settings.calendar)
        runtime = create_runtime(settings)
        times: list[float] = []
        assigned = 0
        try:
            for g in range(1, args.assignments + 1):
                start = time.perf_counter()
                async with runtime.uow() as uow:
                    ticket = await uow.tickets.get(f"fresh-{g}", for_update=True)
                    assert ticket is not None
                    chosen = await dispatch.assign_automatically(
                        uow, ticket, settings=settings, now=ticket.created_at, clocks=clocks
                    )
                    await uow.commit()
                times.append((time.perf_counter() - start) * 1000)
                assigned += chosen is not None
        finally:
            await runtime.engine.dispose()
        open_count = await fetchval(
            url, "SELECT count(*) FROM tickets WHERE technician_id IS NOT NULL"
        )
        plan = await self.explain(url)
        self.results["assign"] = {
            "technicians": args.technicians,
            "open_tickets": int(open_count),
            "assignments": len(times),
            "assigned": assigned,
            "p50_ms": round(statistics.median(times), 2),
            "p99_ms": round(percentile(times, 0.99), 2),
            "max_ms": round(max(times), 2),
            "mean_ms": round(statistics.fmean(times), 2),
            "explain": plan,
        }
        print(
            json.dumps({k: v for k, v in self.results["assign"].items() if k != "explain"}),
            flush=True,
        )

    async def explain(self, url: str) -> str:
        import asyncpg
        from harness import pg

        conn = await asyncpg.connect(pg(url))
        try:
            rows = await conn.fetch(
                """EXPLAIN (ANALYZE, BUFFERS)
                SELECT t.*, (SELECT count(*) FROM tickets k WHERE k.technician_id = t.id
                             AND k.appointment_day = current_date
                             AND k.status IN ('opened','assigned','scheduled','en_route','on_site',
                                              'waiting_customer','waiting_parts','reopened')) AS booked
                FROM technicians t WHERE t.active
                AND EXISTS (SELECT 1 FROM technician_skills s WHERE s.technician_id = t.id AND s.product_line = 'line-3')
                AND EXISTS (SELECT 1 FROM technician_areas a WHERE a.technician_id = t.id AND a.region = 'region-3')"""
            )
        finally:
            await conn.close()
        return "\n".join(r[0] for r in rows)

    async def run(self) -> None:
        args = self.args
        for name in DBS.values():
            await recreate_database(args.server_url, name)
        await asyncio.to_thread(upgrade, ROOT / "services" / "ticket", self.urls["ticket"])
        await seed_reference(self.urls["ref"], 1_000)
        await execute(self.urls["ticket"], SEED_CUSTOMERS)
        await execute(
            self.urls["ticket"],
            *SEED_TECHNICIANS.format(n=50, lines=LINES, regions=REGIONS)
            .replace("tech-", "web-")
            .split(";\n"),
        )
        w = str(args.workers)
        if args.skip_create:
            await execute(
                self.urls["ticket"],
                "DELETE FROM technician_skills",
                "DELETE FROM technician_areas",
                "DELETE FROM technicians",
            )
            await self.assignments()
            if not args.keep:
                for name in DBS.values():
                    await drop_database(args.server_url, name)
            return
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
        self.start(
            "ticket",
            [PYTHON, "-m", "ticket", "serve", "--workers", w, "--port", str(self.port["ticket"])],
        )
        try:
            await self.creates()
        finally:
            self.stop_all()
        await execute(
            self.urls["ticket"],
            "DELETE FROM technician_skills",
            "DELETE FROM technician_areas",
            "DELETE FROM technicians",
        )
        await self.assignments()
        if not args.keep:
            for name in DBS.values():
                await drop_database(args.server_url, name)


def report(results: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [
        f"# Ticket bench ({'smoke' if args.smoke else 'full'}, {args.workers} workers, "
        f"{args.seconds:.0f} s per case)",
        "",
        "## Creation (POST) against the bare floor",
        "",
        "| target | conn | req/s | ratio to bare | p50 ms | p99 ms | errors | rows check |",
        "|---|---|---|---|---|---|---|---|",
    ]
    bare = {r["connections"]: r["rps"] for r in results["create"] if r["target"] == "bare"}
    lines.append(f"(load average when it started: {os.getloadavg()[0]:.1f})")
    for r in results["create"]:
        ratio = r["rps"] / bare[r["connections"]] if bare.get(r["connections"]) else 0
        lines.append(
            f"| {r['target']} | {r['connections']} | {r['rps']} | {ratio:.2f} | {r['p50_ms']} | "
            f"{r['p99_ms']} | {r['errors']} | {r['rows_check']} ({r['rows_added']} rows, "
            f"{r['events_added']} events) |"
        )
    a = results["assign"]
    lines += [
        "",
        f"## Auto-assignment: {a['technicians']} technicians, {a['open_tickets']} open tickets",
        "",
        f"{a['assignments']} assignments ({a['assigned']} found a technician): p50 {a['p50_ms']} ms, "
        f"p99 {a['p99_ms']} ms, max {a['max_ms']} ms, mean {a['mean_ms']} ms",
        "",
        "```",
        a["explain"],
        "```",
    ]
    return "\n".join(lines) + "\n"


async def amain(args: argparse.Namespace) -> int:
    ensure_wrk()
    workdir = args.out / "logs"
    workdir.mkdir(parents=True, exist_ok=True)
    broker = DevBroker(log_path=workdir / "ticket-broker.log").start()
    try:
        bench = Bench(args, broker, workdir)
        await bench.run()
    finally:
        broker.stop()
    text = report(bench.results, args)
    name = "ticket-smoke" if args.smoke else "ticket"
    (args.out / f"{name}.md").write_text(text)
    (args.out / f"{name}.json").write_text(json.dumps(bench.results, indent=2, default=str))
    print(text)
    bad = [r for r in bench.results["create"] if r["rows_check"] == "FAIL" or r["errors"]]
    return 1 if bad else 0


def main() -> None:
    sys.exit(asyncio.run(amain(parse_args())))


if __name__ == "__main__":
    main()
