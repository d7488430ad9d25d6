"""Survey analytics over 1,000,000 responses: the rollup sweep that pre-aggregates them and
the latency of every report read from the rollups, against the same report computed by a
GROUP BY over the responses themselves.

    .venv/bin/python bench/survey_analytics.py                       # 1,000,000 responses
    .venv/bin/python bench/survey_analytics.py --responses 100000

It creates a fresh PostgreSQL database (``kefu_bench_survey_analytics``, dropped at the
end unless ``--keep``), applies the survey migrations, loads responses with INSERT ...
SELECT FROM generate_series (24 months, 5 tiers, 3 region classes, 31 provinces, 8
product lines, 300 technicians, 40 dealers, CSAT, NPS and five dimension scores each),
runs the rollup sweep (the same function the scheduler runs) and then each report
through the same use case the API calls, as an internal analyst and as a dealer.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, drop_database, execute, fetchval, pg, recreate_database, sa_url
from kefu_shared.auth import Principal
from kefu_shared.db import PlatformTables, create_engine, make_session_factory
from kefu_shared.migrations import upgrade
from survey import analytics
from survey.models import platform
from survey.response_repository import ReportFilter
from survey.uow import SurveyUnitOfWork

LOAD = """
INSERT INTO survey_responses (id, invitation_id, customer_id, dealer_id, template_id,
  template_key, template_version, technician_id, product_line, tier, region_class, province,
  answers, csat, nps, dimension_scores, servqual_gaps, expectations, dissatisfied, reasons,
  submitted_at, month, rolled_up)
SELECT 'r' || i, 'i' || i, 'c' || (i % 200000),
  CASE WHEN i % 3 = 0 THEN NULL ELSE 'D' || (i % 40) END,
  't', CASE WHEN i % 10 = 0 THEN 'annual_relationship' ELSE 'post_service' END, 1,
  'tech' || (i % 300), 'PL' || (i % 8),
  (ARRAY['super','large','medium','small','potential'])[1 + i % 5],
  (ARRAY['local','out_of_town','international'])[1 + i % 3],
  'P' || (i % 31), '{}', c.csat, n.nps,
  json_build_object('overall', c.csat, 'reliability', 1 + (i * 7) % 5, 'responsiveness', 1 + (i * 11) % 5,
                    'assurance', 1 + (i * 13) % 5, 'empathy', 1 + (i * 17) % 5),
  CASE WHEN i % 10 = 0 THEN json_build_object('reliability', ((i * 7) % 5) - 1.0) ELSE '{}'::json END,
  CASE WHEN i % 10 = 0 THEN json_build_object('reliability', 2 + (i % 3)) ELSE '{}'::json END,
  (n.nps <= 6 OR c.csat <= 2), '[]',
  ts, to_char(ts, 'YYYY-MM'), false
FROM generate_series(1, $1::int) AS i,
  LATERAL (SELECT timestamptz '2024-12-01' + (i % 730) * interval '1 day' + (i % 86400) * interval '1 second' AS ts) t,
  LATERAL (SELECT 1 + (i * 31 + i / 7) % 5 AS csat) c,
  LATERAL (SELECT (i * 37 + i / 11) % 11 AS nps) n
"""

DIRECT = """
SELECT tier, count(*), avg(CASE WHEN csat >= 4 THEN 100.0 ELSE 0 END),
  100.0 * (count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6)) / count(nps)
FROM survey_responses GROUP BY tier
"""


async def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = await fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


async def main(args: argparse.Namespace) -> None:
    name = "kefu_bench_survey_analytics"
    url = sa_url(args.server_url, name)
    if not args.existing:
        await recreate_database(args.server_url, name)
    try:
        start = time.perf_counter()
        if not args.existing:
            await asyncio.to_thread(upgrade, ROOT / "services" / "survey", url)
            import asyncpg

            conn = await asyncpg.connect(pg(url))
            try:
                await conn.execute(LOAD, args.responses)
            finally:
                await conn.close()
            await execute(pg(url), "VACUUM ANALYZE")
        load_s = time.perf_counter() - start
        engine = create_engine(url, pool_size=5)
        sessions = make_session_factory(engine)
        tables: PlatformTables = platform

        def uow() -> SurveyUnitOfWork:
            return SurveyUnitOfWork(
                sessions, tables.outbox, source="/bench", audit=tables.audit, jobs=tables.jobs
            )

        start = time.perf_counter()
        rolled = await analytics.roll_up(uow_factory=uow, batch_size=args.batch)
        rollup_s = time.perf_counter() - start
        rollup_rows = await fetchval(pg(url), "SELECT count(*) FROM survey_rollups")
        await execute(
            pg(url), "VACUUM ANALYZE survey_rollups", "VACUUM ANALYZE survey_dimension_rollups"
        )
        print(f"# survey analytics — {args.responses:,} responses (PostgreSQL, this machine)\n")
        print(
            f"load {load_s:.1f} s; rollup sweep {rolled:,} responses in {rollup_s:.1f} s "
            f"({rolled / rollup_s:,.0f}/s) into {rollup_rows:,} rollup rows\n"
        )
        analyst = Principal(user_id="a", roles=frozenset({"analyst"}))
        dealer = Principal(user_id="d", roles=frozenset({"dealer"}), dealer_id="D7")
        year = ReportFilter(month_from="2025-12", month_to="2026-11")
        print("| report | as | median ms | rows |")
        print("|---|---|---|---|")
        cases: list[tuple[str, str, Any]] = []
        for axis in ("tier", "region", "province", "product_line", "technician", "dealer", "month"):
            cases.append(
                (
                    f"by {axis}",
                    "analyst",
                    lambda a=axis: analytics.report_by(
                        uow=uow(), axis=a, report=ReportFilter(), actor=analyst
                    ),
                )
            )
        cases.append(
            (
                "by technician, last 12 months",
                "analyst",
                lambda: analytics.report_by(
                    uow=uow(), axis="technician", report=year, actor=analyst
                ),
            )
        )
        cases.append(
            (
                "trend (by month)",
                "dealer",
                lambda: analytics.report_by(
                    uow=uow(), axis="month", report=ReportFilter(), actor=dealer
                ),
            )
        )
        cases.append(
            (
                "overview + dimensions",
                "analyst",
                lambda: analytics.overview(uow=uow(), report=ReportFilter(), actor=analyst),
            )
        )
        cases.append(
            (
                "importance-performance",
                "analyst",
                lambda: analytics.importance_performance(
                    uow=uow(), report=ReportFilter(), actor=analyst
                ),
            )
        )
        for label, who, fn in cases:
            ms, result = await timed(fn, args.repeat)
            rows = len(result) if isinstance(result, list) else len(result.get("dimensions", []))
            print(f"| {label} | {who} | {ms:.1f} | {rows} |")

        async def direct() -> Any:
            return await fetchval(pg(url), DIRECT)

        ms, _ = await timed(direct, 3)
        print(f"| by tier as GROUP BY over the responses (no rollup) | — | {ms:.1f} | 5 |")
        await engine.dispose()
    finally:
        if not args.keep:
            await drop_database(args.server_url, name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--server-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--existing", action="store_true", help="use the database a --keep run left (no load)"
    )
    asyncio.run(main(parser.parse_args()))
