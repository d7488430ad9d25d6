"""Survey answer throughput: ``POST /api/v1/public/surveys/{token}/responses`` (rate limiter,
token lookup, validation of every answer against its question, scoring, the invitation's
single-use claim, the response row and its ``survey.response_received`` outbox row, the
relay publishing to a Tansu broker) against the bare insert of ``bench/reference.py`` in
the same run, same worker count, same wrk.

    .venv/bin/python bench/survey_submit.py                  # 2 workers, 20 s per case
    .venv/bin/python bench/survey_submit.py --seconds 5 --invitations 50000

Every request answers a different invitation (tokens seeded with INSERT ... SELECT), so
each 2xx is one response; the rows check counts responses and outbox rows after the run.
The public rate limit is raised for the run (one client address sends everything); its
check is still on the path.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    PYTHON,
    ROOT,
    LoadResult,
    Server,
    drop_database,
    ensure_wrk,
    execute,
    fetchval,
    pg,
    recreate_database,
    sa_url,
    wrk,
)
from bench.reference import TABLE_SQL
from kefu_shared.devbroker import DevBroker
from kefu_shared.migrations import upgrade

ANSWERS = {"overall": 4, "timeliness": 5, "skill": 4, "attitude": 5, "fixed": "yes", "recommend": 9}
TOKENS_LUA = Path(__file__).resolve().parent / "lua" / "tokens.lua"


def wrk_tokens(
    url: str, tokens: Path, *, connections: int, seconds: float, threads: int = 2
) -> LoadResult:
    import subprocess

    env = dict(
        os.environ,
        BENCH_TOKENS=str(tokens),
        BENCH_THREADS=str(threads),
        BENCH_BODY=json.dumps({"answers": ANSWERS}),
        BENCH_SUFFIX="/responses",
    )
    argv = [
        ensure_wrk(),
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{round(seconds)}s",
        "--timeout",
        "10s",
        "-s",
        str(TOKENS_LUA),
        url,
    ]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("BENCHJSON "))
    data = json.loads(line.removeprefix("BENCHJSON "))
    return LoadResult(
        data["requests"],
        data["duration_us"] / 1e6,
        data["ok"],
        data["bad"],
        data["socket_errors"],
        data["p50_us"] / 1000,
        data["p99_us"] / 1000,
    )


SEED = """
INSERT INTO survey_invitations (id, token, customer_id, dealer_id, template_id, template_key,
  template_version, campaign_id, trigger, channel, status, sent_at, expires_at, reminders_sent)
SELECT 'inv-' || i, 'benchtoken' || lpad(i::text, 12, '0'), 'cust-' || (i % 50000), NULL,
  t.id, t.key, 1, NULL, 'campaign', 'sms', 'sent', now(), now() + interval '14 days', 0
FROM generate_series(1, $1::int) AS i, survey_templates t WHERE t.key = 'post_service'
"""


async def main(args: argparse.Namespace) -> None:
    ensure_wrk()
    db_survey, db_ref = "kefu_bench_survey", "kefu_bench_survey_ref"
    survey_url, ref_url = sa_url(args.server_url, db_survey), sa_url(args.server_url, db_ref)
    workdir = Path(tempfile.mkdtemp(prefix="survey-bench-"))
    for name in (db_survey, db_ref):
        await recreate_database(args.server_url, name)
    await asyncio.to_thread(upgrade, ROOT / "services" / "survey", survey_url)
    await execute(pg(ref_url), TABLE_SQL)
    broker = DevBroker(log_path=workdir / "broker.log").start()
    env = dict(
        os.environ,
        KEFU_ENV="production",
        KEFU_JWT_SECRET=secrets.token_urlsafe(48),
        KEFU_LOG_LEVEL="WARNING",
        KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap,
        SURVEY_DATABASE_URL=survey_url,
        SURVEY_PUBLIC_RATE_LIMIT="100000000/minute",
        SURVEY_PUBLIC_TOKEN_RATE_LIMIT="100/minute",
        BENCH_REF_DATABASE_URL=ref_url,
        PYTHONPATH=str(ROOT),
    )
    w = str(args.workers)
    ref_port, survey_port = args.port_base, args.port_base + 1
    servers = [
        Server(
            "ref",
            [
                PYTHON,
                "-m",
                "uvicorn",
                "bench.reference:app",
                "--workers",
                w,
                "--port",
                str(ref_port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            ref_port,
            env,
            workdir / "ref.log",
        ),
        Server(
            "survey",
            [PYTHON, "-m", "survey", "serve", "--workers", w, "--port", str(survey_port)],
            survey_port,
            env,
            workdir / "survey.log",
        ),
    ]
    try:
        for s in servers:
            s.start()
        await execute(pg(survey_url), "SELECT 1")
        conn_url = pg(survey_url)
        import asyncpg

        conn = await asyncpg.connect(conn_url)
        try:
            await conn.execute(SEED, args.invitations)
            tokens = await conn.fetch("SELECT token FROM survey_invitations ORDER BY id")
        finally:
            await conn.close()
        token_file = workdir / "tokens.txt"
        token_file.write_text("\n".join(r["token"] for r in tokens) + "\n")
        await execute(conn_url, "VACUUM ANALYZE")

        print(
            f"# survey answer throughput — {args.workers} workers, {args.connections} connections, "
            f"{args.seconds:.0f} s per case, {args.invitations:,} invitations"
        )
        bare = wrk(
            f"http://127.0.0.1:{ref_port}/rows",
            method="POST",
            body=json.dumps({"name": "bench", "email": "b@example.com"}),
            connections=args.connections,
            seconds=args.seconds,
        )
        answer = wrk_tokens(
            f"http://127.0.0.1:{survey_port}",
            token_file,
            connections=args.connections,
            seconds=args.seconds,
        )
        await asyncio.sleep(2)  # the relay drains the outbox
        responses = await fetchval(conn_url, "SELECT count(*) FROM survey_responses")
        outbox = await fetchval(
            conn_url, "SELECT count(*) FROM outbox WHERE type = 'survey.response_received'"
        )
        published = await fetchval(
            conn_url,
            "SELECT count(*) FROM outbox WHERE type = 'survey.response_received' AND published_at IS NOT NULL",
        )
        print("| case | req/s (2xx) | p50 ms | p99 ms | non-2xx | vs bare |")
        print("|---|---|---|---|---|---|")
        for name, r in (("bare insert", bare), ("survey answer", answer)):
            print(
                f"| {name} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.bad} | {r.rps / bare.rps:.2f} |"
            )
        print(
            f"\nrows check: {answer.ok} answers accepted, {responses} responses, {outbox} "
            f"survey.response_received outbox rows ({published} published by the relay)"
        )
        if responses != outbox:
            raise SystemExit("every response must have its event")
    finally:
        for s in servers:
            s.stop()
        broker.stop()
        if not args.keep:
            for name in (db_survey, db_ref):
                await drop_database(args.server_url, name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--server-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--invitations", type=int, default=200_000)
    parser.add_argument("--port-base", type=int, default=18800)
    parser.add_argument("--keep", action="store_true")
    asyncio.run(main(parser.parse_args()))
