"""Use cases of warranties, service agreements (售后服务协议书) and the response-time
standards matrix (服务响应时间标准). A ticket decides its warranty, fee and targets from
these when it is opened (ticket/service.py) and keeps them."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from kefu_shared.audit import AuditEntry, changes_between, snapshot
from kefu_shared.auth import Principal
from kefu_shared.errors import Conflict, InvalidInput, NotFound
from kefu_shared.http.etag import check_if_match
from ticket.catalog import ResponseStandard, ServiceAgreement, Warranty
from ticket.catalog_schemas import (
    AgreementCreate,
    AgreementUpdate,
    StandardCreate,
    StandardUpdate,
    WarrantyCheck,
    WarrantyCreate,
)
from ticket.rules import in_warranty, warranty_ends_on
from ticket.service import customer_for
from ticket.settings import TicketSettings

if TYPE_CHECKING:
    from ticket.uow import TicketUnitOfWork


def _audit(
    uow: TicketUnitOfWork,
    kind: str,
    ident: str,
    action: str,
    actor: Principal,
    changes: dict[str, Any] | None = None,
    fields: list[str] | None = None,
) -> None:
    uow.audit(
        AuditEntry(
            aggregate_type=kind,
            aggregate_id=ident,
            action=action,
            actor=actor.user_id,
            changes=changes or {},
            fields=fields,
        )
    )


# --- warranties ------------------------------------------------------------------------------


async def register_warranty(
    *, uow: TicketUnitOfWork, data: WarrantyCreate, actor: Principal, settings: TicketSettings
) -> Warranty:
    async with uow:
        customer = await customer_for(uow, data.customer_id, actor)
        if await uow.coverage.warranty_by_serial(data.serial_number) is not None:
            raise Conflict(
                f"serial {data.serial_number} already has a warranty",
                errors=[{"field": "serial_number", "message": "taken"}],
            )
        months = (
            data.months
            if data.months is not None
            else settings.warranty.months_for(data.product_line)
        )
        warranty = Warranty(
            serial_number=data.serial_number,
            product_model=data.product_model,
            product_line=data.product_line,
            customer_id=customer.id,
            dealer_id=customer.dealer_id,
            purchase_date=data.purchase_date,
            months=months,
            ends_on=warranty_ends_on(data.purchase_date, months),
            version=1,
        )
        uow.coverage.add(warranty)
        _audit(
            uow,
            "warranty",
            warranty.id,
            "registered",
            actor,
            fields=["serial_number", "purchase_date", "months"],
        )
        await uow.commit()
    return warranty


async def get_warranty(*, uow: TicketUnitOfWork, warranty_id: str, actor: Principal) -> Warranty:
    async with uow:
        return await uow.coverage.warranty_visible(warranty_id, actor)


async def check_warranty(
    *, uow: TicketUnitOfWork, serial_number: str, on: date, actor: Principal
) -> WarrantyCheck:
    """Is the serial in warranty on that day? (The last covered day is ``ends_on``.)"""
    async with uow:
        warranty = await uow.coverage.warranty_by_serial(serial_number)
        if warranty is None or not actor.can_see_dealer(warranty.dealer_id):
            raise NotFound(f"no warranty for serial {serial_number}")
        return WarrantyCheck(
            serial_number=serial_number,
            on=on,
            ends_on=warranty.ends_on,
            in_warranty=in_warranty(warranty.ends_on, on),
        )


async def list_warranties(
    *,
    uow: TicketUnitOfWork,
    actor: Principal,
    customer_id: str | None,
    serial_number: str | None,
    dealer_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Warranty], str | None]:
    async with uow:
        return await uow.coverage.warranties_page(
            actor=actor,
            customer_id=customer_id,
            serial_number=serial_number,
            dealer_id=dealer_id,
            cursor=cursor,
            limit=limit,
        )


# --- service agreements ----------------------------------------------------------------------


async def create_agreement(
    *, uow: TicketUnitOfWork, data: AgreementCreate, actor: Principal
) -> ServiceAgreement:
    async with uow:
        customer = await customer_for(uow, data.customer_id, actor)
        agreement = ServiceAgreement(
            customer_id=customer.id,
            dealer_id=customer.dealer_id,
            serial_number=data.serial_number,
            coverage=sorted(set(data.coverage)),
            parts_covered=bool(data.parts_covered),
            response_level=data.response_level or "standard",
            fee=data.fee if data.fee is not None else 0,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            version=1,
        )
        uow.coverage.add(agreement)
        _audit(
            uow,
            "service_agreement",
            agreement.id,
            "created",
            actor,
            fields=["coverage", "response_level", "fee", "starts_on", "ends_on"],
        )
        await uow.commit()
    return agreement


async def get_agreement(
    *, uow: TicketUnitOfWork, agreement_id: str, actor: Principal
) -> ServiceAgreement:
    async with uow:
        return await uow.coverage.agreement_visible(agreement_id, actor)


async def update_agreement(
    *,
    uow: TicketUnitOfWork,
    agreement_id: str,
    data: AgreementUpdate,
    if_match: str | None,
    actor: Principal,
) -> ServiceAgreement:
    changes = data.model_dump(exclude_unset=True)
    for required in ("coverage", "starts_on", "ends_on", "fee", "response_level", "parts_covered"):
        if required in changes and changes[required] is None:
            raise InvalidInput(
                f"{required} cannot be removed", errors=[{"field": required, "message": "required"}]
            )
    async with uow:
        agreement = await uow.coverage.agreement_visible(agreement_id, actor)
        check_if_match(if_match, agreement.etag)
        before = snapshot(agreement, list(changes))
        for key, value in changes.items():
            setattr(agreement, key, value)
        if agreement.ends_on < agreement.starts_on:
            raise InvalidInput(
                "ends_on is before starts_on",
                errors=[{"field": "ends_on", "message": "before starts_on"}],
            )
        diff = changes_between(before, snapshot(agreement, list(changes)))
        if diff:
            agreement.version += 1
            _audit(uow, "service_agreement", agreement.id, "updated", actor, changes=diff)
        await uow.commit()
    return agreement


async def list_agreements(
    *,
    uow: TicketUnitOfWork,
    actor: Principal,
    customer_id: str | None,
    dealer_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[ServiceAgreement], str | None]:
    async with uow:
        return await uow.coverage.agreements_page(
            actor=actor, customer_id=customer_id, dealer_id=dealer_id, cursor=cursor, limit=limit
        )


# --- response standards ----------------------------------------------------------------------


async def create_standard(
    *, uow: TicketUnitOfWork, data: StandardCreate, actor: Principal
) -> ResponseStandard:
    async with uow:
        if await uow.coverage.standard_cell(data.region_class, data.ticket_type, data.tier):
            raise Conflict(
                "this cell of the matrix exists; change it with PATCH",
                errors=[{"field": "tier", "message": "cell exists"}],
            )
        standard = ResponseStandard(**data.model_dump(), version=1)
        uow.coverage.add(standard)
        _audit(
            uow,
            "response_standard",
            standard.id,
            "created",
            actor,
            changes={k: {"from": None, "to": v} for k, v in data.model_dump().items()},
        )
        await uow.commit()
    return standard


async def _standard(uow: TicketUnitOfWork, standard_id: str) -> ResponseStandard:
    standard = await uow.coverage.standard(standard_id)
    if standard is None:
        raise NotFound(f"response standard {standard_id} not found")
    return standard


async def get_standard(*, uow: TicketUnitOfWork, standard_id: str) -> ResponseStandard:
    async with uow:
        return await _standard(uow, standard_id)


async def update_standard(
    *,
    uow: TicketUnitOfWork,
    standard_id: str,
    data: StandardUpdate,
    if_match: str | None,
    actor: Principal,
) -> ResponseStandard:
    """Change a cell; tickets already open keep the targets they were opened with."""
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None:
            raise InvalidInput(
                f"{key} cannot be removed", errors=[{"field": key, "message": "required"}]
            )
    async with uow:
        standard = await _standard(uow, standard_id)
        check_if_match(if_match, standard.etag)
        before = snapshot(standard, list(changes))
        for key, value in changes.items():
            setattr(standard, key, value)
        diff = changes_between(before, snapshot(standard, list(changes)))
        if diff:
            standard.version += 1
            _audit(uow, "response_standard", standard.id, "updated", actor, changes=diff)
        await uow.commit()
    return standard


async def delete_standard(
    *, uow: TicketUnitOfWork, standard_id: str, if_match: str | None, actor: Principal
) -> None:
    async with uow:
        standard = await _standard(uow, standard_id)
        check_if_match(if_match, standard.etag)
        await uow.coverage.delete(standard)
        _audit(
            uow,
            "response_standard",
            standard.id,
            "deleted",
            actor,
            fields=["region_class", "ticket_type", "tier"],
        )
        await uow.commit()


async def list_standards(
    *, uow: TicketUnitOfWork, cursor: str | None, limit: int
) -> tuple[list[ResponseStandard], str | None]:
    async with uow:
        return await uow.coverage.standards_page(cursor=cursor, limit=limit)
