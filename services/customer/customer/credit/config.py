"""Credit-control policy: thresholds with defaults, overridable per installation through
``CUSTOMER_CREDIT_*`` environment variables. A part of ``CustomerSettings`` (``settings.credit``),
built once with it; nothing else reads these variables."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CreditSettings(BaseSettings):
    """``CUSTOMER_CREDIT_HOLD_OVERDUE_DAYS=60`` and so on."""

    model_config = SettingsConfigDict(env_prefix="CUSTOMER_CREDIT_", extra="ignore")

    # A customer with an invoice overdue longer than this goes on credit hold (domain.md).
    hold_overdue_days: int = Field(90, ge=1)
    # Beyond this the scorecard caps the rating at C (at B beyond hold_overdue_days).
    severe_overdue_days: int = Field(180, ge=1)
    # Terms for customers without a profile yet; due_date = order_date + terms.
    default_payment_terms_days: int = Field(30, ge=0, le=3650)
    # Limit of a new profile; None = no limit assigned (the limit rule does not apply).
    default_credit_limit: Decimal | None = Field(None, ge=0)
    # Customers per transaction when recalculating everyone.
    recalc_batch_size: int = Field(500, ge=1, le=5000)
