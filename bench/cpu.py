"""Cost per request of one server process, robust to a busy machine: worker CPU
milliseconds and database transactions per request, optionally with a py-spy profile.

Starts ONE worker of the customer service (or the gateway in front of it, or the bare
reference) on a fresh PostgreSQL database, drives a case with wrk and reads the worker's
CPU time from /proc and the database's transaction counter from pg_stat_database. Used to
measure each change of the request path before and after (wall-clock req/s swing with
whatever else runs on the machine; CPU per request hardly does).

    .venv/bin/python bench/cpu.py                       # create and list, 15 s each
    .venv/bin/python bench/cpu.py --cases list --profile  # + py-spy top functions
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

from harness import (
    PYTHON,
    ROOT,
    Server,
    drop_database,
    fetchval,
    recreate_database,
    sa_url,
    wrk,
)
from pathcases import seed_customers, seed_reference

from kefu_shared.auth import issue_token
from kefu_shared.devbroker import DevBroker
from kefu_shared.migrations import upgrade
from kefu_shared.settings import ServiceSettings

DB = {"customer": "kefu_cpu_customer", "ref": "kefu_cpu_ref"}
CREATE = '{"kind": "company", "name": "Bench Pumps Co", "email": "b@example.com"}'
REF_CREATE = '{"name": "Bench Pumps Co", "email": "b@example.com"}'


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` and its children (the uvicorn worker is a child)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def worker_pid(server: Server) -> int:
    assert server.proc is not None
    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children")
    kids = children.read_text().split() if children.exists() else []
    return int(kids[0]) if kids else server.proc.pid


def top_functions(raw: Path, n: int = 20) -> list[str]:
    """Self and inclusive shares per function from py-spy's collapsed stacks (GIL-holding
    samples only, so the shares are of the worker's Python CPU time)."""
    own: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [
            f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 2)[-1]
            for f in stack.split(";")
        ]
        own[frames[-1]] += count
        for f in set(frames):
            incl[f] += count
        total += count
    total = max(total, 1)
    lines = ["self:"] + [f"{100 * c / total:5.1f}%  {f}" for f, c in own.most_common(n)]
    lines += ["inclusive:"] + [f"{100 * c / total:5.1f}%  {f}" for f, c in incl.most_common(2 * n)]
    return lines


def start_profiler(pyspy: str, pid: int, seconds: float, raw: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling only GIL-holding threads: shares of the worker's Python CPU."""
    argv = [pyspy, "record", "--pid", str(pid), "--format", "raw", "--rate", "200", "--gil"]
    argv += ["--duration", str(int(seconds)), "--output", str(raw), "--nonblocking"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cases", default="create,list")
    p.add_argument("--target", choices=("customer", "gateway", "ref"), default="customer")
    p.add_argument("--seconds", type=float, default=15)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--profile", action="store_true", help="py-spy the worker (needs py-spy)")
    p.add_argument("--port", type=int, default=18550)
    p.add_argument(
        "--env", action="append", default=[], help="KEY=VALUE for the servers (repeatable)"
    )
    p.add_argument("--server-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    args = p.parse_args()
    urls = {k: sa_url(args.server_url, v) for k, v in DB.items()}
    for name in DB.values():
        await recreate_database(args.server_url, name)
    await asyncio.to_thread(upgrade, ROOT / "services" / "customer", urls["customer"])
    await seed_customers(urls["customer"], 1000)
    await seed_reference(urls["ref"], 1000)
    secret = "cpu-bench-" + "x" * 40
    token = issue_token(
        ServiceSettings(env="production", jwt_secret=secret),
        subject="bench",
        roles=["agent"],
    )
    work = Path(tempfile.mkdtemp(prefix="kefu-cpu-"))
    broker = DevBroker(log_path=work / "broker.log").start()
    env = dict(
        os.environ,
        KEFU_ENV="production",
        KEFU_JWT_SECRET=secret,
        KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap,
        CUSTOMER_DATABASE_URL=urls["customer"],
        BENCH_REF_DATABASE_URL=urls["ref"],
        CUSTOMER_CREDIT_RECALC_INTERVAL_S="0",
        GATEWAY_CUSTOMER_URL=f"http://127.0.0.1:{args.port + 1}",
        PYTHONPATH=str(ROOT),
    )
    env.update(kv.split("=", 1) for kv in args.env)
    servers = []
    try:
        if args.target == "ref":
            argv = [
                PYTHON,
                "-m",
                "uvicorn",
                "bench.reference:app",
                "--port",
                str(args.port),
                "--no-access-log",
                "--log-level",
                "warning",
            ]
            measured = Server("ref", argv, args.port, env, work / "ref.log").start()
            servers.append(measured)
        else:
            upstream = Server(
                "customer",
                [
                    PYTHON,
                    "-m",
                    "customer",
                    "serve",
                    "--workers",
                    "2" if args.target == "gateway" else "1",
                    "--port",
                    str(args.port + (1 if args.target == "gateway" else 0)),
                ],
                args.port + (1 if args.target == "gateway" else 0),
                env,
                work / "customer.log",
            ).start()
            servers.append(upstream)
            measured = upstream
            if args.target == "gateway":
                measured = Server(
                    "gateway",
                    [PYTHON, "-m", "gateway", "serve", "--port", str(args.port)],
                    args.port,
                    env,
                    work / "gateway.log",
                ).start()
                servers.append(measured)
        pid = worker_pid(measured)
        db = urls["ref" if args.target == "ref" else "customer"]
        xacts = (
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            f"WHERE datname = '{db.rpartition('/')[2]}'"
        )
        for case in args.cases.split(","):
            if args.target == "ref":
                url = f"http://127.0.0.1:{args.port}/rows"
                kw = {"method": "POST", "body": REF_CREATE} if case == "create" else {}
                if case == "list":
                    url += "?limit=25"
            else:
                url = f"http://127.0.0.1:{args.port}/api/v1/customers"
                kw = {"method": "POST", "body": CREATE} if case == "create" else {}
                if case == "list":
                    url += "?limit=25"
            wrk(url, connections=args.connections, seconds=3, token=token, **kw)  # warm-up
            spy = None
            pyspy = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
            if args.profile:
                raw = work / f"{case}.txt"
                spy = start_profiler(pyspy, pid, args.seconds, raw)
            cpu0, x0 = cpu_seconds(pid), await fetchval(db, xacts)
            r = wrk(url, connections=args.connections, seconds=args.seconds, token=token, **kw)
            await asyncio.sleep(0.6)  # pg_stat_database is updated at most every 500 ms
            cpu1, x1 = cpu_seconds(pid), await fetchval(db, xacts)
            n = r.ok + r.bad
            print(
                f"{args.target} {case}: {n} requests ({r.bad} non-2xx), {r.rps:.0f} req/s, "
                f"worker CPU {1000 * (cpu1 - cpu0) / max(n, 1):.2f} ms/request, "
                f"{(x1 - x0) / max(n, 1):.2f} transactions/request",
                flush=True,
            )
            if spy is not None:
                spy.wait()
                for line in top_functions(work / f"{case}.txt"):
                    print("   ", line)
    finally:
        for s in reversed(servers):
            s.stop()
        broker.stop()
        for name in DB.values():
            await drop_database(args.server_url, name)


if __name__ == "__main__":
    asyncio.run(main())
