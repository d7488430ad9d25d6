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
    CustomerKeyAccountChanged,
    CustomerMerged,
    CustomerRegistered,
    CustomerUpdated,
)
from kefu_shared.db import PlatformTables, ServiceBase, make_metadata, new_uuid, utcnow
from kefu_shared.errors import BusinessRuleViolation, InvalidInput
from kefu_shared.uow import EventRecorder

Money = Numeric(18, 2)


def _where_set(column: str) -> dict[str, Any]:
    where = text(f"{column} IS NOT NULL")
    return {"postgresql_where": where, "sqlite_where": where}


class Base(ServiceBase):
    __abstract__ = True
    metadata = make_metadata()


platform = PlatformTables(Base.metadata, jobs=True)


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
    # NULL until the customer buys or is first contacted (潜在客户 needs a first contact).
    tier: Mapped[str | None] = mapped_column(String(16))
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
    __mapper_args__ = {
        "version_id_col": version,
        "version_id_generator": False,
    }

    # Column defaults apply only at INSERT; a new aggregate needs them at once (its
    # events are recorded before the flush).
    _DEFAULTS: ClassVar[dict[str, Any]] = {
        "status": "active",
        "version": 1,
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

    def contacted(self) -> None:
        """A contact was logged: a customer without a revenue class becomes potential
        (潜在客户) -- until the next classification run says more."""
        if self.tier is None:
            self.tier = "potential"
            self.changed(["tier"])

    def set_addresses(self, rows: list[CustomerAddress]) -> None:
        """All addresses at once; the first is the primary one the lists filter on."""
        self.addresses = rows
        primary = rows[0] if rows else None
        self.province = primary.province if primary else None
        self.city = primary.city if primary else None
        self.district = primary.district if primary else None
        self.region_class = primary.region_class if primary else None
        self.area_class = primary.area_class if primary else None

    def check_update(self, changes: dict[str, Any]) -> None:
        """Refuse a change the rules of the profile forbid (before anything is written)."""
        if self.status not in ("active", "archived"):
            raise BusinessRuleViolation(f"customer is {self.status} and cannot be changed")
        if changes.get("credit_code") and self.kind != "company":
            raise InvalidInput(
                "an individual customer has no unified social credit code",
                errors=[{"field": "credit_code", "message": "companies only"}],
            )
        for required in REQUIRED_FIELDS:
            if required in changes and changes[required] is None:
                raise InvalidInput(
                    f"{required} cannot be removed",
                    errors=[{"field": required, "message": "required"}],
                )

    def update(self, changes: dict[str, Any]) -> list[str]:
        """Apply a JSON-merge change of the profile (``addresses`` as address rows); emits
        ``customer.updated`` naming the fields that really changed, and returns them."""
        self.check_update(changes)
        changes = dict(changes)
        addresses_given = "addresses" in changes
        addresses = changes.pop("addresses", None)
        contacts_given = "contacts" in changes
        contacts = changes.pop("contacts", None)
        changed: list[str] = []
        for key, value in changes.items():
            if value is None and key in EMPTY_WHEN_CLEARED:
                value = EMPTY_WHEN_CLEARED[key]()
            if getattr(self, key) != value:
                setattr(self, key, value)
                changed.append(key)
        if "phones" in changed:
            self.phone_primary = self.phones[0] if self.phones else None
        if contacts_given:
            self.contacts = contacts or []
            changed.append("contacts")
        if addresses_given:
            self.set_addresses(addresses or [])
            changed.append("addresses")
        if changed:
            self.changed(changed)
        return changed

    def designate_key_account(
        self, *, manual: bool, manager: str | None, manager_changed: bool, reason: str | None
    ) -> None:
        """Set the manual key-account designation (大客户); a super or large customer is a key
        account whatever it says. Emits ``customer.key_account_changed`` when the key-account
        state or its manager changes."""
        key_account = self.tier in KEY_ACCOUNT_TIERS or manual
        was_key_account = self.key_account
        if (manual, key_account) != (self.key_account_manual, self.key_account):
            self.key_account_manual = manual
            self.key_account = key_account
            self.version += 1  # backs the customer's ETag
        if key_account != was_key_account or (key_account and manager_changed):
            self.record(
                CustomerKeyAccountChanged(
                    id=self.id,
                    key_account=key_account,
                    manager=manager,
                    reason=reason,
                    manual=manual,
                    tier=self.tier,
                    dealer_id=self.dealer_id,
                )
            )

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
        for address in self.addresses:
            address.street = None
            address.postal_code = None
        self.status = "erased"
        self.erased_at = utcnow()
        self.version += 1
        self.updated_at = utcnow()
        self.record(CustomerErased(id=self.id, erased_at=self.erased_at))


# Tiers that make a customer a key account without a manual designation.
KEY_ACCOUNT_TIERS = ("super", "large")
# Profile fields a change may not remove.
REQUIRED_FIELDS = ("name",)
# Collection fields that a change setting them to null empties instead.
EMPTY_WHEN_CLEARED: dict[str, Any] = {
    "phones": list,
    "tags": list,
    "products_owned": list,
    "preferences": dict,
    "bank_info": dict,
}

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
