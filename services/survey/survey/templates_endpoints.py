"""HTTP routes of questionnaires (/survey-templates): parse, one use case, the answer."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from kefu_shared.auth import CurrentPrincipal
from kefu_shared.http.listing import ListRequestDep
from kefu_shared.http.pagination import Page
from survey import templates
from survey.deps import MANAGE_SURVEYS, READ_TEMPLATES, IfMatch, UowDep
from survey.models import Template
from survey.schemas import DraftUpdate, TemplateCreate, TemplateRead, TemplateVersionRead

router = APIRouter(prefix="/api/v1/survey-templates", tags=["survey templates"])


def _read(response: Response, template: Template) -> TemplateRead:
    response.headers["ETag"] = template.etag
    return TemplateRead.model_validate(template)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TemplateRead,
    dependencies=[MANAGE_SURVEYS],
    summary="Create a questionnaire; its version 1 is a draft",
)
async def create_template(
    body: TemplateCreate, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> TemplateRead:
    template = await templates.create_template(uow=uow, data=body, actor=principal)
    response.headers["Location"] = f"/api/v1/survey-templates/{template.id}"
    return _read(response, template)


@router.get(
    "",
    response_model=Page[TemplateRead],
    dependencies=[READ_TEMPLATES],
    summary="Questionnaires (built-in and own), by key; ?format=csv",
    responses={200: {"content": {"text/csv": {}}}},
)
async def list_templates(
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    kind: Annotated[str | None, Query(max_length=20)] = None,
) -> Any:
    return await listing.answer(
        partial(templates.list_templates, uow=uow, actor=principal, kind=kind),
        read=TemplateRead,
        filename="survey-templates.csv",
    )


@router.get(
    "/{template_id}",
    response_model=TemplateRead,
    dependencies=[READ_TEMPLATES],
    summary="A questionnaire",
)
async def read_template(
    template_id: str, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> TemplateRead:
    template = await templates.get_template(uow=uow, template_id=template_id, actor=principal)
    return _read(response, template)


@router.get(
    "/{template_id}/versions",
    response_model=Page[TemplateVersionRead],
    dependencies=[READ_TEMPLATES],
    summary="A questionnaire's versions, oldest first",
)
async def list_versions(
    template_id: str, uow: UowDep, listing: ListRequestDep, principal: CurrentPrincipal
) -> Any:
    return await listing.answer(
        partial(templates.list_versions, uow=uow, template_id=template_id, actor=principal),
        read=TemplateVersionRead,
        filename="survey-template-versions.csv",
        columns=["template_id", "number", "status", "created_at", "published_at"],
    )


@router.get(
    "/{template_id}/versions/{number}",
    response_model=TemplateVersionRead,
    dependencies=[READ_TEMPLATES],
    summary="One version of a questionnaire (what its responses answered)",
)
async def read_version(
    template_id: str,
    number: Annotated[int, Path(ge=1, le=1_000_000)],
    uow: UowDep,
    principal: CurrentPrincipal,
) -> TemplateVersionRead:
    version = await templates.get_version(
        uow=uow, template_id=template_id, number=number, actor=principal
    )
    return TemplateVersionRead.model_validate(version)


@router.put(
    "/{template_id}/draft",
    response_model=TemplateRead,
    dependencies=[MANAGE_SURVEYS],
    summary="Replace the draft version's questions (If-Match; a published version is immutable)",
)
async def update_draft(
    template_id: str,
    body: DraftUpdate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> TemplateRead:
    template = await templates.update_draft(
        uow=uow, template_id=template_id, data=body, if_match=if_match, actor=principal
    )
    return _read(response, template)


@router.post(
    "/{template_id}/publish",
    response_model=TemplateRead,
    dependencies=[MANAGE_SURVEYS],
    summary="Publish the draft (If-Match): new invitations answer it",
)
async def publish(
    template_id: str,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> TemplateRead:
    template = await templates.publish(
        uow=uow, template_id=template_id, if_match=if_match, actor=principal
    )
    return _read(response, template)


@router.post(
    "/{template_id}/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=TemplateRead,
    dependencies=[MANAGE_SURVEYS],
    summary="Start a new draft version from the newest one (If-Match)",
)
async def new_version(
    template_id: str,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> TemplateRead:
    template = await templates.new_version(
        uow=uow, template_id=template_id, if_match=if_match, actor=principal
    )
    return _read(response, template)
