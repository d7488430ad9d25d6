"""Benchmark: revenue classification of 1,000,000 customers with 10,000,000 orders.

Creates a fresh PostgreSQL database, applies the customer service's migrations, bulk-loads
customers and orders with INSERT ... SELECT FROM generate_series (a skewed revenue
distribution, ~3% refunds, ~10% of customers without any order), runs VACUUM ANALYZE, then
times classification runs through the same service function the API uses:

1. the first run (nearly every customer changes class: the worst case),
2. an identical second run (the steady state: nothing changes),
3. a run one month later (the realistic monthly run: some customers move).

    .venv/bin/python bench/classification.py                       # 1M / 10M
    .venv/bin/python bench/classification.py --customers 10000 --orders 100000
    .venv/bin/python bench/classification.py --keep --load-only    # keep a loaded database
    .venv/bin/python bench/classification.py --skip-load --reset   # re-run on a kept one

The target is a first run under 30 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/kefu_bench"
AS_OF = date(2026, 10, 1)  # first run's as_of; the ledger runs a month further
LEDGER_END = AS_OF + timedelta(days=31)

CUSTOMERS_SQL = """
INSERT INTO customers (
    id, number, kind, name, status, version, phones, preferences, products_owned, contacts,
    bank_info, tags, dealer_id, industry, region_class, tier, sales_stage, worth_cultivating,
    key_account, key_account_manual, created_at, updated_at)
SELECT md5('c' || g)::uuid::text,
       'B' || lpad(g::text, 9, '0'),
       CASE WHEN g % 3 = 0 THEN 'company' ELSE 'individual' END,
       'Bench customer ' || g,
       'active', 1, '[]', '{}', '[]', '[]', '{}', '[]',
       CASE WHEN g % 5 = 0 THEN 'dealer-' || (g % 50) END,
       CASE WHEN g % 3 = 0 THEN 'manufacturing' END,
       (ARRAY['local', 'out_of_town', 'international'])[1 + g % 3],
       'potential', 'potential', g % 997 = 0, false, g % 1999 = 0, now(), now()
FROM generate_series($1::int, $2::int) AS g
"""

# Customer k in 1..0.9*N gets orders (the last 10% never buy: potential customers); low k
# buy more often (power law on the pick) and some are big accounts (x10, x50 amounts).
# Dates spread over the three years before LEDGER_END, so the trailing window, the previous
# year (growth) and older history (inactive customers) are all populated.
ORDERS_SQL = """
INSERT INTO orders (
    customer_id, external_ref, kind, order_date, currency, amount, fx_rate, gross_margin,
    net_amount, net_margin, product_line, created_at)
SELECT md5('c' || s.k)::uuid::text,
       'O' || s.g,
       CASE WHEN s.refund THEN 'refund' ELSE 'invoice' END,
       s.d, 'CNY', s.amount, 1, round(s.amount * 0.25, 2),
       CASE WHEN s.refund THEN -s.amount ELSE s.amount END,
       CASE WHEN s.refund THEN -round(s.amount * 0.25, 2) ELSE round(s.amount * 0.25, 2) END,
       (ARRAY['pumps', 'motors', 'valves', 'service'])[1 + s.g % 4],
       now()
FROM (
    SELECT g,
           k,
           random() < 0.03 AS refund,
           $3::date - (floor(power(random(), 1.3) * 1095))::int AS d,
           round(((20 + random() * 2000) * CASE WHEN k % 100 = 0 THEN 50
                                                WHEN k % 20 = 0 THEN 10
                                                ELSE 1 END)::numeric, 2) AS amount
    FROM (
        SELECT g, 1 + floor(power(random(), 1.6) * $4::int)::int AS k
        FROM generate_series($1::bigint, $2::bigint) AS g
    ) picks
) s
"""


def _pg(url: str, db: str | None = None) -> str:
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    if db is None:
        return plain
    base, _, _ = plain.rpartition("/")
    return f"{base}/{db}"


def _dbname(url: str) -> str:
    return url.rpartition("/")[2].split("?")[0]


async def create_database(url: str) -> None:
    conn = await asyncpg.connect(_pg(url, "postgres"))
    try:
        name = _dbname(url)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(url: str) -> None:
    conn = await asyncpg.connect(_pg(url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{_dbname(url)}" WITH (FORCE)')
    finally:
        await conn.close()


async def _chunks(url: str, sql: str, total: int, extra: tuple[object, ...], parts: int) -> None:
    """Run ``sql`` over 1..total split into ``parts`` ranges on parallel connections."""

    async def one(lo: int, hi: int) -> None:
        conn = await asyncpg.connect(_pg(url))
        try:
            # Bulk load only: skip the FK triggers (checked once afterwards).
            await conn.execute("SET session_replication_role = replica")
            await conn.execute(sql, lo, hi, *extra)
        finally:
            await conn.close()

    step = -(-total // parts)
    ranges = [(lo, min(lo + step - 1, total)) for lo in range(1, total + 1, step)]
    await asyncio.gather(*(one(lo, hi) for lo, hi in ranges))


async def load(url: str, customers: int, orders: int) -> None:
    conn = await asyncpg.connect(_pg(url))
    try:
        # Build the orders indexes once after the load instead of row by row.
        idx = await conn.fetch(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.tablename = 'orders' AND i.indexname NOT IN (
                   SELECT conname FROM pg_constraint WHERE conrelid = 'orders'::regclass)"""
        )
        cons = await conn.fetch(
            """SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
               WHERE conrelid = 'orders'::regclass AND contype = 'u'"""
        )
        for r in idx:
            await conn.execute(f'DROP INDEX "{r["indexname"]}"')
        for r in cons:
            await conn.execute(f'ALTER TABLE orders DROP CONSTRAINT "{r["conname"]}"')

        await _chunks(url, CUSTOMERS_SQL, customers, (), 2)
        print(f"  customers loaded  {time.perf_counter() - T0:7.1f} s", flush=True)
        buyers = max(1, int(customers * 0.9))
        await _chunks(url, ORDERS_SQL, orders, (LEDGER_END, buyers), 2)
        print(f"  orders loaded     {time.perf_counter() - T0:7.1f} s", flush=True)

        await conn.execute("SET maintenance_work_mem = '1GB'")
        for r in cons:
            await conn.execute(f'ALTER TABLE orders ADD CONSTRAINT "{r["conname"]}" {r["def"]}')
        for r in idx:
            await conn.execute(r["indexdef"])
        print(f"  indexes built     {time.perf_counter() - T0:7.1f} s", flush=True)
        orphans = await conn.fetchval(
            "SELECT count(*) FROM orders o WHERE NOT EXISTS "
            "(SELECT 1 FROM customers c WHERE c.id = o.customer_id)"
        )
        if orphans:
            raise SystemExit(f"{orphans} orders without a customer")
        await conn.execute("VACUUM ANALYZE customers")
        await conn.execute("VACUUM ANALYZE orders")
        print(f"  vacuum analyze    {time.perf_counter() - T0:7.1f} s", flush=True)
    finally:
        await conn.close()


async def reset(url: str) -> None:
    """Put a kept database back to 'never classified'."""
    conn = await asyncpg.connect(_pg(url))
    try:
        await conn.execute(
            "UPDATE customers SET tier = 'potential', sales_stage = 'potential', "
            "transaction_pattern = NULL, key_account = key_account_manual "
            "WHERE tier <> 'potential' OR transaction_pattern IS NOT NULL"
        )
        await conn.execute("DELETE FROM outbox")
        await conn.execute("DELETE FROM classification_results")
        await conn.execute("DELETE FROM classification_runs")
        await conn.execute("VACUUM ANALYZE customers")
        await conn.execute("VACUUM ANALYZE outbox")
        await conn.execute("VACUUM ANALYZE classification_results")
    finally:
        await conn.close()


async def classify(url: str, as_of: date, label: str) -> None:
    from customer.classification.config import ClassificationSettings
    from customer.classification.schemas import RunCreate
    from customer.classification.service import run_classification
    from customer.main import create_runtime
    from customer.settings import CustomerSettings
    from kefu_shared.auth import Principal

    # No HTTP here: the token secret only has to satisfy the settings' production check.
    settings = CustomerSettings(
        database_url=url,
        relay_enabled=False,
        consumers_enabled=False,
        KEFU_JWT_SECRET=secrets.token_urlsafe(32),
        log_json=False,
    )
    runtime = create_runtime(settings)
    try:
        t = time.perf_counter()
        run = await run_classification(
            uow=runtime.uow(),
            data=RunCreate(as_of=as_of),
            actor=Principal(user_id="bench", roles=frozenset({"admin"})),
            settings=ClassificationSettings(),
        )
        wall = time.perf_counter() - t
    finally:
        await runtime.stop()
    print(
        f"\n{label} (as of {as_of}): {run.status}, wall {wall:.2f} s, in-database {run.duration_ms} ms"
    )
    if run.error:
        print("  error:", run.error)
    print(f"  ranked customers (revenue > 0 in window): {run.ranked_customers}")
    print(f"  boundaries (last rank per class): {run.boundaries}")
    print(
        f"  changed customers: {run.changed_count}, customer.classified events: {run.events_count}"
    )
    print(f"  counts per class: {run.counts}")
    print(f"  transaction patterns: {run.pattern_counts}")


async def main() -> None:
    global T0
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--url", default=DEFAULT_URL, help="database to create (dropped at the end)")
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--orders", type=int, default=10_000_000)
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument("--load-only", action="store_true", help="load, do not classify")
    p.add_argument("--skip-load", action="store_true", help="reuse a kept, loaded database")
    p.add_argument("--reset", action="store_true", help="with --skip-load: unclassify first")
    args = p.parse_args()

    sys.path.insert(0, str(ROOT))
    from kefu_shared.migrations import upgrade

    T0 = time.perf_counter()
    if not args.skip_load:
        print(f"loading {args.customers:,} customers and {args.orders:,} orders into {args.url}")
        await create_database(args.url)
        await asyncio.to_thread(upgrade, ROOT / "services" / "customer", args.url)
        await load(args.url, args.customers, args.orders)
        print(f"load total: {time.perf_counter() - T0:.1f} s")
    elif args.reset:
        await reset(args.url)
    try:
        if not args.load_only:
            await classify(args.url, AS_OF, "first run")
            await classify(args.url, AS_OF, "second, identical run")
            await classify(args.url, AS_OF + timedelta(days=30), "run one month later")
    finally:
        if not args.keep:
            await drop_database(args.url)


T0 = 0.0

if __name__ == "__main__":
    asyncio.run(main())
