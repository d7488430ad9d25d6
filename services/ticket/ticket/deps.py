"""What every route of the ticket service takes from the request: the one settings
object (``SettingsDep``), the SLA clocks built from it once (``ClocksDep``), the unit of
work (``UowDep``) and the If-Match header."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from kefu_shared.service import RuntimeDep
from ticket.rules import Clocks
from ticket.settings import TicketSettings
from ticket.uow import TicketUnitOfWork


async def get_settings(request: Request) -> TicketSettings:
    """The settings the app was created with (``create_app``); never built per request."""
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_clocks(request: Request) -> Clocks:
    """The business and 24×7 calendars, built once by ``create_app``."""
    return request.app.state.clocks  # type: ignore[no-any-return]


SettingsDep = Annotated[TicketSettings, Depends(get_settings)]
ClocksDep = Annotated[Clocks, Depends(get_clocks)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]


async def get_uow(runtime: RuntimeDep) -> TicketUnitOfWork:
    """A fresh unit of work per request; the use case opens and commits it."""
    return runtime.uow()  # type: ignore[return-value]  # create_app sets uow_class


UowDep = Annotated[TicketUnitOfWork, Depends(get_uow)]
