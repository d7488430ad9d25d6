"""HTTP routes of the credit area: parse, call one use case, shape the answer."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from customer.credit import service
from customer.credit.domain import HoldCode, Rating
from customer.credit.schemas import (
    Change,
    CreditCheckRequest,
    CreditCheckResult,
    CreditHistoryRead,
    CreditHoldRead,
    CreditProfileRead,
    CreditTermsUpdate,
    RatingOverride,
    RecalculateRequest,
    RecalculationRead,
)
from customer.deps import IfMatch, OptionalIfMatch, SettingsDep, UowDep
from kefu_shared.auth import CurrentPrincipal
from kefu_shared.bounds import BoundedDate
from kefu_shared.http.listing import ListRequestDep
from kefu_shared.http.pagination import Page
from kefu_shared.permissions import has_permission, require_permission

router = APIRouter(prefix="/api/v1", tags=["credit"])


def _profile(response: Response, profile: dict) -> CreditProfileRead:  # type: ignore[type-arg]
    response.headers["ETag"] = service.etag(profile)
    return CreditProfileRead.of(profile)


@router.get(
    "/customers/{customer_id}/credit",
    response_model=CreditProfileRead,
    dependencies=[require_permission("credit:read")],
    summary="Read the credit profile (rating, limit, receivables, hold)",
)
async def read_credit(
    customer_id: str,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> CreditProfileRead:
    profile = await service.get_profile(
        uow=uow, customer_id=customer_id, actor=principal, policy=settings.credit
    )
    return _profile(response, profile)


@router.patch(
    "/customers/{customer_id}/credit",
    response_model=CreditProfileRead,
    dependencies=[require_permission("credit:write")],
    summary="Set credit limit, payment terms or collateral (If-Match required)",
)
async def update_credit_terms(
    customer_id: str,
    body: CreditTermsUpdate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> CreditProfileRead:
    changes = body.model_dump(exclude_unset=True, exclude={"reason"})
    profile = await service.set_terms(
        uow=uow,
        customer_id=customer_id,
        changes=changes,
        reason=body.reason,
        if_match=if_match,
        actor=principal,
        policy=settings.credit,
    )
    return _profile(response, profile)


@router.put(
    "/customers/{customer_id}/credit/override",
    response_model=CreditProfileRead,
    dependencies=[require_permission("credit:write")],
    summary="Override the rating, with a reason (If-Match honoured when sent)",
)
async def override_rating(
    customer_id: str,
    body: RatingOverride,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    if_match: OptionalIfMatch = None,
) -> CreditProfileRead:
    profile = await service.override_rating(
        uow=uow,
        customer_id=customer_id,
        rating=body.rating,
        reason=body.reason,
        if_match=if_match,
        actor=principal,
        policy=settings.credit,
    )
    return _profile(response, profile)


@router.delete(
    "/customers/{customer_id}/credit/override",
    response_model=CreditProfileRead,
    dependencies=[require_permission("credit:write")],
    summary="Clear the override: back to the scorecard's rating",
)
async def clear_override(
    customer_id: str,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    reason: Annotated[str, Query(min_length=3, max_length=1000)] = "override cleared",
    if_match: OptionalIfMatch = None,
) -> CreditProfileRead:
    profile = await service.clear_override(
        uow=uow,
        customer_id=customer_id,
        reason=reason,
        if_match=if_match,
        actor=principal,
        policy=settings.credit,
    )
    return _profile(response, profile)


@router.get(
    "/customers/{customer_id}/credit/history",
    response_model=Page[CreditHistoryRead],
    dependencies=[require_permission("credit:read")],
    summary="History of rating, limit, terms and hold changes (newest first)",
)
async def credit_history(
    customer_id: str,
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    change: Change | None = None,
) -> Any:
    return await listing.answer(
        partial(
            service.rating_history, uow=uow, customer_id=customer_id, change=change, actor=principal
        ),
        read=CreditHistoryRead,
        filename="credit-history.csv",
    )


@router.post(
    "/customers/{customer_id}/credit/recalculate",
    response_model=CreditProfileRead,
    dependencies=[require_permission("credit:write")],
    summary="Recalculate one customer's credit (as_of: the day overdue is counted to)",
)
async def recalculate_customer(
    customer_id: str,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    as_of: BoundedDate | None = None,
) -> CreditProfileRead:
    profile = await service.recalculate_customer(
        uow=uow, customer_id=customer_id, as_of=as_of, actor=principal, policy=settings.credit
    )
    return _profile(response, profile)


@router.post(
    "/customers/{customer_id}/credit/check",
    response_model=CreditCheckResult,
    dependencies=[require_permission("credit:check")],
    summary="May this customer take an order / paid work of this amount? (资信控制)",
)
async def check_credit(
    customer_id: str,
    body: CreditCheckRequest,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> CreditCheckResult:
    d = await service.check_credit(
        uow=uow,
        customer_id=customer_id,
        amount=body.amount,
        purpose=body.purpose,
        # Only who may change credit may evaluate at another date (it is stored on the profile).
        as_of=body.as_of if has_permission(principal, "credit:write") else None,
        actor=principal,
        policy=settings.credit,
    )
    return CreditCheckResult(
        allowed=d.allowed,
        reason=d.reason,
        amount=d.amount,
        outstanding=d.outstanding,
        credit_limit=d.credit_limit,
        available=d.available,
        on_hold=d.profile["on_hold"],
        hold_reason=d.profile["hold_reason"],
        rating=d.profile["rating"],
    )


@router.post(
    "/credit/recalculate",
    response_model=RecalculationRead,
    dependencies=[require_permission("credit:write")],
    summary="Recalculate every customer's credit (batched; run daily)",
)
async def recalculate_all(
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    body: RecalculateRequest | None = None,
) -> RecalculationRead:
    summary = await service.recalculate_all(
        uow=uow, as_of=body.as_of if body else None, actor=principal, policy=settings.credit
    )
    return RecalculationRead(**asdict(summary))


def _hold(row: Any) -> CreditHoldRead:
    profile, number, name, dealer_id = row
    return CreditHoldRead(
        customer_id=profile.customer_id,
        number=number,
        name=name,
        dealer_id=dealer_id,
        rating=profile.rating,
        credit_limit=profile.credit_limit,
        outstanding=profile.outstanding,
        overdue_amount=profile.overdue_amount,
        max_overdue_days=profile.max_overdue_days,
        hold_code=profile.hold_code,
        hold_reason=profile.hold_reason,
        hold_since=profile.hold_since,
    )


@router.get(
    "/credit/holds",
    response_model=Page[CreditHoldRead],
    dependencies=[require_permission("credit:read")],
    summary="Customers on credit hold (newest hold first)",
)
async def list_holds(
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    dealer_id: str | None = None,
    hold_code: HoldCode | None = None,
    rating: Rating | None = None,
) -> Any:
    return await listing.answer(
        partial(
            service.list_holds,
            uow=uow,
            dealer_id=dealer_id,
            hold_code=hold_code,
            rating=rating,
            actor=principal,
        ),
        read=_hold,
        filename="credit-holds.csv",
        columns=list(CreditHoldRead.model_fields),
    )
