"""Use cases of a customer's lifecycle against the in-memory unit of work: register,
update, merge, erase, first contact. What they committed (events, history, tags) is what is asserted."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from customer import contacts, service
from customer.credit.account import LedgerFacts
from customer.credit.domain import OpenInvoice
from customer.models import Customer
from customer.schemas import CustomerCreate, CustomerUpdate, InteractionCreate
from customer.settings import CustomerSettings
from kefu_shared.errors import (
    BusinessRuleViolation,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from tests.customer.unit.conftest import person
from tests.customer.unit.fakes import FakeCustomerUnitOfWork

CODE = "91330100MA27XL0E2G"  # a valid unified social credit code


async def register(
    uow: FakeCustomerUnitOfWork, settings: CustomerSettings, role: str = "agent", **body: Any
) -> Customer:
    body.setdefault("kind", "individual")
    body.setdefault("name", "Test Customer")
    actor = person(role, dealer_id=body.pop("as_dealer", None))
    return await service.register_customer(
        uow=uow, data=CustomerCreate(**body), actor=actor, settings=settings
    )


# --- register -----------------------------------------------------------------------------


async def test_register_numbers_customers_and_emits_registered(
    uow: FakeCustomerUnitOfWork, settings: CustomerSettings
) -> None:
    first = await register(
        uow,
        settings,
        kind="company",
        name="杭州泵业有限公司",
        credit_code=CODE,
        phones=["0571-88886666", "0571-1"],
        tags=["pumps"],
        addresses=[
            {"province": "浙江省", "city": "杭州市"},
            {"province": "江苏省", "city": "苏州市"},
        ],
    )
    second = await register(uow, settings, name="Second")
    assert (first.number, second.number) == ("C00000001", "C00000002")
    assert first.phone_primary == "0571-88886666"
    # The first address is the primary one; its region class comes from the factory's home.
    assert (first.city, first.region_class) == ("杭州市", "local")
    assert [a.region_class for a in first.addresses] == ["local", "out_of_town"]
    assert uow.customers.tags[first.id] == ["pumps"]
    registered = uow.events("customer.registered")
    assert [e.id for e in registered] == [first.id, second.id]  # type: ignore[attr-defined]
    assert uow.customers.actions(first.id) == ["registered"]


async def test_register_refuses_a_taken_credit_code_and_commits_nothing(
    uow: FakeCustomerUnitOfWork, settings: CustomerSettings
) -> None:
    await register(uow, settings, kind="company", name="A", credit_code=CODE)
    commits = uow.commits
    with pytest.raises(Conflict) as exc:
        await register(uow, settings, kind="company", name="B", credit_code=CODE)
    assert exc.value.extensions["errors"][0]["field"] == "credit_code"
    assert uow.commits == commits and len(uow.customers.rows) == 1


async def test_a_dealer_registers_only_its_own_customers(
    uow: FakeCustomerUnitOfWork, settings: CustomerSettings
) -> None:
    mine = await register(uow, settings, role="dealer", as_dealer="D1")
    assert (mine.dealer_id, mine.source) == ("D1", "dealer")
    with pytest.raises(Forbidden):
        await register(uow, settings, role="dealer", as_dealer="D1", dealer_id="D2")


# --- update -------------------------------------------------------------------------------


async def test_update_changes_fields_and_names_them_in_the_event(
    uow: FakeCustomerUnitOfWork, settings: CustomerSettings
) -> None:
    c = await register(uow, settings, phones=["13800000001"], tags=["a"])
    etag = c.etag
    updated = await service.update_customer(
        uow=uow,
        customer_id=c.id,
        data=CustomerUpdate(industry="retail", phones=None, tags=["b", "c"]),
        if_match=etag,
        actor=person(),
        settings=settings,
    )
    assert updated.etag != etag
    assert (updated.industry, updated.phones, updated.phone_primary) == ("retail", [], None)
    assert uow.customers.tags[c.id] == ["b", "c"]
    (event,) = uow.events("customer.updated")
    assert event.changed == ["industry", "phones", "tags"]  # type: ignore[attr-defined]
    assert uow.customers.actions(c.id) == ["registered", "updated"]


async def test_update_without_a_real_change_commits_nothing(
    uow: FakeCustomerUnitOfWork, settings: CustomerSettings
) -> None:
    c = await register(uow, settings, industry="retail")
    commits, version = uow.commits, c.version
    await service.update_customer(
        uow=uow,
        customer_id=c.id,
        data=CustomerUpdate(industry="retail"),
        if_match=c.etag,
        actor=person(),
        settings=settings,
    )
    assert (uow.commits, c.version) == (commits, version)
    assert uow.events("customer.updated") == []


async def test_update_needs_the_current_etag_and_keeps_required_fields(
    uow: FakeCustomerUnitOfWork, settings: CustomerSettings
) -> None:
    c = await register(uow, settings)

    async def update(if_match: str | None, **fields: Any) -> Customer:
        return await service.update_customer(
            uow=uow,
            customer_id=c.id,
            data=CustomerUpdate(**fields),
            if_match=if_match,
            actor=person(),
            settings=settings,
        )

    with pytest.raises(PreconditionRequired):
        await update(None, industry="retail")
    with pytest.raises(PreconditionFailed):
        await update('"stale.1"', industry="retail")
    with pytest.raises(InvalidInput) as exc:
        await update(c.etag, name=None)
    assert exc.value.extensions["errors"][0]["field"] == "name"
    with pytest.raises(InvalidInput):
        await update(c.etag, credit_code=CODE)  # an individual has no credit code
    assert c.industry is None and uow.events("customer.updated") == []


async def test_another_dealers_customer_is_not_found(
    uow: FakeCustomerUnitOfWork, settings: CustomerSettings
) -> None:
    theirs = await register(uow, settings, role="dealer", as_dealer="D2")
    with pytest.raises(NotFound):
        await service.get_customer(
            uow=uow, customer_id=theirs.id, actor=person("dealer", dealer_id="D1")
        )


# --- merge --------------------------------------------------------------------------------


async def test_merge_fills_gaps_moves_ledger_and_reevaluates_credit(
    uow: FakeCustomerUnitOfWork, settings: CustomerSettings
) -> None:
    survivor = await register(
        uow, settings, kind="company", name="Pump Co", phones=["0571-88886661"]
    )
    dup = await register(
        uow,
        settings,
        kind="company",
        name="Pump Co.",
        credit_code=CODE,
        phones=["0571-88886662"],
        email="a@b.cn",
    )
    long_ago = date.today() - timedelta(days=200)
    uow.credit.facts[survivor.id] = LedgerFacts([OpenInvoice(long_ago, Decimal(500))])
    merged = await service.merge_customers(
        uow=uow,
        surviving_id=survivor.id,
        merge_ids=[dup.id],
        if_match=survivor.etag,
        actor=person("service_manager"),
        settings=settings,
    )
    assert (merged.credit_code, merged.email, merged.phones) == (
        CODE,
        "a@b.cn",
        ["0571-88886661", "0571-88886662"],
    )
    assert (dup.status, dup.merged_into, dup.credit_code) == ("merged", survivor.id, None)
    assert uow.ledger.moves == [([dup.id], survivor.id)]
    assert uow.analytics.merges == [(survivor.id, [dup.id])]
    (event,) = uow.events("customer.merged")
    assert event.merged_ids == [dup.id]  # type: ignore[attr-defined]
    # The survivor's ledger holds an invoice 200 days overdue: re-evaluated, it is held.
    held = [e for e in uow.events("customer.credit_changed") if e.on_hold]  # type: ignore[attr-defined]
    assert [e.id for e in held] == [survivor.id]  # type: ignore[attr-defined]
    assert uow.customers.actions(dup.id)[-1] == "merged_into"
    assert uow.customers.tags[dup.id] == []


async def test_merge_of_another_dealers_customer_finds_nothing_and_changes_nothing(
    uow: FakeCustomerUnitOfWork, settings: CustomerSettings
) -> None:
    mine = await register(uow, settings, role="dealer", as_dealer="D1")
    theirs = await register(uow, settings, role="dealer", as_dealer="D2")
    commits = uow.commits
    with pytest.raises(NotFound):
        await service.merge_customers(
            uow=uow,
            surviving_id=mine.id,
            merge_ids=[theirs.id],
            if_match=mine.etag,
            actor=person("dealer", dealer_id="D1"),
            settings=settings,
        )
    assert uow.commits == commits and theirs.status == "active"
    with pytest.raises(InvalidInput):
        await service.merge_customers(
            uow=uow,
            surviving_id=mine.id,
            merge_ids=[mine.id],
            if_match=mine.etag,
            actor=person("service_manager"),
            settings=settings,
        )


# --- erase --------------------------------------------------------------------------------


async def test_erase_removes_personal_data_and_keeps_the_number(
    uow: FakeCustomerUnitOfWork, settings: CustomerSettings
) -> None:
    c = await register(
        uow,
        settings,
        name="王小明",
        phones=["13800000138"],
        email="w@x.cn",
        tags=["vip"],
        addresses=[{"province": "浙江省", "city": "杭州市", "street": "文三路 1 号"}],
    )
    erased = await service.erase_customer(
        uow=uow, customer_id=c.id, if_match=c.etag, actor=person("admin")
    )
    assert erased.name == f"(erased {c.number})" and erased.number == c.number
    assert (erased.phones, erased.email, erased.status) == ([], None, "erased")
    assert erased.addresses[0].street is None and erased.addresses[0].city == "杭州市"
    assert uow.customers.tags[c.id] == []
    assert [e.id for e in uow.events("customer.erased")] == [c.id]  # type: ignore[attr-defined]
    with pytest.raises(BusinessRuleViolation):
        await service.erase_customer(
            uow=uow, customer_id=c.id, if_match=erased.etag, actor=person("admin")
        )


# --- first contact ------------------------------------------------------------------------


async def test_a_first_contact_makes_a_customer_without_purchases_potential(
    uow: FakeCustomerUnitOfWork, settings: CustomerSettings
) -> None:
    c = await register(uow, settings)
    assert c.tier is None  # never bought, never contacted: no revenue class
    for kind in ("inquiry", "visit"):
        await contacts.record_interaction(
            uow=uow, customer_id=c.id, data=InteractionCreate(kind=kind), actor=person()
        )
    assert c.tier == "potential" and len(uow.customers.interactions) == 2
    (event,) = uow.events("customer.updated")  # the second contact changes nothing
    assert (event.tier, event.changed) == ("potential", ["tier"])  # type: ignore[attr-defined]
