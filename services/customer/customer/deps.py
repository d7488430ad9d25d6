"""What every route of the customer service takes from the request: the one settings
object (``SettingsDep``), the unit of work (``UowDep``) and the common header and query
parameters."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Request

from customer.credit.service import CreditControl
from customer.settings import CustomerSettings
from customer.uow import CustomerUnitOfWork
from kefu_shared.service import RuntimeDep


async def get_settings(request: Request) -> CustomerSettings:
    """The settings the app was created with (``create_app``); never built per request."""
    return request.app.state.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[CustomerSettings, Depends(get_settings)]


async def get_credit_control(settings: SettingsDep) -> CreditControl:
    """Credit control as the ledger's writes call it (``CreditFollowUp``)."""
    return CreditControl(settings.credit)


CreditDep = Annotated[CreditControl, Depends(get_credit_control)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
FormatParam = Annotated[Literal["json", "csv"] | None, Query(alias="format")]
Limit = Annotated[int | None, Query(description="page size, 1-200")]


async def get_uow(runtime: RuntimeDep) -> CustomerUnitOfWork:
    """A fresh unit of work per request; the use case opens and commits it."""
    return runtime.uow()  # type: ignore[return-value]  # create_app sets uow_class


UowDep = Annotated[CustomerUnitOfWork, Depends(get_uow)]
