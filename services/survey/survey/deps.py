"""What every route of the survey service takes from the request: the one settings object
(``SettingsDep``), the unit of work (``UowDep``), If-Match, the public rate limiter, and
who may do what."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Request

from kefu_shared.http.ratelimit import RateLimiter
from kefu_shared.permissions import require_permission
from kefu_shared.service import RuntimeDep
from survey.settings import SurveySettings
from survey.uow import SurveyUnitOfWork


async def get_settings(request: Request) -> SurveySettings:
    """The settings the app was created with (``create_app``); never built per request."""
    return request.app.state.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[SurveySettings, Depends(get_settings)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
FormatParam = Annotated[Literal["json", "csv"] | None, Query(alias="format")]


async def get_uow(runtime: RuntimeDep) -> SurveyUnitOfWork:
    """A fresh unit of work per request; the use case opens and commits it."""
    return runtime.uow()  # type: ignore[return-value]  # create_app sets uow_class


UowDep = Annotated[SurveyUnitOfWork, Depends(get_uow)]


async def get_limiter(request: Request) -> RateLimiter:
    """The public endpoints' limiter, made once by ``create_app`` from ``settings.public``."""
    return request.app.state.public_limiter  # type: ignore[no-any-return]


LimiterDep = Annotated[RateLimiter, Depends(get_limiter)]

# Who may do what: permissions of the matrix in kefu_shared.permissions. Dealers read
# their own customers' invitations, responses and analytics (scoped in the repositories);
# questionnaires and campaigns are the manufacturer's.
READ_TEMPLATES = require_permission("survey_templates:read")
MANAGE_SURVEYS = require_permission("survey:manage")
READ_CAMPAIGNS = require_permission("survey_campaigns:read")
READ_RESULTS = require_permission("survey_results:read")
