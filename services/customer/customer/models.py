"""Customer aggregate (客户管理卡) and its tables."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kefu_shared.contracts.customer import (
    CustomerArchived,
    CustomerErased,
    CustomerMerged,
    CustomerRegistered,
    CustomerUpdated,
)
from kefu_shared.db import BigId, PlatformTables, ServiceBase, make_metadata, new_uuid, utcnow
from kefu_shared.errors import BusinessRuleViolation
from kefu_shared.uow import EventRecorder

Money = Numeric(18, 2)


def _where_set(column: str) -> dict[str, Any]:
    where = text(f"{column} IS NOT NULL")
    return {"postgresql_where": where, "sqlite_where": where}


class Base(ServiceBase):
    __abstract__ = True
    metadata = make_metadata()


platform = PlatformTables(Base.metadata)


class Customer(EventRecorder, Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")
    version: Mapped[int] = mapped_column(Integer, default=1)

    # contact
    phones: Mapped[list[str]] = mapped_column(JSON, default=list)
    phone_primary: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    preferred_channel: Mapped[str | None] = mapped_column(String(20))

    # individual (个体客户)
    gender: Mapped[str | None] = mapped_column(String(10))
    birthday: Mapped[date | None] = mapped_column(Date)
    occupation: Mapped[str | None] = mapped_column(String(100))
    income_band: Mapped[str | None] = mapped_column(String(40))
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    products_owned: Mapped[list[Any]] = mapped_column(JSON, default=list)

    # company (公司客户)
    credit_code: Mapped[str | None] = mapped_column(String(18))
    industry: Mapped[str | None] = mapped_column(String(40))
    size: Mapped[str | None] = mapped_column(String(20))
    ownership: Mapped[str | None] = mapped_column(String(40))
    registered_capital: Mapped[Decimal | None] = mapped_column(Money)
    founded_on: Mapped[date | None] = mapped_column(Date)
    contacts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    bank_info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # both
    owner: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(30))
    dealer_id: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)

    # primary address, denormalised for filters (all addresses in customer_addresses)
    province: Mapped[str | None] = mapped_column(String(50))
    city: Mapped[str | None] = mapped_column(String(50))
    district: Mapped[str | None] = mapped_column(String(50))
    region_class: Mapped[str | None] = mapped_column(String(20))
    area_class: Mapped[str | None] = mapped_column(String(20))

    # classification (all filterable)
    business_type: Mapped[str | None] = mapped_column(String(20))
    # tier, key_account, sales_stage, transaction_pattern, version and updated_at carry no
    # index on purpose: a classification run rewrites them for up to every customer, and
    # with no indexed column changed PostgreSQL updates in place (HOT) instead of adding an
    # entry to every index of the table. Lists filter them alongside an indexed sort.
    tier: Mapped[str] = mapped_column(String(16), default="potential")
    sales_stage: Mapped[str] = mapped_column(String(16), default="potential")
    transaction_pattern: Mapped[str | None] = mapped_column(String(20))
    worth_cultivating: Mapped[bool] = mapped_column(Boolean, default=False)
    key_account: Mapped[bool] = mapped_column(Boolean, default=False)
    # Designated by hand (大客户 beyond super/large); key_account = tier in (super, large) or this.
    key_account_manual: Mapped[bool] = mapped_column(Boolean, default=False)

    # lifecycle
    archived_at: Mapped[datetime | None] = mapped_column()
    merged_into: Mapped[str | None] = mapped_column(String(36))
    erased_at: Mapped[datetime | None] = mapped_column()

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))

    addresses: Mapped[list[CustomerAddress]] = relationship(
        back_populates="customer",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="CustomerAddress.position",
    )

    # Few indexes on purpose: every index is written again for each customer a
    # classification run changes (see the class columns above). Optional columns are
    # indexed only where set (migration 0001).
    __table_args__ = (
        Index("ix_customers_name_id", "name", "id"),
        Index("ix_customers_created_at_id", "created_at", "id"),
        Index("uq_customers_credit_code", "credit_code", unique=True, **_where_set("credit_code")),
        Index("ix_customers_dealer_id", "dealer_id", **_where_set("dealer_id")),
        Index("ix_customers_owner", "owner", **_where_set("owner")),
        Index("ix_customers_phone_primary", "phone_primary", **_where_set("phone_primary")),
    )
    # Optimistic concurrency: every UPDATE says "WHERE version = <the version read>"; the
    # domain methods set the new version themselves (it backs the ETag).
    __mapper_args__: ClassVar[dict[str, Any]] = {
        "version_id_col": version,
        "version_id_generator": False,
    }

    # Column defaults apply only at INSERT; a new aggregate needs them at once (its
    # events are recorded before the flush).
    _DEFAULTS: ClassVar[dict[str, Any]] = {
        "status": "active",
        "version": 1,
        "tier": "potential",
        "sales_stage": "potential",
        "worth_cultivating": False,
        "key_account": False,
        "key_account_manual": False,
        "phones": list,
        "preferences": dict,
        "products_owned": list,
        "contacts": list,
        "bank_info": dict,
        "tags": list,
    }

    def __init__(self, **kw: Any) -> None:
        for key, default in self._DEFAULTS.items():
            if kw.get(key) is None:
                kw[key] = default() if callable(default) else default
        kw.setdefault("id", new_uuid())
        super().__init__(**kw)

    @property
    def etag(self) -> str:
        return f'"{self.id}.{self.version}"'

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "kind": self.kind,
            "name": self.name,
            "dealer_id": self.dealer_id,
            "region_class": self.region_class,
            "area_class": self.area_class,
            "tier": self.tier,
            "key_account": self.key_account,
            "status": self.status,
            "phone": self.phone_primary,
            "email": self.email,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "industry": self.industry,
        }

    def registered(self) -> None:
        self.record(CustomerRegistered(**self.snapshot()))

    def changed(self, fields: list[str]) -> None:
        self.version += 1
        self.updated_at = utcnow()
        self.record(CustomerUpdated(**self.snapshot(), changed=sorted(fields)))

    def archive(self, *, reason: str | None) -> None:
        if self.status != "active":
            raise BusinessRuleViolation(
                f"customer is {self.status}, only an active one can be archived"
            )
        self.status = "archived"
        self.archived_at = utcnow()
        self.version += 1
        self.record(CustomerArchived(id=self.id, reason=reason))

    def restore(self) -> None:
        if self.status != "archived":
            raise BusinessRuleViolation(
                f"customer is {self.status}, only an archived one can be restored"
            )
        self.status = "active"
        self.archived_at = None
        self.changed(["status"])

    def absorb(self, others: list[Customer]) -> list[str]:
        """Merge duplicates into this customer: fill its gaps, union lists; returns fields changed."""
        changed: set[str] = set()
        for other in others:
            if other.id == self.id:
                raise BusinessRuleViolation("a customer cannot be merged into itself")
            if other.status != "active" and other.status != "archived":
                raise BusinessRuleViolation(f"customer {other.number} is {other.status}")
            if other.kind != self.kind:
                raise BusinessRuleViolation(
                    f"customer {other.number} is {other.kind}, {self.number} is {self.kind}"
                )
            for field in MERGE_FILL_FIELDS:
                if getattr(self, field) in (None, "", [], {}) and getattr(other, field) not in (
                    None,
                    "",
                    [],
                    {},
                ):
                    setattr(self, field, getattr(other, field))
                    changed.add(field)
            for field in ("phones", "tags"):
                merged = list(dict.fromkeys([*getattr(self, field), *getattr(other, field)]))
                if merged != getattr(self, field):
                    setattr(self, field, merged)
                    changed.add(field)
            if other.contacts:
                known = {(c.get("name"), tuple(c.get("phones") or [])) for c in self.contacts}
                extra = [
                    c
                    for c in other.contacts
                    if (c.get("name"), tuple(c.get("phones") or [])) not in known
                ]
                if extra:
                    self.contacts = [*self.contacts, *extra]
                    changed.add("contacts")
            if other.key_account_manual and not self.key_account_manual:
                self.key_account_manual = True
                self.key_account = True
                changed.add("key_account")
            other.status = "merged"
            other.merged_into = self.id
            other.version += 1
            other.updated_at = utcnow()
        self.record(CustomerMerged(surviving_id=self.id, merged_ids=[o.id for o in others]))
        self.changed(sorted(changed | {"merged"}))
        return sorted(changed)

    def erase(self) -> None:
        """Anonymise personal data (PIPL); keep the number, classification and statistics."""
        if self.status == "erased":
            raise BusinessRuleViolation("customer is already erased")
        if self.kind == "individual":
            self.name = f"(erased {self.number})"
            self.gender = None
            self.birthday = None
            self.occupation = None
            self.income_band = None
            self.preferences = {}
            self.products_owned = []
        self.phones = []
        self.phone_primary = None
        self.email = None
        self.contacts = []
        self.bank_info = {}
        self.notes = None
        self.tags = []
        self.status = "erased"
        self.erased_at = utcnow()
        self.version += 1
        self.updated_at = utcnow()
        self.record(CustomerErased(id=self.id, erased_at=self.erased_at))


# Scalar profile fields a merge copies from a duplicate when the survivor has none.
MERGE_FILL_FIELDS = (
    "email",
    "preferred_channel",
    "gender",
    "birthday",
    "occupation",
    "income_band",
    "credit_code",
    "industry",
    "size",
    "ownership",
    "registered_capital",
    "founded_on",
    "owner",
    "source",
    "notes",
    "business_type",
    "phone_primary",
)


class CustomerTag(Base):
    """One row per (customer, tag): what the tag filter of the customer list uses."""

    __tablename__ = "customer_tags"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class CustomerAddress(Base):
    __tablename__ = "customer_addresses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20), default="registered")
    province: Mapped[str | None] = mapped_column(String(50))
    city: Mapped[str | None] = mapped_column(String(50))
    district: Mapped[str | None] = mapped_column(String(50))
    street: Mapped[str | None] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="CN")
    region_class: Mapped[str | None] = mapped_column(String(20))
    area_class: Mapped[str | None] = mapped_column(String(20))

    customer: Mapped[Customer] = relationship(back_populates="addresses", lazy="raise")


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
