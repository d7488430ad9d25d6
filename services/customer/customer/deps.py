"""What every route of the customer service takes from the request: the one settings
object (``SettingsDep``) and the common header and query parameters."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Request

from customer.settings import CustomerSettings


def get_settings(request: Request) -> CustomerSettings:
    """The settings the app was created with (``create_app``); never built per request."""
    return request.app.state.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[CustomerSettings, Depends(get_settings)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
FormatParam = Annotated[Literal["json", "csv"] | None, Query(alias="format")]
Limit = Annotated[int | None, Query(description="page size, 1-200")]
