"""What is kept about a customer besides the profile: its lifecycle history and its
contact log (客户接触记录)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from customer.models import Base
from kefu_shared.db import BigId, utcnow


class CustomerTag(Base):
    """One row per (customer, tag): what the tag filter of the customer list uses."""

    __tablename__ = "customer_tags"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class CustomerHistory(Base):
    """Lifecycle history of a customer: who did what, when. Field names only, never
    values, so erasing a customer's personal data leaves nothing behind here."""

    __tablename__ = "customer_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str | None] = mapped_column(String(500))
    related_ids: Mapped[list[str]] = mapped_column(JSON, default=list)

    __table_args__ = (Index("ix_customer_history_customer_id_id", "customer_id", "id"),)


class CustomerInteraction(Base):
    """A contact with a customer (客户接触记录): inquiries and sample requests mark
    potential customers and, when they become more frequent, ones worth cultivating."""

    __tablename__ = "customer_interactions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column()
    channel: Mapped[str | None] = mapped_column(String(20))
    product_line: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_customer_interactions_customer_id_at", "customer_id", "at"),
        Index("ix_customer_interactions_at", "at"),
    )
