"""Ledger tables. Amounts are kept in the document currency and, for analysis, in the base
currency (CNY) as signed ``net_amount`` / ``net_margin``: refunds and credit notes count
negative, so revenue over a window is a plain SUM."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from customer.models import Base, Money
from kefu_shared.db import BigId, utcnow

Rate = Numeric(18, 8)


class Order(Base):
    """An order or invoice line of the ERP (or a refund / credit note)."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    external_ref: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="invoice")  # invoice | refund
    order_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    amount: Mapped[Decimal] = mapped_column(Money)  # positive, in `currency`
    fx_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal(1))  # to base currency
    gross_margin: Mapped[Decimal | None] = mapped_column(Money)  # positive, in `currency`
    net_amount: Mapped[Decimal] = mapped_column(Money)  # base currency, negative for refunds
    net_margin: Mapped[Decimal | None] = mapped_column(Money)
    product_line: Mapped[str | None] = mapped_column(String(64))
    due_date: Mapped[date | None] = mapped_column(Date)
    paid_date: Mapped[date | None] = mapped_column(Date)
    import_batch: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("external_ref", name="uq_orders_external_ref"),
        # Covering on PostgreSQL for the classification run's ledger scan (migration 0002).
        Index(
            "ix_orders_customer_date",
            "customer_id",
            "order_date",
            postgresql_include=["kind", "net_amount"],
        ),
        Index("ix_orders_order_date", "order_date"),
        Index("ix_orders_customer_kind", "customer_id", "kind"),  # migration 0003
    )


class Payment(Base):
    """A payment received from a customer (optionally against one order)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    external_ref: Mapped[str] = mapped_column(String(64))
    order_ref: Mapped[str | None] = mapped_column(String(64))
    paid_on: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    amount: Mapped[Decimal] = mapped_column(Money)
    fx_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal(1))
    net_amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str | None] = mapped_column(String(20))
    import_batch: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("external_ref", name="uq_payments_external_ref"),
        Index("ix_payments_customer_paid_on", "customer_id", "paid_on"),
        Index("ix_payments_order_ref", "order_ref"),  # migration 0003
    )
