"""1,000,000 complaints for the statistics bench: synthetic rows copied into the
complaints table, their statistics contributions computed by the service's own
``complaint.stats.cells.contribution`` and copied as delta rows, repeat counts per
customer and product unit. The roll-up is then built by the service's own fold."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import asyncpg
from harness import pg

from complaint.stats.cells import COUNTERS, KEYS, contribution

CATEGORIES = (
    "product_quality",
    "delivery",
    "installation",
    "after_sales_service",
    "staff_attitude",
    "billing",
    "other",
)
SEVERITIES = ("critical", "major", "minor")
CHANNELS = ("phone", "email", "web", "dealer_api", "on_site", "social_media", "letter")
DEPARTMENTS = ("quality", "logistics", "service", "sales", "finance", "installation")
ROOT_CAUSES = ("design", "material", "process", "transport", "installation", "usage", "other")
STATES = (
    ("closed", 60),
    ("resolved", 10),
    ("investigating", 10),
    ("acknowledged", 10),
    ("received", 5),
    ("rejected", 5),
)
COLUMNS = (
    "id",
    "number",
    "status",
    "version",
    "channel",
    "customer_id",
    "dealer_id",
    "key_account",
    "product_model",
    "serial_number",
    "category",
    "severity",
    "description",
    "attachments",
    "received_at",
    "received_month",
    "acknowledge_due",
    "resolve_due",
    "acknowledged_at",
    "ack_business_s",
    "ack_late",
    "resolve_late",
    "overdue",
    "escalation_level",
    "department",
    "handler_id",
    "co_handlers",
    "root_cause_code",
    "resolved_at",
    "resolve_business_s",
    "closed_at",
    "rejected_at",
    "reopen_count",
    "ticket_visits",
    "created_by",
    "created_at",
    "updated_at",
)


def synthetic(
    i: int, rnd: random.Random, customers: int, dealers: int, start: datetime
) -> dict[str, Any]:
    state = rnd.choices([s for s, _ in STATES], weights=[w for _, w in STATES])[0]
    received = start + timedelta(minutes=rnd.randrange(0, 730 * 24 * 60))
    customer = rnd.randrange(customers)
    dealer = f"dealer-{customer % dealers}" if customer % 3 else None
    acknowledged = state not in ("received",)
    resolved = state in ("resolved", "closed")
    ack_s = rnd.randrange(600, 30 * 3600) if acknowledged else None
    res_s = rnd.randrange(4 * 3600, 400 * 3600) if resolved else None
    investigated = state in ("investigating", "resolved", "closed")
    level = rnd.choice((0, 0, 0, 0, 1, 1, 2, 3))
    return {
        "id": str(uuid.UUID(int=rnd.getrandbits(128))),
        "number": f"BCP{i:09d}",
        "status": state,
        "version": 1,
        "channel": rnd.choice(CHANNELS),
        "customer_id": f"c{customer}",
        "dealer_id": dealer,
        "key_account": customer % 50 == 0,
        "product_model": f"KF-{rnd.randrange(200)}",
        "serial_number": f"SN{rnd.randrange(customers * 2)}",
        "category": rnd.choice(CATEGORIES),
        "severity": rnd.choices(SEVERITIES, weights=(1, 4, 5))[0],
        "description": "bench complaint",
        "attachments": "[]",
        "received_at": received,
        "received_month": received.strftime("%Y-%m"),
        "acknowledge_due": received + timedelta(hours=4),
        "resolve_due": received + timedelta(days=7),
        "acknowledged_at": received + timedelta(seconds=ack_s) if ack_s else None,
        "ack_business_s": ack_s,
        "ack_late": bool(ack_s and ack_s > 4 * 3600),
        "resolve_late": bool(res_s and res_s > 63 * 3600),
        "overdue": level > 0,
        "escalation_level": level,
        "department": rnd.choice(DEPARTMENTS) if acknowledged else None,
        "handler_id": f"h{rnd.randrange(100)}" if acknowledged else None,
        "co_handlers": "[]",
        "root_cause_code": rnd.choice(ROOT_CAUSES) if investigated else None,
        "resolved_at": received + timedelta(seconds=res_s) if res_s else None,
        "resolve_business_s": res_s,
        "closed_at": received + timedelta(days=20) if state == "closed" else None,
        "rejected_at": received + timedelta(hours=5) if state == "rejected" else None,
        "reopen_count": 1 if rnd.random() < 0.03 else 0,
        "ticket_visits": 0,
        "created_by": "bench",
        "created_at": received,
        "updated_at": received,
    }


def batches(total: int, size: int, customers: int, dealers: int) -> Iterator[list[dict[str, Any]]]:
    rnd = random.Random(11)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for lo in range(0, total, size):
        yield [
            synthetic(i, rnd, customers, dealers, start) for i in range(lo, min(total, lo + size))
        ]


async def seed_complaints(url: str, total: int, *, customers: int, dealers: int) -> dict[str, int]:
    """Copy ``total`` complaints with their delta rows and repeat counts."""
    conn = await asyncpg.connect(pg(url))
    repeats: Counter[tuple[str, str, str]] = Counter()
    deltas = 0
    try:
        for rows in batches(total, 50_000, customers, dealers):
            await conn.copy_records_to_table(
                "complaints", records=[tuple(r[c] for c in COLUMNS) for r in rows], columns=COLUMNS
            )
            cells: dict[tuple[str, ...], Counter[str]] = {}
            for r in rows:
                cell, vector = contribution(SimpleNamespace(**r))  # type: ignore[arg-type]
                cells.setdefault(cell, Counter()).update(vector)
                repeats[("customer", r["customer_id"], r["dealer_id"] or "")] += 1
                repeats[
                    ("unit", f"{r['product_model']}|{r['serial_number']}", r["dealer_id"] or "")
                ] += 1
            records = [(*cell, *(v.get(n, 0) for n in COUNTERS)) for cell, v in cells.items()]
            deltas += len(records)
            await conn.copy_records_to_table(
                "complaint_stat_deltas", records=records, columns=(*KEYS, *COUNTERS)
            )
        merged: dict[tuple[str, str], tuple[str, int]] = {}
        for (kind, key, dealer), n in repeats.items():
            _, have = merged.get((kind, key), (dealer, 0))
            merged[(kind, key)] = (dealer, have + n)
        # Added to what the intake case already counted.
        await conn.execute(
            "CREATE TEMP TABLE seed_repeats (kind text, key text, dealer text, complaints int)"
        )
        await conn.copy_records_to_table(
            "seed_repeats",
            records=[(k, key, d, n) for (k, key), (d, n) in merged.items()],
            columns=("kind", "key", "dealer", "complaints"),
        )
        await conn.execute(
            "INSERT INTO complaint_repeats SELECT * FROM seed_repeats ON CONFLICT (kind, key) "
            "DO UPDATE SET complaints = complaint_repeats.complaints + excluded.complaints"
        )
        await conn.execute("VACUUM ANALYZE complaints")
        await conn.execute("VACUUM ANALYZE complaint_repeats")
    finally:
        await conn.close()
    return {"complaints": total, "delta_rows": deltas, "repeat_rows": len(merged)}


async def seed_customer_copies(url: str, total: int, dealers: int) -> None:
    conn = await asyncpg.connect(pg(url))
    try:
        await conn.execute(
            "INSERT INTO customer_copies (id, number, kind, name, dealer_id, key_account, status, "
            "on_credit_hold, updated_at) SELECT 'c' || g, 'C' || g, 'company', 'Bench ' || g, "
            "CASE WHEN g % 3 = 0 THEN NULL ELSE 'dealer-' || (g % $2) END, g % 50 = 0, "
            "'active', false, now() FROM generate_series(0, $1 - 1) g",
            total,
            dealers,
        )
        await conn.execute("VACUUM ANALYZE customer_copies")
    finally:
        await conn.close()


def intake_body() -> str:
    return json.dumps(
        {
            "channel": "phone",
            "customer_id": "c{n}",
            "category": "product_quality",
            "severity": "major",
            "description": "The compressor is loud since the last service visit",
            "product": {
                "model": "KF-200",
                "serial_number": "SN-{n}",
                "purchase_date": "2025-06-01",
            },
            "attachments": [
                {
                    "name": "noise.mp4",
                    "content_type": "video/mp4",
                    "size_bytes": 1048576,
                    "url": "s3://kefu-attachments/noise.mp4",
                }
            ],
            "requested_outcome": "replace the unit",
        }
    )
