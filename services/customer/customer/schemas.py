"""Request and response models of the customer API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from customer.domain import (
    AddressKind,
    AreaClass,
    BusinessType,
    Channel,
    CompanySize,
    CustomerKind,
    Industry,
    InteractionKind,
    RegionClass,
    SalesStage,
    Source,
    validate_credit_code,
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Contact(Strict):
    name: str = Field(min_length=1, max_length=100)
    title: str | None = Field(None, max_length=100)
    phones: list[str] = Field(default_factory=list, max_length=10)
    email: EmailStr | None = None
    purchase_role: str | None = Field(
        None, max_length=40, description="role in purchasing decisions (decider, influencer, user…)"
    )


class Address(Strict):
    kind: AddressKind = "registered"
    province: str | None = Field(None, max_length=50)
    city: str | None = Field(None, max_length=50)
    district: str | None = Field(None, max_length=50)
    street: str | None = Field(None, max_length=300)
    postal_code: str | None = Field(None, max_length=20)
    country: str = Field("CN", min_length=2, max_length=2)
    region_class: RegionClass | None = None
    area_class: AreaClass | None = None


class ProfileFields(Strict):
    """Fields shared by create and update (all optional here)."""

    phones: list[str] | None = Field(None, max_length=10)
    email: EmailStr | None = None
    preferred_channel: Channel | None = None
    gender: str | None = Field(None, max_length=10)
    birthday: date | None = None
    occupation: str | None = Field(None, max_length=100)
    income_band: str | None = Field(None, max_length=40)
    preferences: dict[str, Any] | None = None
    products_owned: list[dict[str, Any]] | None = None
    credit_code: str | None = None
    industry: Industry | None = None
    size: CompanySize | None = None
    ownership: str | None = Field(None, max_length=40)
    registered_capital: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    founded_on: date | None = None
    contacts: list[Contact] | None = Field(None, max_length=50)
    bank_info: dict[str, Any] | None = None
    owner: str | None = Field(None, max_length=100)
    source: Source | None = None
    dealer_id: str | None = Field(None, max_length=64)
    tags: list[str] | None = Field(None, max_length=30)
    notes: str | None = Field(None, max_length=5000)
    addresses: list[Address] | None = Field(None, max_length=20)
    business_type: BusinessType | None = None
    sales_stage: SalesStage | None = None
    worth_cultivating: bool | None = None

    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, v: str | None) -> str | None:
        return validate_credit_code(v) if v else None

    @field_validator("phones")
    @classmethod
    def _phones(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        for phone in v:
            digits = phone.replace(" ", "").replace("-", "").lstrip("+")
            if not digits.isdigit() or not 5 <= len(digits) <= 20:
                raise ValueError(f"invalid phone number: {phone!r}")
        return v

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        cleaned = sorted({t.strip() for t in v if t.strip()})
        if any(len(t) > 40 for t in cleaned):
            raise ValueError("a tag is at most 40 characters")
        return cleaned


class CustomerCreate(ProfileFields):
    kind: CustomerKind
    name: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _kind_fields(self) -> CustomerCreate:
        if self.kind == "individual" and self.credit_code:
            raise ValueError("an individual customer has no unified social credit code")
        return self


class CustomerUpdate(ProfileFields):
    name: str | None = Field(None, min_length=1, max_length=200)


class AddressRead(Address):
    model_config = ConfigDict(from_attributes=True)
    id: str


class CustomerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    number: str
    kind: str
    name: str
    status: str
    version: int
    phones: list[str]
    phone_primary: str | None = None
    email: str | None
    preferred_channel: str | None
    gender: str | None
    birthday: date | None
    occupation: str | None
    income_band: str | None
    preferences: dict[str, Any]
    products_owned: list[Any]
    credit_code: str | None
    industry: str | None
    size: str | None
    ownership: str | None
    registered_capital: Decimal | None
    founded_on: date | None
    contacts: list[Any]
    bank_info: dict[str, Any]
    owner: str | None
    source: str | None
    dealer_id: str | None
    tags: list[str]
    notes: str | None
    province: str | None
    city: str | None
    district: str | None
    region_class: str | None
    area_class: str | None
    business_type: str | None
    tier: str | None  # None: never bought, never contacted
    sales_stage: str
    transaction_pattern: str | None
    worth_cultivating: bool
    key_account: bool
    created_at: datetime
    updated_at: datetime
    addresses: list[AddressRead] = []


class InteractionCreate(Strict):
    kind: InteractionKind
    at: datetime | None = Field(None, description="when it happened; default now")
    channel: Channel | None = None
    product_line: str | None = Field(None, max_length=64)
    notes: str | None = Field(None, max_length=2000)

    @field_validator("at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("give a time zone (e.g. 2026-11-22T09:30:00+08:00)")
        return v


class InteractionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: str
    kind: str
    at: datetime
    channel: str | None
    product_line: str | None
    notes: str | None
    created_by: str | None


class ArchiveRequest(Strict):
    reason: str | None = Field(None, max_length=500)


class MergeRequest(Strict):
    merge_ids: list[str] = Field(min_length=1, max_length=20)
    reason: str | None = Field(None, max_length=500)


class DuplicateMember(BaseModel):
    id: str
    number: str
    name: str
    city: str | None
    phone: str | None


class DuplicateGroup(BaseModel):
    reason: str
    value: str
    count: int
    customers: list[DuplicateMember]


# Columns of the CSV export of the customer list (客户一览表).
EXPORT_COLUMNS = (
    "number",
    "name",
    "kind",
    "status",
    "tier",
    "key_account",
    "sales_stage",
    "transaction_pattern",
    "business_type",
    "industry",
    "size",
    "region_class",
    "area_class",
    "province",
    "city",
    "district",
    "phone_primary",
    "email",
    "credit_code",
    "owner",
    "source",
    "dealer_id",
    "tags",
    "created_at",
    "id",
)


class HistoryEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    action: str
    fields: list[str]
    reason: str | None
    related_ids: list[str]
