"""HTTP routes of the classification area."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Response, status

from customer.classification import service
from customer.classification.schemas import ResultRead, RunCreate, RunRead
from customer.deps import SettingsDep, UowDep
from kefu_shared.auth import CurrentPrincipal
from kefu_shared.http.listing import ListRequestDep
from kefu_shared.http.pagination import Page
from kefu_shared.permissions import require_permission

router = APIRouter(prefix="/api/v1", tags=["classification"])


@router.post(
    "/classification-runs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RunRead,
    dependencies=[require_permission("classification:run")],
    summary="Start a revenue classification run (a background job)",
)
async def create_run(
    body: RunCreate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> RunRead:
    run = await service.start_classification_run(
        uow=uow, data=body, actor=principal, settings=settings.classification
    )
    response.headers["Location"] = f"/api/v1/classification-runs/{run.id}"
    return RunRead.model_validate(run)


@router.get(
    "/classification-runs",
    response_model=Page[RunRead],
    dependencies=[require_permission("classification:run")],
    summary="List classification runs, newest first",
)
async def list_runs(
    uow: UowDep,
    listing: ListRequestDep,
) -> Any:
    return await listing.answer(
        partial(service.list_runs, uow=uow),
        read=RunRead,
        filename="classification-runs.csv",
    )


@router.get(
    "/classification-runs/{run_id}",
    response_model=RunRead,
    dependencies=[require_permission("classification:run")],
    summary="Read a classification run: its rule, its numbers and its status",
)
async def read_run(run_id: str, uow: UowDep) -> RunRead:
    return RunRead.model_validate(await service.get_run(uow=uow, run_id=run_id))


@router.get(
    "/classification-runs/{run_id}/results",
    response_model=Page[ResultRead],
    dependencies=[require_permission("classification:run")],
    summary="The customers a run changed, with the revenue and rank behind each change",
)
async def list_run_results(
    run_id: str,
    uow: UowDep,
    listing: ListRequestDep,
) -> Any:
    return await listing.answer(
        partial(service.list_results, uow=uow, run_id=run_id),
        read=ResultRead,
        filename=f"classification-{run_id}.csv",
    )
