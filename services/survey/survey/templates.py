"""Use cases of questionnaires: create, edit the draft, publish, start a new version, read;
the built-in questionnaires at start-up. A published version never changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kefu_shared.audit import AuditEntry
from kefu_shared.auth import Principal
from kefu_shared.db import new_uuid, utcnow
from kefu_shared.errors import Conflict, NotFound
from kefu_shared.http.etag import check_if_match
from survey.builtins import BUILTINS
from survey.models import Template, TemplateVersion
from survey.questions import Question, check_questionnaire
from survey.schemas import DraftUpdate, TemplateCreate

if TYPE_CHECKING:
    from survey.uow import SurveyUnitOfWork


def _questions_json(questions: list[Question]) -> list[dict[str, object]]:
    check_questionnaire(questions)
    return [q.model_dump(exclude_none=True) for q in questions]


def _new_template(
    uow: SurveyUnitOfWork,
    *,
    key: str,
    kind: str,
    name_zh: str,
    name_en: str,
    questions: list[Question],
    builtin: bool,
    publish_as: str | None,
) -> Template:
    now = utcnow()
    template = Template(
        id=new_uuid(),
        key=key,
        kind=kind,
        name_zh=name_zh,
        name_en=name_en,
        builtin=builtin,
        latest_version=1,
        published_version=1 if publish_as else None,
        version=1,
        created_at=now,
        updated_at=now,
    )
    uow.templates.add(template)
    uow.templates.add_version(
        TemplateVersion(
            id=new_uuid(),
            template_id=template.id,
            number=1,
            status="published" if publish_as else "draft",
            questions=_questions_json(questions),
            created_at=now,
            published_at=now if publish_as else None,
            published_by=publish_as,
        )
    )
    return template


async def ensure_builtins(*, uow: SurveyUnitOfWork) -> list[str]:
    """Create the built-in questionnaires that are missing (published as version 1)."""
    created = []
    async with uow:
        for builtin in BUILTINS:
            if await uow.templates.by_key(builtin.key) is not None:
                continue
            _new_template(
                uow,
                key=builtin.key,
                kind=builtin.kind,
                name_zh=builtin.name_zh,
                name_en=builtin.name_en,
                questions=builtin.parsed(),
                builtin=True,
                publish_as="system",
            )
            created.append(builtin.key)
        await uow.commit()
    return created


async def create_template(
    *, uow: SurveyUnitOfWork, data: TemplateCreate, actor: Principal
) -> Template:
    """A new questionnaire with its first version as a draft."""
    async with uow:
        if await uow.templates.by_key(data.key) is not None:
            raise Conflict(
                f"a survey template with key {data.key} exists",
                errors=[{"field": "key", "message": "taken"}],
            )
        template = _new_template(
            uow,
            key=data.key,
            kind=data.kind,
            name_zh=data.name_zh,
            name_en=data.name_en,
            questions=data.questions,
            builtin=False,
            publish_as=None,
        )
        uow.audit(
            AuditEntry(
                aggregate_type="survey_template",
                aggregate_id=template.id,
                action="created",
                actor=actor.user_id,
                fields=["key", "questions"],
            )
        )
        await uow.commit()
    return template


async def get_template(*, uow: SurveyUnitOfWork, template_id: str, actor: Principal) -> Template:
    async with uow:
        return await uow.templates.get_visible(template_id, actor)


async def list_templates(
    *, uow: SurveyUnitOfWork, actor: Principal, kind: str | None, cursor: str | None, limit: int
) -> tuple[list[Template], str | None]:
    async with uow:
        return await uow.templates.page(kind=kind, cursor=cursor, limit=limit)


async def get_version(
    *, uow: SurveyUnitOfWork, template_id: str, number: int, actor: Principal
) -> TemplateVersion:
    async with uow:
        await uow.templates.get_visible(template_id, actor)
        version = await uow.templates.version(template_id, number)
        if version is None:
            raise NotFound(f"version {number} of survey template {template_id} not found")
        return version


async def list_versions(
    *, uow: SurveyUnitOfWork, template_id: str, actor: Principal, cursor: str | None, limit: int
) -> tuple[list[TemplateVersion], str | None]:
    async with uow:
        await uow.templates.get_visible(template_id, actor)
        return await uow.templates.versions_page(template_id, cursor=cursor, limit=limit)


async def _draft(uow: SurveyUnitOfWork, template: Template) -> TemplateVersion:
    latest = await uow.templates.version(template.id, template.latest_version)
    if latest is None or latest.status != "draft":
        raise Conflict(
            f"version {template.latest_version} is published and cannot change; "
            "start a new version (POST .../versions)"
        )
    return latest


async def update_draft(
    *,
    uow: SurveyUnitOfWork,
    template_id: str,
    data: DraftUpdate,
    if_match: str | None,
    actor: Principal,
) -> Template:
    """Replace the draft's questions (and the names); published versions stay as they are."""
    async with uow:
        template = await uow.templates.get_visible(template_id, actor)
        check_if_match(if_match, template.etag)
        draft = await _draft(uow, template)
        draft.questions = _questions_json(data.questions)
        template.name_zh = data.name_zh or template.name_zh
        template.name_en = data.name_en or template.name_en
        template.version += 1
        template.updated_at = utcnow()
        uow.audit(
            AuditEntry(
                aggregate_type="survey_template",
                aggregate_id=template.id,
                action="draft_updated",
                actor=actor.user_id,
                fields=["questions"],
                related_ids=[str(draft.number)],
            )
        )
        await uow.commit()
    return template


async def publish(
    *, uow: SurveyUnitOfWork, template_id: str, if_match: str | None, actor: Principal
) -> Template:
    """Publish the draft: new invitations answer it from now on; it never changes again."""
    async with uow:
        template = await uow.templates.get_visible(template_id, actor)
        check_if_match(if_match, template.etag)
        draft = await _draft(uow, template)
        now = utcnow()
        draft.status = "published"
        draft.published_at = now
        draft.published_by = actor.user_id
        before = template.published_version
        template.published_version = draft.number
        template.version += 1
        template.updated_at = now
        uow.audit(
            AuditEntry(
                aggregate_type="survey_template",
                aggregate_id=template.id,
                action="published",
                actor=actor.user_id,
                changes={"published_version": {"from": before, "to": draft.number}},
            )
        )
        await uow.commit()
    return template


async def new_version(
    *, uow: SurveyUnitOfWork, template_id: str, if_match: str | None, actor: Principal
) -> Template:
    """Start a draft from the newest version (409 while a draft exists)."""
    async with uow:
        template = await uow.templates.get_visible(template_id, actor)
        check_if_match(if_match, template.etag)
        latest = await uow.templates.version(template.id, template.latest_version)
        if latest is None or latest.status == "draft":
            raise Conflict(f"version {template.latest_version} is still a draft; edit it")
        number = template.latest_version + 1
        uow.templates.add_version(
            TemplateVersion(
                id=new_uuid(),
                template_id=template.id,
                number=number,
                status="draft",
                questions=list(latest.questions),
                created_at=utcnow(),
            )
        )
        template.latest_version = number
        template.version += 1
        template.updated_at = utcnow()
        await uow.commit()
    return template


async def published_version(
    uow: SurveyUnitOfWork, key: str
) -> tuple[Template, TemplateVersion] | None:
    """The questionnaire ``key`` and its published version (None when there is none)."""
    template = await uow.templates.by_key(key)
    if template is None or template.published_version is None:
        return None
    version = await uow.templates.version(template.id, template.published_version)
    return (template, version) if version is not None else None
