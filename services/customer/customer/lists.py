"""Use cases of the customer lists and reports: the customer list (客户一览表), the address
and grade classifications (客户地址分类表 / 客户等级分类表) and likely duplicates. The
dealer scope is applied by the repository's queries (``CustomerFilter.apply``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from customer.models import Customer
from customer.repository import CustomerFilter
from kefu_shared.auth import Principal
from kefu_shared.visibility import dealer_scope

if TYPE_CHECKING:
    from customer.repository import CustomerSort
    from customer.uow import CustomerUnitOfWork


async def list_customers(
    *,
    uow: CustomerUnitOfWork,
    flt: CustomerFilter,
    actor: Principal,
    sort: CustomerSort,
    limit: int,
    cursor: str | None,
) -> tuple[list[Customer], str | None]:
    async with uow:
        return await uow.customers.list_page(
            flt, actor=actor, sort=sort, limit=limit, cursor=cursor
        )


async def address_classification(
    *, uow: CustomerUnitOfWork, flt: CustomerFilter, group_by: Sequence[str], actor: Principal
) -> list[dict[str, Any]]:
    async with uow:
        return await uow.customers.address_classification(flt, actor=actor, group_by=group_by)


async def grade_classification(
    *, uow: CustomerUnitOfWork, flt: CustomerFilter, actor: Principal
) -> list[dict[str, Any]]:
    """Customers per tier, best first; customers without a revenue class yet (never bought,
    never contacted) are in no row and no share."""
    async with uow:
        rows = [r for r in await uow.customers.grade_classification(flt, actor=actor) if r["tier"]]
    total = sum(int(r["customers"]) for r in rows) or 1
    order = ["super", "large", "medium", "small", "inactive", "potential"]
    by_tier = {r["tier"]: r for r in rows}
    return [
        {
            "tier": tier,
            "customers": int(by_tier.get(tier, {}).get("customers") or 0),
            "key_accounts": int(by_tier.get(tier, {}).get("key_accounts") or 0),
            "companies": int(by_tier.get(tier, {}).get("companies") or 0),
            "share": round(int(by_tier.get(tier, {}).get("customers") or 0) / total, 4),
        }
        for tier in order
    ]


async def duplicate_groups(
    *, uow: CustomerUnitOfWork, actor: Principal, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Groups of likely duplicates (same phone, or same name in the same city)."""
    dealer = dealer_scope(actor)
    async with uow:
        groups = await uow.customers.duplicate_groups(
            dealer_id=dealer, limit=limit, offset_key=cursor
        )
        next_key = groups[limit - 1]["key"] if len(groups) > limit else None
        out = []
        for g in groups[:limit]:
            members = await uow.customers.members_of_group(
                g["reason"], g["value"], dealer_id=dealer
            )
            out.append(
                {
                    "reason": g["reason"],
                    "value": g["value"],
                    "count": int(g["n"]),
                    "customers": [
                        {
                            "id": m.id,
                            "number": m.number,
                            "name": m.name,
                            "city": m.city,
                            "phone": m.phone_primary,
                        }
                        for m in members
                    ],
                }
            )
    return out, next_key
