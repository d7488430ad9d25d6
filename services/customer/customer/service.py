"""Use cases of a customer's lifecycle: register, change, archive, restore, merge, erase.

Each takes the unit of work (``uow.customers``, ``uow.ledger``...) and commits through it;
the ``Customer`` aggregate applies the change and records its event. Lists and reports are
in :mod:`customer.lists`, the contact log and history in :mod:`customer.contacts`, the
customer card in :mod:`customer.card`. Unit tests: ``tests/customer/unit/test_lifecycle.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from customer.credit.service import refresh_credit
from customer.domain import classify_region
from customer.models import Customer, CustomerAddress
from customer.records import CustomerHistory
from customer.schemas import Address, CustomerCreate, CustomerUpdate
from customer.settings import CustomerSettings
from kefu_shared.auth import Principal
from kefu_shared.db import utcnow, violates_unique
from kefu_shared.errors import BusinessRuleViolation, Conflict, Forbidden, InvalidInput
from kefu_shared.http.etag import check_if_match

if TYPE_CHECKING:
    from customer.uow import CustomerUnitOfWork


def address_rows(addresses: list[Address], settings: CustomerSettings) -> list[CustomerAddress]:
    """Address rows in the given order, each with its region class (local / out of town /
    international, from the factory's home in ``settings``) unless one was given."""
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


def _history(
    uow: CustomerUnitOfWork,
    customer: Customer,
    actor: Principal,
    action: str,
    *,
    fields: list[str] | None = None,
    reason: str | None = None,
    related: list[str] | None = None,
) -> None:
    uow.customers.add_history(
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
    """The dealer of a customer a dealer registers or changes: always its own."""
    if actor.is_dealer:
        if requested and requested != actor.dealer_id:
            raise Forbidden("a dealer can only register and change its own customers")
        return actor.dealer_id
    return requested


async def _ensure_credit_code_free(
    uow: CustomerUnitOfWork, code: str | None, *, owner: Customer | None = None
) -> None:
    if not code:
        return
    other = await uow.customers.by_credit_code(code)
    if other is not None and (owner is None or other.id != owner.id):
        raise _credit_code_taken()


def _credit_code_taken() -> Conflict:
    return Conflict(
        "a customer with this unified social credit code exists",
        errors=[{"field": "credit_code", "message": "already registered"}],
    )


@asynccontextmanager
async def _credit_code_race() -> AsyncIterator[None]:
    """A concurrent request may register the same code between our check and our insert:
    the unique index refuses it, and the loser gets the same 409 as a sequential caller."""
    try:
        yield
    except IntegrityError as exc:
        if violates_unique(exc, "credit_code"):
            raise _credit_code_taken() from None
        raise


async def register_customer(
    *,
    uow: CustomerUnitOfWork,
    data: CustomerCreate,
    actor: Principal,
    settings: CustomerSettings,
) -> Customer:
    """Create a customer with a new customer number; emits ``customer.registered``."""
    dealer_id = _scope_dealer(actor, data.dealer_id)
    async with _credit_code_race(), uow:
        await _ensure_credit_code_free(uow, data.credit_code)
        seq = await uow.customers.next_number()
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
        customer.phone_primary = data.phones[0] if data.phones else None
        if data.source is None and dealer_id:
            customer.source = "dealer"
        customer.set_addresses(address_rows(data.addresses or [], settings))
        uow.customers.add(customer)
        if customer.tags:  # a new customer has no tag rows to replace: skip the DELETE
            await uow.customers.set_tags(customer.id, customer.tags)
        customer.registered()
        _history(uow, customer, actor, "registered")
        await uow.commit()
        return customer


async def get_customer(*, uow: CustomerUnitOfWork, customer_id: str, actor: Principal) -> Customer:
    async with uow:
        return await uow.customers.get_visible(customer_id, actor)


async def update_customer(
    *,
    uow: CustomerUnitOfWork,
    customer_id: str,
    data: CustomerUpdate,
    if_match: str | None,
    actor: Principal,
    settings: CustomerSettings,
) -> Customer:
    """Change profile fields (JSON merge semantics); emits ``customer.updated``."""
    changes = data.model_dump(exclude_unset=True)
    async with _credit_code_race(), uow:
        customer = await uow.customers.get_visible(customer_id, actor, for_update=True)
        check_if_match(if_match, customer.etag)
        customer.check_update(changes)
        if "dealer_id" in changes:
            changes["dealer_id"] = _scope_dealer(actor, changes["dealer_id"])
        await _ensure_credit_code_free(uow, changes.get("credit_code"), owner=customer)
        if "contacts" in changes:
            changes["contacts"] = [c.model_dump(mode="json") for c in data.contacts or []]
        if "addresses" in changes:
            changes["addresses"] = address_rows(data.addresses or [], settings)
        changed = customer.update(changes)
        if not changed:
            return customer
        if "tags" in changed:
            await uow.customers.set_tags(customer.id, customer.tags)
        _history(uow, customer, actor, "updated", fields=changed)
        await uow.commit()
        return customer


async def archive_customer(
    *,
    uow: CustomerUnitOfWork,
    customer_id: str,
    if_match: str | None,
    reason: str | None,
    actor: Principal,
) -> Customer:
    """Deactivate (archive) a customer; its history stays. Emits ``customer.archived``."""
    async with uow:
        customer = await uow.customers.get_visible(customer_id, actor, for_update=True)
        check_if_match(if_match, customer.etag)
        customer.archive(reason=reason)
        _history(uow, customer, actor, "archived", reason=reason)
        await uow.commit()
        return customer


async def restore_customer(
    *, uow: CustomerUnitOfWork, customer_id: str, if_match: str | None, actor: Principal
) -> Customer:
    async with uow:
        customer = await uow.customers.get_visible(customer_id, actor, for_update=True)
        check_if_match(if_match, customer.etag)
        customer.restore()
        _history(uow, customer, actor, "restored")
        await uow.commit()
        return customer


async def merge_customers(
    *,
    uow: CustomerUnitOfWork,
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
        survivor = await uow.customers.get_visible(surviving_id, actor, for_update=True)
        check_if_match(if_match, survivor.etag)
        if survivor.status != "active":
            raise BusinessRuleViolation(f"the surviving customer is {survivor.status}")
        duplicates = await uow.customers.get_many_visible(ids, actor)
        # The credit code is unique: free it on the duplicates before the survivor takes it.
        codes = [d.credit_code for d in duplicates if d.credit_code]
        await uow.customers.release_credit_codes(duplicates)
        if survivor.credit_code is None and codes:
            survivor.credit_code = codes[0]
        filled = survivor.absorb(duplicates)
        _history(uow, survivor, actor, "merged", fields=filled, related=ids)
        for duplicate in duplicates:
            _history(uow, duplicate, actor, "merged_into", related=[survivor.id])
        await uow.customers.set_tags(survivor.id, survivor.tags)
        for duplicate in duplicates:
            await uow.customers.set_tags(duplicate.id, [])
        await uow.ledger.move_customers(ids, survivor.id)
        await uow.analytics.merge_service_history(
            survivor_id=survivor.id, merged_ids=ids, settings=settings.analytics
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
    *, uow: CustomerUnitOfWork, customer_id: str, if_match: str | None, actor: Principal
) -> Customer:
    """Erase personal data but keep statistics (number, class, ledger). ``customer.erased``."""
    async with uow:
        customer = await uow.customers.get_visible(customer_id, actor, for_update=True)
        check_if_match(if_match, customer.etag)
        customer.erase()
        _history(uow, customer, actor, "erased")
        await uow.customers.set_tags(customer.id, [])
        await uow.commit()
        return customer
