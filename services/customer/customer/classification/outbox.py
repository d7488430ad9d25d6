"""``customer.classified`` events of a classification run, written to the outbox in SQL.

The one exception to "aggregates record their events" (CONTRIBUTING.md): a run changes up
to every customer, so its events are built by one ``INSERT INTO outbox ... SELECT`` over
the staged ``classification_results`` instead of an object per customer. The payload
still has one source, the ``CustomerClassified`` contract: the ``data`` object is built
from its fields in their order, each mapped below to the SQL that computes it, and the
type, topic and schema come from the class. A field added to the contract without a
source here fails at import time, not on a consumer.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from kefu_shared.contracts.customer import CustomerClassified
from kefu_shared.db import UTCDateTime

# Field of CustomerClassified -> its SQL on PostgreSQL and on SQLite (``r``: the row of
# classification_results; parameters: the run).
SOURCES: dict[str, tuple[str, str]] = {
    "id": ("r.customer_id", "r.customer_id"),
    "previous_tier": ("r.previous_tier", "r.previous_tier"),
    "tier": ("r.tier", "r.tier"),
    "run_id": ("CAST(:run_id AS text)", ":run_id"),
    "revenue": (
        "CAST(r.revenue AS text)",
        "CASE WHEN r.revenue IS NOT NULL THEN printf('%.2f', r.revenue) END",
    ),
    "rank": ("r.rank", "r.rank"),
    "key_account": ("r.key_account", "json(CASE WHEN r.key_account THEN 'true' ELSE 'false' END)"),
    "dealer_id": ("r.dealer_id", "r.dealer_id"),
    "sales_stage": ("r.sales_stage", "r.sales_stage"),
    "transaction_pattern": ("r.transaction_pattern", "r.transaction_pattern"),
    "as_of": ("CAST(:as_of AS text)", ":as_of"),
}
if list(SOURCES) != list(CustomerClassified.model_fields):
    raise RuntimeError(
        "classification/outbox.py SOURCES must name the fields of CustomerClassified, in order: "
        f"{list(CustomerClassified.model_fields)}"
    )


def _data(pg: bool) -> str:
    return ",\n".join(
        f"'{name}', {SOURCES[name][0 if pg else 1]}" for name in CustomerClassified.model_fields
    )


_OUTBOX_PG = f"""
INSERT INTO outbox (event_id, topic, key, type, payload, created_at, attempts)
SELECT r.event_id, :topic, r.customer_id, :type,
       json_strip_nulls(json_build_object(
           'specversion', '1.0',
           'id', r.event_id,
           'source', CAST(:source AS text),
           'type', CAST(:type AS text),
           'subject', r.customer_id,
           'time', CAST(:time AS text),
           'datacontenttype', 'application/json',
           'dataschema', CAST(:dataschema AS text),
           'correlationid', CAST(:correlationid AS text),
           'traceparent', CAST(:traceparent AS text),
           'dealerid', r.dealer_id,
           'data', json_build_object({_data(pg=True)})))::text,
       :now, 0
FROM classification_results r
WHERE r.run_id = :run_id AND r.event_id IS NOT NULL
"""

# json_patch (RFC 7396) drops null members, like model_dump_json(exclude_none=True).
_OUTBOX_SQLITE = f"""
INSERT INTO outbox (event_id, topic, key, type, payload, created_at, attempts)
SELECT r.event_id, :topic, r.customer_id, :type,
       json_patch(json_object(
           'specversion', '1.0',
           'id', r.event_id,
           'source', :source,
           'type', :type,
           'subject', r.customer_id,
           'time', :time,
           'datacontenttype', 'application/json',
           'dataschema', :dataschema,
           'data', json_patch('{{}}', json_object({_data(pg=False)}))),
           json_object('correlationid', :correlationid, 'traceparent', :traceparent,
                       'dealerid', r.dealer_id)),
       :now, 0
FROM classification_results r
WHERE r.run_id = :run_id AND r.event_id IS NOT NULL
"""


async def emit_classified(
    session: AsyncSession,
    *,
    dialect: str,
    run_id: str,
    as_of: date,
    now: datetime,
    source: str,
    correlationid: str | None,
    traceparent: str | None,
) -> int:
    """Write one ``customer.classified`` CloudEvent per staged tier change; returns how many."""
    stmt = text(_OUTBOX_PG if dialect == "postgresql" else _OUTBOX_SQLITE).bindparams(
        bindparam("run_id", type_=String),
        bindparam("topic", type_=String),
        bindparam("type", type_=String),
        bindparam("source", type_=String),
        bindparam("dataschema", type_=String),
        bindparam("time", type_=String),
        bindparam("as_of", type_=String),
        bindparam("correlationid", type_=String),
        bindparam("traceparent", type_=String),
        bindparam("now", type_=UTCDateTime()),
    )
    result = await session.execute(
        stmt,
        {
            "run_id": run_id,
            "topic": CustomerClassified.topic,
            "type": CustomerClassified.event_type,
            "source": source,
            "dataschema": CustomerClassified.dataschema(),
            # RFC 3339 in UTC, as CloudEvent.time serialises.
            "time": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "as_of": as_of.isoformat(),
            "correlationid": correlationid,
            "traceparent": traceparent,
            "now": now,
        },
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
