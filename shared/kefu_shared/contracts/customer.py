"""Events published by the customer service on ``customer.events.v1``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from kefu_shared.events import EventData, contract
from kefu_shared.registry import service

TOPIC = service("customer").events_topic

CustomerKind = Literal["company", "individual"]


class CustomerSnapshot(EventData):
    """What other services keep in their local copy of a customer."""

    id: str
    number: str
    kind: CustomerKind
    name: str
    dealer_id: str | None = None
    region_class: str | None = None
    area_class: str | None = None
    tier: str | None = None
    key_account: bool = False
    status: str = "active"
    phone: str | None = None
    email: str | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    industry: str | None = None
    # Owned by customer.credit_changed; a snapshot leaves it out (None) unless it knows.
    on_credit_hold: bool | None = None


@contract("customer.registered", topic=TOPIC)
class CustomerRegistered(CustomerSnapshot):
    pass


@contract("customer.updated", topic=TOPIC)
class CustomerUpdated(CustomerSnapshot):
    changed: list[str] = []


@contract("customer.archived", topic=TOPIC)
class CustomerArchived(EventData):
    id: str
    reason: str | None = None


@contract("customer.classified", topic=TOPIC)
class CustomerClassified(EventData):
    id: str
    previous_tier: str | None = None
    tier: str
    run_id: str
    revenue: Decimal | None = None
    rank: int | None = None
    key_account: bool = False
    dealer_id: str | None = None
    # Optional (added with classification runs): the other dimensions set by the same run.
    sales_stage: str | None = None
    transaction_pattern: str | None = None
    as_of: date | None = None


@contract("customer.credit_changed", topic=TOPIC)
class CustomerCreditChanged(EventData):
    id: str
    rating: str | None = None
    previous_rating: str | None = None
    limit: Decimal | None = None
    outstanding: Decimal | None = None
    overdue_days: int = 0
    on_hold: bool = False
    hold_reason: str | None = None
    reason: str | None = None
    dealer_id: str | None = None
    # Optional additions (credit area): what changed and the figures behind it.
    changes: list[str] = []  # rating | override | override_cleared | limit | terms | hold | release
    score: int | None = None
    payment_terms_days: int | None = None
    overdue_amount: Decimal | None = None
    hold_code: str | None = None


@contract("customer.key_account_changed", topic=TOPIC)
class CustomerKeyAccountChanged(EventData):
    id: str
    key_account: bool
    manager: str | None = None
    reason: str | None = None
    # Optional (added with key-account management): why the customer is a key account.
    manual: bool | None = None
    tier: str | None = None
    dealer_id: str | None = None


@contract("customer.merged", topic=TOPIC)
class CustomerMerged(EventData):
    surviving_id: str
    merged_ids: list[str]


@contract("customer.erased", topic=TOPIC)
class CustomerErased(EventData):
    id: str
    erased_at: datetime | None = None
