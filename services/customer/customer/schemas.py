"""Request and response models of the customer API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator
from typing_extensions import TypeAliasType

from customer.analytics.schemas import SatisfactionRead, ServiceSummary
from customer.credit.domain import Rating
from customer.domain import (
    AddressKind,
    AreaClass,
    BusinessType,
    Channel,
    CompanySize,
    CustomerKind,
    CustomerStatus,
    Industry,
    InteractionKind,
    RegionClass,
    SalesStage,
    Source,
    Tier,
    TransactionPattern,
    validate_credit_code,
)
from kefu_shared.bounds import BoundedDate, BoundedDateTime, json_object, text

# Free-form parts of a profile, bounded (kefu_shared.bounds): what one customer may store.
if TYPE_CHECKING:  # what the bounded types hold, for mypy (the factories build Annotated)
    Preferences = dict[str, str]
    Phone = str
    Tag = str
else:
    Preferences = json_object(value=str, max_bytes=16_384, max_depth=1, max_keys=200)
    Phone = text(40)
    Tag = text(100)  # the rule (at most 40 after cleaning) is checked by ProfileFields._tags


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Contact(Strict):
    name: str = Field(min_length=1, max_length=100)
    title: str | None = Field(None, max_length=100)
    phones: list[Phone] = Field(default_factory=list, max_length=10)
    email: EmailStr | None = None
    purchase_role: str | None = Field(
        None, max_length=40, description="role in purchasing decisions (decider, influencer, user…)"
    )


class ProductOwned(Strict):
    """A product the customer owns: what after-sales service needs to find it."""

    product: str = Field(min_length=1, max_length=200, description="product or product line")
    model_number: str | None = Field(None, max_length=100)
    serial_number: str | None = Field(None, max_length=100)
    quantity: int | None = Field(None, ge=1)
    notes: str | None = Field(None, max_length=500)


class BankInfo(Strict):
    """Bank and invoicing details (开户行, account, tax number for VAT invoices)."""

    bank: str | None = Field(None, max_length=200)
    branch: str | None = Field(None, max_length=200)
    account_name: str | None = Field(None, max_length=200)
    account_number: str | None = Field(None, max_length=64)
    tax_number: str | None = Field(None, max_length=64)


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

    phones: list[Phone] | None = Field(None, max_length=10)
    email: EmailStr | None = None
    preferred_channel: Channel | None = None
    gender: str | None = Field(None, max_length=10)
    birthday: BoundedDate | None = None
    occupation: str | None = Field(None, max_length=100)
    income_band: str | None = Field(None, max_length=40)
    preferences: Preferences | None = Field(
        None, description="named preferences (e.g. delivery: morning), free keys and text"
    )
    products_owned: list[ProductOwned] | None = Field(None, max_length=200)
    credit_code: str | None = None
    industry: Industry | None = None
    size: CompanySize | None = None
    ownership: str | None = Field(None, max_length=40)
    registered_capital: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    founded_on: BoundedDate | None = None
    contacts: list[Contact] | None = Field(None, max_length=50)
    bank_info: BankInfo | None = None
    owner: str | None = Field(None, max_length=100)
    source: Source | None = None
    dealer_id: str | None = Field(None, max_length=64)
    tags: list[Tag] | None = Field(None, max_length=30)
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
    kind: CustomerKind
    name: str
    status: CustomerStatus
    version: int
    phones: list[str]
    phone_primary: str | None = None
    email: str | None
    preferred_channel: Channel | None
    gender: str | None
    birthday: date | None
    occupation: str | None
    income_band: str | None
    preferences: dict[str, str]
    products_owned: list[ProductOwned]
    credit_code: str | None
    industry: Industry | None
    size: CompanySize | None
    ownership: str | None
    registered_capital: Decimal | None
    founded_on: date | None
    contacts: list[Contact]
    bank_info: BankInfo
    owner: str | None
    source: Source | None
    dealer_id: str | None
    tags: list[str]
    notes: str | None
    province: str | None
    city: str | None
    district: str | None
    region_class: RegionClass | None
    area_class: AreaClass | None
    business_type: BusinessType | None
    tier: Tier | None  # None: never bought, never contacted
    sales_stage: SalesStage
    transaction_pattern: TransactionPattern | None
    worth_cultivating: bool
    key_account: bool
    created_at: datetime
    updated_at: datetime
    addresses: list[AddressRead] = []


class InteractionCreate(Strict):
    kind: InteractionKind
    at: BoundedDateTime | None = Field(None, description="when it happened; default now")
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
    kind: InteractionKind
    at: datetime
    channel: Channel | None
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


AddressDimension = TypeAliasType(
    "AddressDimension", Literal["province", "city", "district", "region_class", "area_class"]
)


class AddressClassRow(BaseModel):
    """Customers of one combination of the chosen dimensions (the others are left out)."""

    province: str | None = None
    city: str | None = None
    district: str | None = None
    region_class: RegionClass | None = None
    area_class: AreaClass | None = None
    customers: int
    key_accounts: int


class AddressClassificationRead(BaseModel):
    group_by: list[AddressDimension]
    items: list[AddressClassRow]


class GradeRow(BaseModel):
    tier: Tier
    customers: int
    key_accounts: int
    companies: int
    share: float = Field(description="of all customers matched, 0-1")


class GradeClassificationRead(BaseModel):
    items: list[GradeRow]


class CardClassification(BaseModel):
    tier: Tier | None
    tier_label: str | None = Field(description="the tier's Chinese name (超级客户, 大客户...)")
    key_account: bool
    sales_stage: SalesStage
    transaction_pattern: TransactionPattern | None
    worth_cultivating: bool
    region_class: RegionClass | None
    area_class: AreaClass | None
    industry: Industry | None
    size: CompanySize | None
    business_type: BusinessType | None


class CardLedger(BaseModel):
    orders: int
    revenue_total: Decimal
    revenue_12m: Decimal = Field(description="the last 365 days")
    margin_12m: Decimal
    first_order: date | None
    last_order: date | None


class CardCredit(BaseModel):
    rating: Rating
    score: int
    credit_limit: Decimal | None
    payment_terms_days: int
    outstanding: Decimal
    overdue_amount: Decimal
    max_overdue_days: int
    on_hold: bool
    hold_reason: str | None
    override_rating: Rating | None
    override_reason: str | None


class CustomerCardRead(BaseModel):
    """The customer card (客户管理卡): profile, classification, sales, credit, service."""

    title: str
    customer: CustomerRead
    classification: CardClassification
    ledger: CardLedger
    generated_on: date
    credit: CardCredit
    service: ServiceSummary
    satisfaction_history: list[SatisfactionRead]


class HistoryEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    action: str
    fields: list[str]
    reason: str | None
    related_ids: list[str]
