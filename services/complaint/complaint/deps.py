"""What every route of the complaint service takes from the request: the one settings
object (``SettingsDep``), the complaint rules bound to the calendar (``PolicyDep``), the
unit of work (``UowDep``) and the If-Match header."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from complaint.policy import ComplaintPolicy
from complaint.settings import ComplaintSettings
from complaint.uow import ComplaintUnitOfWork
from kefu_shared.service import RuntimeDep


async def get_settings(request: Request) -> ComplaintSettings:
    """The settings the app was created with (``create_app``); never built per request."""
    return request.app.state.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[ComplaintSettings, Depends(get_settings)]


async def get_policy(request: Request) -> ComplaintPolicy:
    """The rules and calendar built once with the app (``create_app``)."""
    return request.app.state.policy  # type: ignore[no-any-return]


PolicyDep = Annotated[ComplaintPolicy, Depends(get_policy)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]


async def get_uow(runtime: RuntimeDep) -> ComplaintUnitOfWork:
    """A fresh unit of work per request; the use case opens and commits it (async: a
    plain function would be run in the thread pool for every request)."""
    return runtime.uow()  # type: ignore[return-value]  # create_app sets uow_class


UowDep = Annotated[ComplaintUnitOfWork, Depends(get_uow)]
