"""Benchmark of the complaint service (PostgreSQL), in one run:

- **intake**: ``POST /api/v1/complaints`` at concurrency 16 -- bearer JWT, validation, the
  customer copy lookup, deadlines on the business calendar, the complaint number from a
  sequence, the record, statistics deltas and the ``complaint.received`` outbox row, with
  the relay publishing to a Tansu broker -- against the bare floor (``bench/reference.py``)
  measured in the same run with the same workers; requests spread over the customers;
- **statistics**: ``GET /api/v1/complaints/stats`` on 1,000,000 complaints (p50/p99 at
  concurrency 1 and 16, all dimensions; a dealer's; one dimension and a period), after the
  service's own fold turned the million delta rows into the roll-up (timed); the same
  counts computed from the complaints table by ``GROUP BY`` for comparison and as a check.

    .venv/bin/python bench/complaint_bench.py            # full run (about 6 minutes)
    .venv/bin/python bench/complaint_bench.py --smoke    # seconds per case, 20,000 complaints

Results: ``bench/results/complaint.md`` and ``.json``; the figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from complaint_seed import intake_body, seed_complaints, seed_customer_copies
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
DBS = {"ref": "kefu_bench_cref", "complaint": "kefu_bench_complaint"}
REF_BODY = json.dumps({"name": "Bench Pumps Co", "email": "b@example.com"})


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--warmup", type=float, default=5)
    p.add_argument("--complaints", type=int, default=1_000_000)
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--dealers", type=int, default=50)
    p.add_argument("--port-base", type=int, default=int(os.environ.get("BENCH_PORT_BASE", 18700)))
    p.add_argument("--server-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER))
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    if args.smoke:
        args.seconds, args.warmup, args.complaints, args.customers = 2, 1, 20_000, 2_000
    return args


class ComplaintBench:
    def __init__(self, args: argparse.Namespace, broker: DevBroker, workdir: Path) -> None:
        self.args = args
        self.broker = broker
        self.workdir = workdir
        self.urls = {k: sa_url(args.server_url, v) for k, v in DBS.items()}
        self.port = {"ref": args.port_base, "complaint": args.port_base + 1}
        self.secret = secrets.token_urlsafe(48)
        self.results: dict[str, Any] = {"cases": [], "seed": {}, "fold": {}, "direct": {}}
        self.servers: list[Server] = []

    def env(self) -> dict[str, str]:
        return dict(
            os.environ,
            KEFU_ENV="production",
            KEFU_JWT_SECRET=self.secret,
            KEFU_LOG_LEVEL="WARNING",
            KAFKA_BOOTSTRAP_SERVERS=self.broker.bootstrap,
            COMPLAINT_DATABASE_URL=self.urls["complaint"],
            BENCH_REF_DATABASE_URL=self.urls["ref"],
            # The bench folds the seeded deltas itself (timed); the sweeps stay off.
            COMPLAINT_ESCALATION_SWEEP_INTERVAL_S="0",
            PYTHONPATH=str(ROOT),
        )

    def start(self, name: str, argv: list[str]) -> None:
        server = Server(name, argv, self.port[name], self.env(), self.workdir / f"{name}.log")
        self.servers.append(server.start())

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
        self.start(
            "complaint",
            [
                PYTHON,
                "-m",
                "complaint",
                "serve",
                "--workers",
                w,
                "--port",
                str(self.port["complaint"]),
            ],
        )

    def stop_all(self) -> None:
        for server in reversed(self.servers):
            server.stop()
        self.servers.clear()

    def token(self, role: str = "agent", dealer_id: str | None = None) -> str:
        settings = ServiceSettings(env="production", jwt_secret=self.secret)
        return issue_token(settings, subject="bench", roles=[role], dealer_id=dealer_id, ttl_s=7200)

    def load(self, url: str, connections: int, **kw: Any) -> LoadResult:
        warm = wrk(url, connections=connections, seconds=self.args.warmup, **kw).ok
        result = wrk(url, connections=connections, seconds=self.args.seconds, **kw)
        result.extra["warmup_ok"] = warm
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

    async def intake(self) -> None:
        c = 16
        ref_rows = "SELECT count(*) FROM bench_rows"
        before = await fetchval(self.urls["ref"], ref_rows)
        r = self.load(f"http://127.0.0.1:{self.port['ref']}/rows", c, method="POST", body=REF_BODY)
        added = await settle(self.urls["ref"], ref_rows) - before
        self.record("intake", "bare", c, r, rows_added=added)
        db = self.urls["complaint"]
        complaints = "SELECT count(*) FROM complaints"
        received = "SELECT count(*) FROM outbox WHERE type = 'complaint.received'"
        rows0, events0 = await fetchval(db, complaints), await fetchval(db, received)
        r = self.load(
            f"http://127.0.0.1:{self.port['complaint']}/api/v1/complaints",
            c,
            method="POST",
            body=intake_body(),
            token=self.token(),
            vary=self.args.customers,
        )
        rows = await settle(db, complaints) - rows0
        events = await settle(db, received) - events0
        unpublished = await settle(db, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
        ok_total = r.ok + r.extra["warmup_ok"]
        check = ok_total <= rows <= ok_total + 2 * c and events == rows and r.bad == 0
        self.record(
            "intake",
            "complaint",
            c,
            r,
            rows_added=rows,
            events_added=events,
            unpublished_after=unpublished,
            rows_check="ok" if check else "FAIL",
        )

    async def fold(self) -> None:
        from complaint.escalation import fold_statistics
        from complaint.main import create_runtime
        from complaint.settings import ComplaintSettings

        settings = ComplaintSettings(
            env="production", jwt_secret=self.secret, database_url=self.urls["complaint"]
        )
        rt = create_runtime(settings)
        try:
            start = time.perf_counter()
            folded = await fold_statistics(rt.uow)  # type: ignore[arg-type]
            self.results["fold"] = {
                "delta_rows": folded,
                "seconds": round(time.perf_counter() - start, 2),
            }
        finally:
            await rt.stop()
        await execute(
            self.urls["complaint"],
            "VACUUM ANALYZE complaint_stats",
            "VACUUM ANALYZE complaint_stat_deltas",
        )
        self.results["fold"]["rollup_rows"] = await fetchval(
            self.urls["complaint"], "SELECT count(*) FROM complaint_stats"
        )
        print(json.dumps({"fold": self.results["fold"]}), flush=True)

    async def direct(self) -> None:
        """What the statistics would cost read from the complaints table."""
        db = self.urls["complaint"]
        sql = {
            "one dimension (category)": "SELECT category, count(*), avg(ack_business_s) "
            "FROM complaints GROUP BY category",
            "all eight dimensions (GROUPING SETS) with p90": (
                "SELECT category, severity, channel, department, root_cause_code, "
                "product_model, dealer_id, received_month, count(*), "
                "percentile_cont(0.9) WITHIN GROUP (ORDER BY ack_business_s) FROM complaints "
                "GROUP BY GROUPING SETS ((category), (severity), (channel), (department), "
                "(root_cause_code), (product_model), (dealer_id), (received_month))"
            ),
        }
        for name, q in sql.items():
            start = time.perf_counter()
            await fetchval(db, f"SELECT count(*) FROM ({q}) x")
            self.results["direct"][name] = round((time.perf_counter() - start) * 1000, 1)
        print(json.dumps({"direct_ms": self.results["direct"]}), flush=True)

    async def check(self) -> None:
        """The statistics agree with the complaints table (every complaint counted once)."""
        import httpx

        db = self.urls["complaint"]
        async with httpx.AsyncClient(timeout=60) as http:
            r = await http.get(
                f"http://127.0.0.1:{self.port['complaint']}/api/v1/complaints/stats?by=category",
                headers={"Authorization": f"Bearer {self.token('analyst')}"},
            )
        body = r.json()
        total = await fetchval(db, "SELECT count(*) FROM complaints")
        closed = await fetchval(db, "SELECT count(*) FROM complaints WHERE status = 'closed'")
        ok = body["total"]["received"] == total and body["total"]["closed"] == closed
        self.results["check"] = {
            "complaints": total,
            "stats_received": body["total"]["received"],
            "closed": closed,
            "stats_closed": body["total"]["closed"],
            "result": "ok" if ok else "FAIL",
        }
        print(json.dumps({"check": self.results["check"]}), flush=True)

    def stats(self) -> None:
        base = f"http://127.0.0.1:{self.port['complaint']}/api/v1/complaints/stats"
        staff, dealer = self.token("analyst"), self.token("dealer", dealer_id="dealer-7")
        cases = [
            ("stats: all dimensions", base, staff, (1, 16)),
            ("stats: a dealer's, all dimensions", base, dealer, (1,)),
            (
                "stats: category, one quarter",
                f"{base}?by=category&month_from=2025-04&month_to=2025-06",
                staff,
                (1,),
            ),
        ]
        for case, url, token, conns in cases:
            for c in conns:
                self.record(case, "complaint", c, self.load(url, c, token=token))

    async def run(self) -> None:
        args = self.args
        for name in DBS.values():
            await recreate_database(args.server_url, name)
        await asyncio.to_thread(upgrade, ROOT / "services" / "complaint", self.urls["complaint"])
        await seed_reference(self.urls["ref"], 1_000)
        await seed_customer_copies(self.urls["complaint"], args.customers, args.dealers)
        self.start_all()
        try:
            await self.intake()
            start = time.perf_counter()
            self.results["seed"] = await seed_complaints(
                self.urls["complaint"],
                args.complaints,
                customers=args.customers,
                dealers=args.dealers,
            )
            self.results["seed"]["seconds"] = round(time.perf_counter() - start, 1)
            print(json.dumps({"seed": self.results["seed"]}), flush=True)
            await self.fold()
            self.stats()
            await self.check()
            await self.direct()
        finally:
            self.stop_all()
        if not args.keep:
            for name in DBS.values():
                await drop_database(args.server_url, name)


def write_report(results: dict[str, Any], out: Path, args: argparse.Namespace) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    stem = "complaint-smoke" if args.smoke else "complaint"
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2))
    bare = next((r["rps"] for r in results["cases"] if r["target"] == "bare"), None)
    lines = [
        f"# Complaint bench ({'smoke' if args.smoke else 'full'}), workers={args.workers}, "
        f"{args.seconds:g} s per case, {results['seed'].get('complaints')} complaints",
        "",
        "| case | target | conns | req/s | vs bare | p50 ms | p99 ms | errors | check |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["cases"]:
        ratio = round(r["rps"] / bare, 2) if bare and r["case"] == "intake" else ""
        lines.append(
            f"| {r['case']} | {r['target']} | {r['connections']} | {r['rps']} | {ratio} | "
            f"{r['p50_ms']} | {r['p99_ms']} | {r['errors']} | {r.get('rows_check', '')} |"
        )
    lines += [
        "",
        f"Seeding: {results['seed']}",
        f"Fold of the seeded deltas: {results['fold']}",
        f"Check against the complaints table: {results.get('check')}",
        f"Read from the complaints table instead (ms): {results['direct']}",
    ]
    path = out / f"{stem}.md"
    path.write_text("\n".join(lines) + "\n")
    return path


async def amain(args: argparse.Namespace) -> int:
    ensure_wrk()
    workdir = args.out / "logs"
    workdir.mkdir(parents=True, exist_ok=True)
    broker = DevBroker(log_path=workdir / "complaint-broker.log").start()
    try:
        bench = ComplaintBench(args, broker, workdir)
        await bench.run()
    finally:
        broker.stop()
    path = write_report(bench.results, args.out, args)
    print(path.read_text())
    bad = [r for r in bench.results["cases"] if r["errors"] or r.get("rows_check") == "FAIL"]
    if bad or bench.results.get("check", {}).get("result") != "ok":
        print("errors, a failed rows check or statistics that disagree", file=sys.stderr)
        return 1
    return 0


def main() -> None:
    sys.exit(asyncio.run(amain(parse_args())))


if __name__ == "__main__":
    main()
