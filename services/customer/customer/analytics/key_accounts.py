"""Key accounts (大客户管理): designation, manager and service plan, list and watch list.

A customer is a key account when its tier is super or large, or when it was designated
by hand; ``customers.key_account`` always holds that rule's result and every change of
it (or of the key-account manager) emits ``customer.key_account_changed``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import RowMapping, select

from customer.analytics import reports
from customer.analytics.config import AnalyticsSettings
from customer.analytics.models import KeyAccountPlan
from customer.analytics.reports import Filters, Windows
from customer.analytics.schemas import (
    KeyAccountRead,
    KeyAccountState,
    KeyAccountUpdate,
    Reason,
    RiskFlag,
)
from customer.analytics.service import money, ratio
from customer.models import KEY_ACCOUNT_TIERS
from kefu_shared.auth import Principal
from kefu_shared.db import utcnow
from kefu_shared.errors import InvalidInput
from kefu_shared.http.pagination import apply_keyset, page_from_rows

if TYPE_CHECKING:
    from customer.uow import CustomerUnitOfWork

PLAN_FIELDS = ("manager", "service_plan")


async def update_key_account(
    *, uow: CustomerUnitOfWork, customer_id: str, data: KeyAccountUpdate, actor: Principal
) -> KeyAccountState:
    """Designate (or un-designate) by hand and/or set the manager and service plan."""
    given = data.model_fields_set
    async with uow:
        customer = await uow.customers.get_visible(customer_id, actor, with_addresses=False)
        manual = customer.key_account_manual if data.designated is None else data.designated
        key_account = customer.tier in KEY_ACCOUNT_TIERS or manual
        plan_values = {f: getattr(data, f) for f in PLAN_FIELDS if f in given}
        if not key_account and any(v is not None for v in plan_values.values()):
            raise InvalidInput(
                "only a key account has a key-account manager and service plan",
                errors=[
                    {
                        "field": f,
                        "message": f"customer is {customer.tier} and not designated",
                    }
                    for f, v in plan_values.items()
                    if v is not None
                ],
            )
        plan = await uow.analytics.plan(customer_id)
        if plan is None and (plan_values or manual):
            plan = KeyAccountPlan(customer_id=customer_id)
            uow.analytics.add(plan)
        previous_manager = plan.manager if plan else None
        if plan is not None:
            for field, value in plan_values.items():
                setattr(plan, field, value)
            if manual and not customer.key_account_manual:
                plan.designated_by, plan.designated_at = actor.user_id, utcnow()
            if data.reason is not None:
                plan.reason = data.reason
            plan.updated_by = actor.user_id
        manager = plan.manager if plan else None
        customer.designate_key_account(
            manual=manual,
            manager=manager,
            manager_changed=manager != previous_manager,
            reason=data.reason,
        )
        await uow.commit()
        return _state(customer, plan)


async def remove_designation(
    *, uow: CustomerUnitOfWork, customer_id: str, actor: Principal, reason: str | None = None
) -> KeyAccountState:
    """Remove the manual designation; a super or large customer stays a key account."""
    return await update_key_account(
        uow=uow,
        customer_id=customer_id,
        data=KeyAccountUpdate(designated=False, reason=reason),
        actor=actor,
    )


def _state(customer: Any, plan: KeyAccountPlan | None) -> KeyAccountState:
    return KeyAccountState(
        customer_id=customer.id,
        key_account=customer.key_account,
        manual=customer.key_account_manual,
        tier=customer.tier,
        manager=plan.manager if plan else None,
        service_plan=plan.service_plan if plan else None,
        version=customer.version,
    )


def _reasons(row: RowMapping, settings: AnalyticsSettings, months: int) -> list[Reason]:
    out: list[Reason] = []
    prev, cur = money(row["watch_revenue_previous"]), money(row["watch_revenue"])
    if prev > 0 and prev - cur >= prev * settings.watch_revenue_drop:
        drop = ((prev - cur) / prev * 100).quantize(Decimal("0.1"))
        out.append(
            Reason(
                code="revenue_falling",
                detail=f"revenue of the last {months} months {cur} is {drop}% below "
                f"the {months} months before ({prev})",
            )
        )
    if row["satisfaction_trend"] == "falling":
        out.append(Reason(code="satisfaction_falling", detail="satisfaction trend is falling"))
    csat = row["latest_csat"]
    if csat is not None and csat < settings.watch_min_csat:
        out.append(
            Reason(
                code="low_satisfaction",
                detail=f"latest CSAT {csat} is below {settings.watch_min_csat}",
            )
        )
    return out


def _read(row: RowMapping, *, total_revenue: Any, settings: AnalyticsSettings) -> KeyAccountRead:
    revenue, previous = money(row["revenue"]), money(row["revenue_previous"])
    reasons = _reasons(row, settings, settings.watch_months)
    flags: list[RiskFlag] = [r.code for r in reasons]
    if row["manager"] is None:
        flags.append("no_manager")
    if row["complaints_open"]:
        flags.append("open_complaints")
    if row["sla_breaches"]:
        flags.append("sla_breaches")
    return KeyAccountRead(
        customer_id=row["customer_id"],
        number=row["number"],
        name=row["name"],
        tier=row["tier"],
        manual=bool(row["manual"]),
        region_class=row["region_class"],
        industry=row["industry"],
        dealer_id=row["dealer_id"],
        manager=row["manager"],
        service_plan=row["service_plan"],
        revenue=revenue,
        revenue_previous=previous,
        revenue_share=ratio(revenue, total_revenue),
        growth=ratio(revenue - previous, previous) if previous > 0 else None,
        watch_revenue=money(row["watch_revenue"]),
        watch_revenue_previous=money(row["watch_revenue_previous"]),
        latest_csat=row["latest_csat"],
        latest_nps=row["latest_nps"],
        satisfaction_trend=row["satisfaction_trend"],
        complaints_open=int(row["complaints_open"] or 0),
        sla_breaches=int(row["sla_breaches"] or 0),
        risk_flags=flags,
        reasons=reasons,
    )


async def key_accounts_page(
    *,
    uow: CustomerUnitOfWork,
    windows: Windows,
    filters: Filters,
    settings: AnalyticsSettings,
    manager: str | None,
    watch_only: bool,
    sort: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[KeyAccountRead], str | None]:
    """Key accounts (or only those on the watch list), one keyset page."""
    sub = reports.key_accounts_select(windows, filters, manager=manager).subquery("k")
    stmt = select(sub)
    if watch_only:
        stmt = stmt.where(
            reports.watch_condition(
                sub, drop=settings.watch_revenue_drop, min_csat=settings.watch_min_csat
            )
        )
    descending = sort == "revenue"
    tag = f"key-accounts:{sort}"
    stmt = apply_keyset(
        stmt,
        [sub.c[sort], sub.c.customer_id],
        cursor=cursor,
        limit=limit,
        descending=descending,
        sort=tag,
    )
    async with uow:
        rows = await uow.reports.rows(stmt)
        total = await uow.reports.scalar(reports.total_revenue_select(windows))
    items, next_cursor = page_from_rows(
        rows, limit=limit, key=lambda r: [r[sort], r["customer_id"]], sort=tag
    )
    return [_read(r, total_revenue=total, settings=settings) for r in items], next_cursor
