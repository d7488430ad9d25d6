"""HTTP routes of the classification area."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from customer.classification import service
from customer.classification.config import ClassificationSettings
from customer.classification.schemas import ResultRead, RunCreate, RunRead
from kefu_shared.auth import CurrentPrincipal, require_roles
from kefu_shared.http.csvexport import csv_response, wants_csv
from kefu_shared.http.pagination import MAX_LIMIT, Page, all_pages, clamp_limit
from kefu_shared.service import RuntimeDep, UowDep

router = APIRouter(prefix="/api/v1", tags=["classification"])

ROLES = ("service_manager", "analyst")  # admin always passes


def get_classification_settings(request: Request) -> ClassificationSettings:
    """Read from the environment once per app, on first use (not at import time)."""
    settings = getattr(request.app.state, "classification_settings", None)
    if settings is None:
        settings = ClassificationSettings()
        request.app.state.classification_settings = settings
    return settings


SettingsDep = Annotated[ClassificationSettings, Depends(get_classification_settings)]


@router.post(
    "/classification-runs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RunRead,
    dependencies=[require_roles(*ROLES)],
    summary="Start a revenue classification run (runs in the background)",
)
async def create_run(
    body: RunCreate,
    response: Response,
    uow: UowDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> RunRead:
    run = await service.start_classification_run(
        uow=uow,
        uow_factory=runtime.uow,
        data=body,
        actor=principal,
        settings=settings,
        tasks=runtime.extra_tasks,
    )
    response.headers["Location"] = f"/api/v1/classification-runs/{run.id}"
    return RunRead.model_validate(run)


@router.get(
    "/classification-runs",
    response_model=Page[RunRead],
    dependencies=[require_roles(*ROLES)],
    summary="List classification runs, newest first",
)
async def list_runs(
    uow: UowDep, cursor: str | None = None, limit: Annotated[int | None, Query()] = None
) -> Page[RunRead]:
    n = clamp_limit(limit)
    runs, next_cursor = await service.list_runs(uow=uow, cursor=cursor, limit=n)
    return Page[RunRead](
        items=[RunRead.model_validate(r) for r in runs], next_cursor=next_cursor, limit=n
    )


@router.get(
    "/classification-runs/{run_id}",
    response_model=RunRead,
    dependencies=[require_roles(*ROLES)],
    summary="Read a classification run: its rule, its numbers and its status",
)
async def read_run(run_id: str, uow: UowDep) -> RunRead:
    return RunRead.model_validate(await service.get_run(uow=uow, run_id=run_id))


@router.get(
    "/classification-runs/{run_id}/results",
    response_model=Page[ResultRead],
    dependencies=[require_roles(*ROLES)],
    summary="The customers a run changed, with the revenue and rank behind each change",
)
async def list_run_results(
    request: Request,
    run_id: str,
    uow: UowDep,
    cursor: str | None = None,
    limit: Annotated[int | None, Query()] = None,
    fmt: Annotated[Literal["json", "csv"] | None, Query(alias="format")] = None,
) -> Any:
    n = clamp_limit(limit)

    async def page(cur: str | None, size: int = n) -> tuple[list[ResultRead], str | None]:
        rows, next_cursor = await service.list_results(
            uow=uow, run_id=run_id, cursor=cur, limit=size
        )
        return [ResultRead.model_validate(r) for r in rows], next_cursor

    if wants_csv(fmt, request.headers.get("accept")):
        await service.get_run(uow=uow, run_id=run_id)  # 404 before the stream starts
        rows = all_pages(lambda cur: page(cur, MAX_LIMIT))
        return csv_response(
            rows, list(ResultRead.model_fields), filename=f"classification-{run_id}.csv"
        )
    items, next_cursor = await page(cursor)
    return Page[ResultRead](items=items, next_cursor=next_cursor, limit=n)
