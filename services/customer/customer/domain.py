"""Pure domain rules of customers (no I/O): code validation, region classes.

Each value set is a named alias (``TypeAliasType``), so the OpenAPI document has it once
as a component that request and read schemas share."""

from __future__ import annotations

from typing import Literal

from typing_extensions import TypeAliasType

CustomerStatus = TypeAliasType("CustomerStatus", Literal["active", "archived", "merged", "erased"])
CustomerKind = TypeAliasType("CustomerKind", Literal["company", "individual"])
Tier = TypeAliasType("Tier", Literal["super", "large", "medium", "small", "inactive", "potential"])
RegionClass = TypeAliasType("RegionClass", Literal["local", "out_of_town", "international"])
AreaClass = TypeAliasType("AreaClass", Literal["city", "town", "rural"])
CompanySize = TypeAliasType("CompanySize", Literal["extra_large", "large", "medium", "small"])
BusinessType = TypeAliasType("BusinessType", Literal["wholesaler", "dealer", "end_user"])
SalesStage = TypeAliasType("SalesStage", Literal["potential", "current", "existing"])
TransactionPattern = TypeAliasType(
    "TransactionPattern",
    Literal["loyal", "fast_growing", "dormant", "worth_cultivating", "occasional"],
)
Source = TypeAliasType(
    "Source",
    Literal[
        "exhibition",
        "referral",
        "website",
        "dealer",
        "cold_call",
        "inquiry",
        "advertising",
        "other",
    ],
)
Channel = TypeAliasType("Channel", Literal["phone", "email", "sms", "wechat", "mail", "visit"])
InteractionKind = TypeAliasType(
    "InteractionKind",
    Literal[
        "inquiry",
        "sample_request",
        "quotation",
        "visit",
        "call",
        "exhibition",
        "complaint",
        "other",
    ],
)
# The kinds that show purchase interest (classification: worth cultivating).
INQUIRY_KINDS = ("inquiry", "sample_request", "quotation")
AddressKind = TypeAliasType(
    "AddressKind", Literal["registered", "shipping", "billing", "home", "office", "site"]
)
Industry = TypeAliasType(
    "Industry",
    Literal[
        "manufacturing",
        "services",
        "government",
        "retail",
        "construction",
        "agriculture",
        "energy",
        "healthcare",
        "education",
        "transport",
        "finance",
        "hospitality",
        "household",
        "other",
    ],
)

# 统一社会信用代码 (GB 32100-2015): 31-character alphabet without I, O, S, V, Z.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str:
    """Return the normalised code or raise ValueError saying what is wrong."""
    code = code.strip().upper()
    if len(code) != 18:
        raise ValueError("unified social credit code must have 18 characters")
    bad = [c for c in code if c not in _USCC_ALPHABET]
    if bad:
        raise ValueError(f"unified social credit code contains invalid characters: {''.join(bad)}")
    if uscc_check_char(code[:17]) != code[17]:
        raise ValueError("unified social credit code check digit is wrong")
    return code


def classify_region(
    *,
    country: str | None,
    province: str | None,
    city: str | None,
    home_country: str,
    home_province: str | None,
    home_city: str | None,
) -> RegionClass | None:
    """local = the factory's own city (or province if no city set); 外埠 = elsewhere at home."""
    if country and country.upper() != home_country.upper():
        return "international"
    if not province and not city:
        return None
    if home_city and city:
        return "local" if city == home_city else "out_of_town"
    if home_province and province:
        return "local" if province == home_province else "out_of_town"
    return None
