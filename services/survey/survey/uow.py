"""The survey service's unit of work: one transaction and the repositories working in it.
A use case takes only this, so its unit tests run it against
``tests/survey/unit/fakes.FakeSurveyUnitOfWork``."""

from __future__ import annotations

from typing import Self

from kefu_shared.uow import UnitOfWork
from survey.invitation_repository import InvitationRepository
from survey.repository import CampaignRepository, CustomerCopyRepository, TemplateRepository
from survey.response_repository import ResponseRepository


class SurveyUnitOfWork(UnitOfWork):
    templates: TemplateRepository
    campaigns: CampaignRepository
    customers: CustomerCopyRepository
    invitations: InvitationRepository
    responses: ResponseRepository

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        session = self.session
        self.templates = TemplateRepository(session)
        self.campaigns = CampaignRepository(session)
        self.customers = CustomerCopyRepository(session)
        self.invitations = InvitationRepository(session)
        self.responses = ResponseRepository(session)
        return self
