"""Use cases of the sales ledger: record orders/invoices, refunds and payments one by
one, list them (bulk imports: :mod:`customer.ledger.imports`). Every write has credit
control re-evaluate the customers it touched, in the same transaction
(:class:`CreditFollowUp`). An identical retry of an entry returns the stored one; the same
``external_ref`` with other values is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from customer.ledger.models import Order, Payment
from customer.ledger.repository import ORDER_FIELDS, PAYMENT_FIELDS
from customer.ledger.schemas import OrderCreate, PaymentCreate
from kefu_shared.auth import Principal
from kefu_shared.db import utcnow
from kefu_shared.errors import Conflict

if TYPE_CHECKING:
    from customer.uow import CustomerUnitOfWork

CENT = Decimal("0.01")


def _net(amount: Decimal, rate: Decimal, sign: int) -> Decimal:
    return (amount * rate).quantize(CENT) * sign


def order_values(data: OrderCreate, *, customer_id: str, terms_days: int) -> dict[str, Any]:
    """The stored row: base-currency net values signed (refunds negative), due date set."""
    sign = -1 if data.kind == "refund" else 1
    rate = data.rate
    due = data.due_date
    if due is None and data.kind == "invoice":
        due = data.order_date + timedelta(days=terms_days)
    return {
        "customer_id": customer_id,
        "external_ref": data.external_ref,
        "kind": data.kind,
        "order_date": data.order_date,
        "currency": data.currency,
        "amount": data.amount,
        "fx_rate": rate,
        "gross_margin": data.gross_margin,
        "net_amount": _net(data.amount, rate, sign),
        "net_margin": None if data.gross_margin is None else _net(data.gross_margin, rate, sign),
        "product_line": data.product_line,
        "due_date": due,
        "paid_date": data.paid_date,
    }


def payment_values(data: PaymentCreate, *, customer_id: str) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "external_ref": data.external_ref,
        "order_ref": data.order_ref,
        "paid_on": data.paid_on,
        "currency": data.currency,
        "amount": data.amount,
        "fx_rate": data.rate,
        "net_amount": _net(data.amount, data.rate, 1),
        "method": data.method,
    }


def same_entry(stored: dict[str, Any], values: dict[str, Any], fields: tuple[str, ...]) -> bool:
    """Is an incoming row the one already stored? (a due date left out matches any)"""
    for f in fields:
        if f == "due_date" and values.get("_due_given") is False:
            continue
        a, b = stored.get(f), values.get(f)
        if isinstance(a, str) and isinstance(b, date):
            a = date.fromisoformat(a)
        if a != b:
            return False
    return True


class CreditFollowUp(Protocol):
    """What a ledger write needs from credit control, which implements it
    (``customer.credit.service.CreditControl``) and is handed in by the routes: the ledger
    does not import credit, credit reads the ledger."""

    async def payment_terms(
        self, uow: CustomerUnitOfWork, customer_ids: Sequence[str]
    ) -> dict[str, int]:
        """Payment terms (days) per customer, which set an invoice's due date."""
        ...

    async def ledger_changed(
        self, uow: CustomerUnitOfWork, customer_ids: Sequence[str], *, actor: Principal, reason: str
    ) -> None:
        """Re-evaluate the credit of customers whose ledger changed (same transaction)."""
        ...


async def _visible(uow: CustomerUnitOfWork, customer_id: str, actor: Principal) -> None:
    await uow.customers.get_visible(customer_id, actor, with_addresses=False)


def _conflict(external_ref: str) -> Conflict:
    return Conflict(
        f"external_ref {external_ref} is already in the ledger with other values",
        errors=[{"field": "external_ref", "message": "already exists"}],
    )


# --- one entry ----------------------------------------------------------------------


async def record_order(
    *,
    uow: CustomerUnitOfWork,
    customer_id: str,
    data: OrderCreate,
    actor: Principal,
    credit: CreditFollowUp,
) -> tuple[Order, bool]:
    """Record an order/invoice or refund; returns (order, created). An identical retry
    returns the stored order; the same external_ref with other values is a conflict."""
    async with uow:
        await _visible(uow, customer_id, actor)
        terms = await credit.payment_terms(uow, [customer_id])
        values = order_values(data, customer_id=customer_id, terms_days=terms[customer_id])
        stored = await uow.ledger.order_by_ref(data.external_ref)
        if stored is not None:
            same = same_entry(
                {f: getattr(stored, f) for f in ORDER_FIELDS},
                {**values, "_due_given": data.due_date is not None},
                ORDER_FIELDS,
            )
            if same:
                return stored, False
            raise _conflict(data.external_ref)
        order = Order(**values, created_at=utcnow())
        await uow.ledger.add(order)
        await credit.ledger_changed(
            uow, [customer_id], actor=actor, reason=f"{data.kind} {data.external_ref} recorded"
        )
        await uow.commit()
        return order, True


async def record_payment(
    *,
    uow: CustomerUnitOfWork,
    customer_id: str,
    data: PaymentCreate,
    actor: Principal,
    credit: CreditFollowUp,
) -> tuple[Payment, bool]:
    async with uow:
        await _visible(uow, customer_id, actor)
        values = payment_values(data, customer_id=customer_id)
        stored = await uow.ledger.payment_by_ref(data.external_ref)
        if stored is not None:
            if same_entry({f: getattr(stored, f) for f in PAYMENT_FIELDS}, values, PAYMENT_FIELDS):
                return stored, False
            raise _conflict(data.external_ref)
        payment = Payment(**values, created_at=utcnow())
        await uow.ledger.add(payment)
        await credit.ledger_changed(
            uow, [customer_id], actor=actor, reason=f"payment {data.external_ref} recorded"
        )
        await uow.commit()
        return payment, True


# --- lists --------------------------------------------------------------------------


async def list_orders(
    *, uow: CustomerUnitOfWork, customer_id: str, actor: Principal, **filters: Any
) -> tuple[list[Order], str | None]:
    async with uow:
        await _visible(uow, customer_id, actor)
        return await uow.ledger.list_orders(customer_id=customer_id, **filters)


async def list_payments(
    *, uow: CustomerUnitOfWork, customer_id: str, actor: Principal, **filters: Any
) -> tuple[list[Payment], str | None]:
    async with uow:
        await _visible(uow, customer_id, actor)
        return await uow.ledger.list_payments(customer_id=customer_id, **filters)
