"""Overdue grows with time alone: the background recalculation puts customers on hold
without anyone touching their ledger."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from customer.ledger.models import Order
from tests.customer.integration.conftest import CustomerHarness
from tests.support import DatabaseFactory, eventually, running_stack


async def test_background_recalculation_holds_long_overdue_customers(dbs: DatabaseFactory) -> None:
    async with running_stack(
        dbs,
        "127.0.0.1:1",
        ("customer",),
        gateway=False,
        customer={
            "relay_enabled": False,
            "consumers_enabled": False,
            "credit_recalc_interval_s": 0.3,
            "credit_recalc_first_delay_s": 0.0,
        },
    ) as stack:
        svc = CustomerHarness(stack)
        async with svc.http:
            c = await svc.create_customer(kind="company", name="Slow Payer Ltd")
            # Written straight to the ledger table: no request recalculates the credit.
            async with svc.runtime.uow() as uow:
                uow.session.add(
                    Order(
                        customer_id=c["id"],
                        external_ref="OLD-1",
                        kind="invoice",
                        order_date=date.today() - timedelta(days=150),
                        due_date=date.today() - timedelta(days=120),
                        currency="CNY",
                        amount=Decimal("800.00"),
                        fx_rate=Decimal(1),
                        net_amount=Decimal("800.00"),
                    )
                )
                await uow.commit()

            async def held() -> bool:
                # The hold list reads stored profiles (a GET alone computes on the fly).
                r = await svc.http.get("/api/v1/credit/holds", headers=svc.auth())
                return any(h["customer_id"] == c["id"] for h in r.json()["items"])

            await eventually(held, timeout=20)
            events = await svc.events("customer.credit_changed")
            assert events and events[-1].data["on_hold"] is True
            assert events[-1].data["id"] == c["id"]
