"""Request and response models of the sales ledger (orders/invoices and payments)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from typing_extensions import TypeAliasType

from kefu_shared.bounds import BoundedDate

BASE_CURRENCY: Currency = "CNY"
# ISO 4217 codes the factory trades in; anything else is refused rather than guessed.
Currency = TypeAliasType("Currency", Literal[
    "CNY", "USD", "EUR", "JPY", "HKD", "GBP", "KRW", "SGD", "AUD", "CAD", "CHF", "TWD",
    "RUB", "INR", "THB", "MYR", "VND", "IDR", "PHP", "AED", "SAR", "BRL", "MXN", "ZAR",
    "NZD", "SEK", "NOK", "DKK", "PLN", "TRY",
])  # fmt: skip
OrderKind = TypeAliasType("OrderKind", Literal["invoice", "refund"])
PaymentMethod = TypeAliasType(
    "PaymentMethod",
    Literal[
        "bank_transfer", "cash", "cheque", "acceptance_bill", "card", "offset", "online", "other"
    ],
)

# Positive, at most 16 integer digits and 2 decimals: what Numeric(18, 2) holds.
PositiveMoney = Field(gt=0, max_digits=18, decimal_places=2)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _CurrencyAmount(_Strict):
    # Rules are field validators (not model validators) so that an error names its field.
    currency: Currency = BASE_CURRENCY
    amount: Decimal = PositiveMoney
    fx_rate: Decimal | None = Field(
        None, gt=0, max_digits=18, decimal_places=8, validate_default=True,
        description=f"to {BASE_CURRENCY}; required for other currencies",
    )  # fmt: skip

    @field_validator("fx_rate")
    @classmethod
    def _fx(cls, v: Decimal | None, info: ValidationInfo) -> Decimal | None:
        currency = info.data.get("currency")
        if currency is None:
            return v  # the currency itself is invalid and reported
        if currency == BASE_CURRENCY:
            if v is not None and v != 1:
                raise ValueError(f"must be 1 (or absent) for {BASE_CURRENCY}")
        elif v is None:
            raise ValueError(f"required for {currency} (rate to {BASE_CURRENCY})")
        return v

    @property
    def rate(self) -> Decimal:
        return self.fx_rate if self.fx_rate is not None else Decimal(1)


class OrderCreate(_CurrencyAmount):
    """An order/invoice line from the ERP, or a refund / credit note (kind="refund")."""

    external_ref: str = Field(min_length=1, max_length=64, description="ERP document number")
    kind: OrderKind = "invoice"
    order_date: BoundedDate
    gross_margin: Decimal | None = Field(
        None, max_digits=18, decimal_places=2, description="in `currency`; negative = loss"
    )
    product_line: str | None = Field(None, max_length=64)
    due_date: BoundedDate | None = Field(None, description="default: order_date + payment terms")
    paid_date: BoundedDate | None = None

    @field_validator("gross_margin")
    @classmethod
    def _margin(cls, v: Decimal | None, info: ValidationInfo) -> Decimal | None:
        amount = info.data.get("amount")
        if v is not None and amount is not None and v > amount:
            raise ValueError("larger than amount")
        return v

    @field_validator("due_date", "paid_date")
    @classmethod
    def _after_order_date(cls, v: date | None, info: ValidationInfo) -> date | None:
        if v is None:
            return v
        if info.data.get("kind") == "refund":
            raise ValueError("a refund has no due or paid date")
        order_date = info.data.get("order_date")
        if order_date is not None and v < order_date:
            raise ValueError("before order_date")
        return v


class PaymentCreate(_CurrencyAmount):
    external_ref: str = Field(min_length=1, max_length=64, description="ERP receipt number")
    paid_on: BoundedDate
    order_ref: str | None = Field(None, max_length=64, description="external_ref of the order")
    method: PaymentMethod | None = None


class OrderImportRow(OrderCreate):
    customer_id: str | None = Field(None, max_length=36)
    customer_number: str | None = Field(None, max_length=32)

    @model_validator(mode="after")
    def _customer(self) -> OrderImportRow:
        if not self.customer_id and not self.customer_number:
            raise ValueError("customer_id or customer_number is required")
        return self


class PaymentImportRow(PaymentCreate):
    customer_id: str | None = Field(None, max_length=36)
    customer_number: str | None = Field(None, max_length=32)

    @model_validator(mode="after")
    def _customer(self) -> PaymentImportRow:
        if not self.customer_id and not self.customer_number:
            raise ValueError("customer_id or customer_number is required")
        return self


class OrderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: str
    external_ref: str
    kind: str
    order_date: BoundedDate
    currency: str
    amount: Decimal
    fx_rate: Decimal
    gross_margin: Decimal | None
    net_amount: Decimal
    net_margin: Decimal | None
    product_line: str | None
    due_date: date | None
    paid_date: date | None
    import_batch: str | None
    created_at: datetime


class PaymentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: str
    external_ref: str
    order_ref: str | None
    paid_on: BoundedDate
    currency: str
    amount: Decimal
    fx_rate: Decimal
    net_amount: Decimal
    method: str | None
    import_batch: str | None
    created_at: datetime


class ImportResult(BaseModel):
    batch_id: str | None
    orders_created: int
    payments_created: int
    orders_skipped: int = Field(description="identical to a row already stored (safe retry)")
    payments_skipped: int
    customers_affected: int
