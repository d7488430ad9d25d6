"""Use cases of customer profiles. Each takes a unit of work and commits through it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from customer.analytics.merge import merge_service_history
from customer.analytics.service import service_profile
from customer.card import build_card
from customer.credit.service import get_profile as get_credit_profile
from customer.credit.service import refresh_credit
from customer.domain import classify_region
from customer.ledger.models import Order, Payment
from customer.models import (
    Customer,
    CustomerAddress,
    CustomerHistory,
    CustomerInteraction,
    platform,
)
from customer.repository import CustomerFilter, CustomerRepository
from customer.schemas import Address, CustomerCreate, CustomerUpdate, InteractionCreate
from customer.settings import CustomerSettings
from kefu_shared.auth import Principal
from kefu_shared.db import utcnow
from kefu_shared.errors import BusinessRuleViolation, Conflict, Forbidden, InvalidInput
from kefu_shared.http.etag import check_if_match
from kefu_shared.http.pagination import apply_keyset, page_from_rows
from kefu_shared.numbering import next_number
from kefu_shared.uow import UnitOfWork
from kefu_shared.visibility import dealer_scope

# Ledger rows follow a customer when duplicates are merged.
MOVED_ON_MERGE = (Order, Payment)


def _address_rows(addresses: list[Address], settings: CustomerSettings) -> list[CustomerAddress]:
    rows = []
    for pos, a in enumerate(addresses):
        region = a.region_class or classify_region(
            country=a.country,
            province=a.province,
            city=a.city,
            home_country=settings.home_country,
            home_province=settings.home_province,
            home_city=settings.home_city,
        )
        rows.append(
            CustomerAddress(
                **a.model_dump(exclude={"region_class"}), region_class=region, position=pos
            )
        )
    return rows


def _apply_primary_address(customer: Customer, rows: list[CustomerAddress]) -> None:
    primary = rows[0] if rows else None
    customer.province = primary.province if primary else None
    customer.city = primary.city if primary else None
    customer.district = primary.district if primary else None
    customer.region_class = primary.region_class if primary else None
    customer.area_class = primary.area_class if primary else None


def _history(
    uow: UnitOfWork,
    customer: Customer,
    actor: Principal,
    action: str,
    *,
    fields: list[str] | None = None,
    reason: str | None = None,
    related: list[str] | None = None,
) -> None:
    uow.session.add(
        CustomerHistory(
            customer_id=customer.id,
            at=utcnow(),
            actor=actor.user_id,
            action=action,
            fields=sorted(fields or []),
            reason=reason,
            related_ids=related or [],
        )
    )


def _scope_dealer(actor: Principal, requested: str | None) -> str | None:
    if actor.is_dealer:
        if requested and requested != actor.dealer_id:
            raise Forbidden("a dealer can only register and change its own customers")
        return actor.dealer_id
    return requested


async def register_customer(
    *, uow: UnitOfWork, data: CustomerCreate, actor: Principal, settings: CustomerSettings
) -> Customer:
    """Create a customer with a new customer number; emits ``customer.registered``."""
    dealer_id = _scope_dealer(actor, data.dealer_id)
    async with uow:
        repo = CustomerRepository(uow.session)
        if data.credit_code and await repo.by_credit_code(data.credit_code):
            raise Conflict(
                "a customer with this unified social credit code exists",
                errors=[{"field": "credit_code", "message": "already registered"}],
            )
        seq = await next_number(uow.session, platform.sequences, "customer")
        fields: dict[str, Any] = data.model_dump(
            exclude={"addresses", "contacts"}, exclude_none=True
        )
        fields["dealer_id"] = dealer_id
        customer = Customer(
            **fields,
            number=f"{settings.number_prefix}{seq:08d}",
            contacts=[c.model_dump(mode="json") for c in data.contacts or []],
            created_by=actor.user_id,
        )
        customer.phone_primary = (data.phones or [None])[0]
        if data.source is None and dealer_id:
            customer.source = "dealer"
        rows = _address_rows(data.addresses or [], settings)
        customer.addresses = rows
        _apply_primary_address(customer, rows)
        repo.add(customer)
        await repo.set_tags(customer.id, customer.tags)
        customer.registered()
        _history(uow, customer, actor, "registered")
        await uow.commit()
        return customer


async def get_customer(*, uow: UnitOfWork, customer_id: str, actor: Principal) -> Customer:
    async with uow:
        return await CustomerRepository(uow.session).get_visible(customer_id, actor)


async def list_customers(
    *,
    uow: UnitOfWork,
    flt: CustomerFilter,
    actor: Principal,
    sort: str,
    limit: int,
    cursor: str | None,
) -> tuple[list[Customer], str | None]:
    async with uow:
        return await CustomerRepository(uow.session).list_page(
            flt, actor=actor, sort=sort, limit=limit, cursor=cursor
        )


async def update_customer(
    *,
    uow: UnitOfWork,
    customer_id: str,
    data: CustomerUpdate,
    if_match: str | None,
    actor: Principal,
    settings: CustomerSettings,
) -> Customer:
    """Change profile fields (JSON merge semantics); emits ``customer.updated``."""
    changes = data.model_dump(exclude_unset=True)
    async with uow:
        repo = CustomerRepository(uow.session)
        customer = await repo.get_visible(customer_id, actor, for_update=True)
        check_if_match(if_match, customer.etag)
        if customer.status not in ("active", "archived"):
            raise BusinessRuleViolation(f"customer is {customer.status} and cannot be changed")
        if "dealer_id" in changes:
            changes["dealer_id"] = _scope_dealer(actor, changes["dealer_id"])
        if changes.get("credit_code"):
            if customer.kind != "company":
                raise InvalidInput(
                    "an individual customer has no unified social credit code",
                    errors=[{"field": "credit_code", "message": "companies only"}],
                )
            other = await repo.by_credit_code(changes["credit_code"])
            if other is not None and other.id != customer.id:
                raise Conflict(
                    "a customer with this unified social credit code exists",
                    errors=[{"field": "credit_code", "message": "already registered"}],
                )
        for required in ("name",):
            if required in changes and changes[required] is None:
                raise InvalidInput(
                    f"{required} cannot be removed",
                    errors=[{"field": required, "message": "required"}],
                )
        changed: list[str] = []
        addresses_given = "addresses" in changes
        contacts_given = "contacts" in changes
        changes.pop("addresses", None)
        changes.pop("contacts", None)
        for key, value in changes.items():
            if value is None and key in {
                "phones",
                "tags",
                "preferences",
                "products_owned",
                "bank_info",
            }:
                value = [] if key in {"phones", "tags", "products_owned"} else {}
            if getattr(customer, key) != value:
                setattr(customer, key, value)
                changed.append(key)
        if "phones" in changed:
            customer.phone_primary = (customer.phones or [None])[0]
        if "tags" in changed:
            await repo.set_tags(customer.id, customer.tags)
        if contacts_given:
            customer.contacts = [c.model_dump(mode="json") for c in data.contacts or []]
            changed.append("contacts")
        if addresses_given:
            rows = _address_rows(data.addresses or [], settings)
            customer.addresses = rows
            _apply_primary_address(customer, rows)
            changed.append("addresses")
        if not changed:
            return customer
        customer.changed(changed)
        _history(uow, customer, actor, "updated", fields=changed)
        await uow.commit()
        return customer


async def archive_customer(
    *, uow: UnitOfWork, customer_id: str, if_match: str | None, reason: str | None, actor: Principal
) -> Customer:
    """Deactivate (archive) a customer; its history stays. Emits ``customer.archived``."""
    async with uow:
        customer = await CustomerRepository(uow.session).get_visible(
            customer_id, actor, for_update=True
        )
        check_if_match(if_match, customer.etag)
        customer.archive(reason=reason)
        _history(uow, customer, actor, "archived", reason=reason)
        await uow.commit()
        return customer


async def restore_customer(
    *, uow: UnitOfWork, customer_id: str, if_match: str | None, actor: Principal
) -> Customer:
    async with uow:
        customer = await CustomerRepository(uow.session).get_visible(
            customer_id, actor, for_update=True
        )
        check_if_match(if_match, customer.etag)
        customer.restore()
        _history(uow, customer, actor, "restored")
        await uow.commit()
        return customer


async def merge_customers(
    *,
    uow: UnitOfWork,
    surviving_id: str,
    merge_ids: list[str],
    if_match: str | None,
    actor: Principal,
    settings: CustomerSettings,
) -> Customer:
    """Merge duplicates into one customer: profile gaps filled, lists united, ledger moved;
    the duplicates become tombstones pointing at the survivor. Emits ``customer.merged``."""
    ids = list(dict.fromkeys(merge_ids))
    if not ids:
        raise InvalidInput(
            "name at least one customer to merge",
            errors=[{"field": "merge_ids", "message": "empty"}],
        )
    if surviving_id in ids:
        raise InvalidInput(
            "a customer cannot be merged into itself",
            errors=[{"field": "merge_ids", "message": "contains the surviving customer"}],
        )
    async with uow:
        repo = CustomerRepository(uow.session)
        survivor = await repo.get_visible(surviving_id, actor, for_update=True)
        check_if_match(if_match, survivor.etag)
        if survivor.status != "active":
            raise BusinessRuleViolation(f"the surviving customer is {survivor.status}")
        ordered = await repo.get_many_visible(ids, actor)
        # The credit code is unique: free it on the duplicates before the survivor takes it.
        codes = [o.credit_code for o in ordered if o.credit_code]
        for other in ordered:
            other.credit_code = None
        await uow.session.flush()
        if survivor.credit_code is None and codes:
            survivor.credit_code = codes[0]
        filled = survivor.absorb(ordered)
        _history(uow, survivor, actor, "merged", fields=filled, related=ids)
        for other in ordered:
            _history(uow, other, actor, "merged_into", related=[survivor.id])
        await repo.set_tags(survivor.id, survivor.tags)
        for other in ordered:
            await repo.set_tags(other.id, [])
        for model in MOVED_ON_MERGE:
            await uow.session.execute(
                update(model).where(model.customer_id.in_(ids)).values(customer_id=survivor.id)
            )
        await merge_service_history(
            uow.session, survivor_id=survivor.id, merged_ids=ids, settings=settings.analytics
        )
        # The ledger moved: receivables, rating and hold of everyone involved change.
        await refresh_credit(
            uow=uow,
            customer_ids=[survivor.id, *ids],
            actor=actor,
            reason="customers merged",
            policy=settings.credit,
        )
        await uow.commit()
        return survivor


async def erase_customer(
    *, uow: UnitOfWork, customer_id: str, if_match: str | None, actor: Principal
) -> Customer:
    """Erase personal data but keep statistics (number, class, ledger). ``customer.erased``."""
    async with uow:
        repo = CustomerRepository(uow.session)
        customer = await repo.get_visible(customer_id, actor, for_update=True)
        check_if_match(if_match, customer.etag)
        customer.erase()
        _history(uow, customer, actor, "erased")
        for address in customer.addresses:
            address.street = None
            address.postal_code = None
        await repo.set_tags(customer.id, [])
        await uow.commit()
        return customer


async def address_classification(
    *, uow: UnitOfWork, flt: CustomerFilter, group_by: list[str], actor: Principal
) -> list[dict[str, Any]]:
    async with uow:
        return await CustomerRepository(uow.session).address_classification(
            flt, actor=actor, group_by=group_by
        )


async def grade_classification(
    *, uow: UnitOfWork, flt: CustomerFilter, actor: Principal
) -> list[dict[str, Any]]:
    async with uow:
        rows = await CustomerRepository(uow.session).grade_classification(flt, actor=actor)
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
    *, uow: UnitOfWork, actor: Principal, limit: int, after: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Groups of likely duplicates (same phone, or same name in the same city)."""
    dealer = dealer_scope(actor)
    async with uow:
        repo = CustomerRepository(uow.session)
        groups = await repo.duplicate_groups(dealer_id=dealer, limit=limit, offset_key=after)
        next_key = groups[limit - 1]["key"] if len(groups) > limit else None
        out = []
        for g in groups[:limit]:
            members = await repo.members_of_group(g["reason"], g["value"], dealer_id=dealer)
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


async def customer_card(
    *,
    uow: UnitOfWork,
    customer_id: str,
    actor: Principal,
    settings: CustomerSettings,
    today: date | None = None,
) -> dict[str, Any]:
    """The customer card (客户管理卡) as one JSON document: profile, classification, sales,
    credit, service history and satisfaction."""
    async with uow:
        customer = await CustomerRepository(uow.session).get_visible(customer_id, actor)
        card = await build_card(uow.session, customer, today=today or date.today())
    credit = await get_credit_profile(
        uow=uow, customer_id=customer_id, actor=actor, policy=settings.credit
    )
    card["credit"] = {
        key: (str(value) if isinstance(value, Decimal) else value)
        for key, value in credit.items()
        if key in CARD_CREDIT_FIELDS
    }
    service_history = await service_profile(
        uow=uow, customer_id=customer_id, actor=actor, settings=settings.analytics
    )
    card["service"] = service_history.model_dump(mode="json", exclude={"satisfaction_history"})
    card["satisfaction_history"] = [
        r.model_dump(mode="json") for r in service_history.satisfaction_history
    ]
    return card


CARD_CREDIT_FIELDS = (
    "rating",
    "score",
    "credit_limit",
    "payment_terms_days",
    "outstanding",
    "overdue_amount",
    "max_overdue_days",
    "on_hold",
    "hold_reason",
    "override_rating",
    "override_reason",
)


async def customer_history(
    *, uow: UnitOfWork, customer_id: str, actor: Principal, limit: int, cursor: str | None
) -> tuple[list[CustomerHistory], str | None]:
    """Lifecycle history (newest first)."""
    async with uow:
        await CustomerRepository(uow.session).get_visible(customer_id, actor)
        stmt = apply_keyset(
            select(CustomerHistory).where(CustomerHistory.customer_id == customer_id),
            [CustomerHistory.id],
            cursor=cursor,
            limit=limit,
            descending=True,
            sort="history",
        )
        rows = list((await uow.session.execute(stmt)).scalars().all())
        return page_from_rows(rows, limit=limit, key=lambda h: [h.id], sort="history")


async def record_interaction(
    *, uow: UnitOfWork, customer_id: str, data: InteractionCreate, actor: Principal
) -> CustomerInteraction:
    """Log a contact with the customer (inquiry, sample request, visit...)."""
    async with uow:
        customer = await CustomerRepository(uow.session).get_visible(customer_id, actor)
        if customer.status in ("merged", "erased"):
            raise BusinessRuleViolation(f"customer is {customer.status}")
        interaction = CustomerInteraction(
            customer_id=customer.id,
            kind=data.kind,
            at=data.at or utcnow(),
            channel=data.channel,
            product_line=data.product_line,
            notes=data.notes,
            created_by=actor.user_id,
            created_at=utcnow(),
        )
        uow.session.add(interaction)
        await uow.commit()
        return interaction


async def list_interactions(
    *,
    uow: UnitOfWork,
    customer_id: str,
    actor: Principal,
    kind: list[str],
    limit: int,
    cursor: str | None,
) -> tuple[list[CustomerInteraction], str | None]:
    """A customer's contacts, newest first."""
    async with uow:
        await CustomerRepository(uow.session).get_visible(customer_id, actor)
        stmt = select(CustomerInteraction).where(CustomerInteraction.customer_id == customer_id)
        if kind:
            stmt = stmt.where(CustomerInteraction.kind.in_(kind))
        stmt = apply_keyset(
            stmt,
            [CustomerInteraction.at, CustomerInteraction.id],
            cursor=cursor,
            limit=limit,
            descending=True,
            sort="interactions",
        )
        rows = list((await uow.session.execute(stmt)).scalars().all())
        return page_from_rows(rows, limit=limit, key=lambda i: [i.at, i.id], sort="interactions")
