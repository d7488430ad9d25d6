"""What every route of the customer service takes from the request: the one settings
object (``SettingsDep``), the unit of work (``UowDep``) and the common header and query
parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from customer.credit.service import CreditControl
from customer.settings import CustomerSettings
from customer.uow import CustomerUnitOfWork, customer_uow
from kefu_shared.http.etag import IfMatch, OptionalIfMatch
from kefu_shared.http.listing import FormatParam
from kefu_shared.service import RuntimeDep


async def get_settings(request: Request) -> CustomerSettings:
    """The settings the app was created with (``create_app``); never built per request."""
    return request.app.state.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[CustomerSettings, Depends(get_settings)]


async def get_credit_control(settings: SettingsDep) -> CreditControl:
    """Credit control as the ledger's writes call it (``CreditFollowUp``)."""
    return CreditControl(settings.credit)


CreditDep = Annotated[CreditControl, Depends(get_credit_control)]
Limit = Annotated[int | None, Query(description="page size, 1-200")]


async def get_uow(runtime: RuntimeDep) -> CustomerUnitOfWork:
    """A fresh unit of work per request; the use case opens and commits it."""
    return customer_uow(runtime)


UowDep = Annotated[CustomerUnitOfWork, Depends(get_uow)]

__all__ = [
    "CreditDep",
    "FormatParam",
    "IfMatch",
    "Limit",
    "OptionalIfMatch",
    "SettingsDep",
    "UowDep",
]
