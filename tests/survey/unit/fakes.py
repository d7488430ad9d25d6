"""In-memory repositories and unit of work of the survey service, for unit tests of its
use cases: no database, no broker. They keep the methods the use cases call and behave
the same where a use case can tell (404 for another dealer's object, the single claim of
an invitation, the fatigue row)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kefu_shared.auth import Principal
from kefu_shared.testing import FakeUnitOfWork
from kefu_shared.visibility import visible_or_404
from survey.models import (
    Invitation,
    Recipient,
    Response,
    ServiceContact,
    Skip,
    Template,
    TemplateVersion,
)
from survey.scoring import DimensionTally, Tally


class FakeTemplates:
    def __init__(self) -> None:
        self.rows: dict[str, Template] = {}
        self.versions: list[TemplateVersion] = []

    def add(self, template: Template) -> None:
        self.rows[template.id] = template

    def add_version(self, version: TemplateVersion) -> None:
        self.versions.append(version)

    async def get_visible(self, template_id: str, actor: Principal) -> Template:
        return visible_or_404(
            self.rows.get(template_id), actor, what="survey template", ident=template_id
        )

    async def by_key(self, key: str) -> Template | None:
        return next((t for t in self.rows.values() if t.key == key), None)

    async def version(self, template_id: str, number: int) -> TemplateVersion | None:
        return next(
            (v for v in self.versions if v.template_id == template_id and v.number == number), None
        )


class FakeCustomers:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def put(self, customer_id: str, **kw: Any) -> None:
        row = {
            "id": customer_id,
            "status": "active",
            "dealer_id": None,
            "tier": None,
            "region_class": None,
            "province": None,
            "merged_into": None,
        }
        row.update(kw)
        self.rows[customer_id] = row

    async def get(self, customer_id: str) -> dict[str, Any] | None:
        row = self.rows.get(customer_id)
        while row is not None and row["merged_into"]:
            row = self.rows.get(row["merged_into"])
        return row

    async def page_of(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        return {i: self.rows[i] for i in ids if i in self.rows}


class FakeInvitations:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self.rows: dict[str, Invitation] = {}
        self.skips: list[Skip] = []
        self.recipients_: dict[str, Recipient] = {}
        self.contacts: list[ServiceContact] = []

    def add(self, invitation: Invitation) -> None:
        self.rows[invitation.id] = invitation
        self._uow.track(invitation)

    def add_skip(self, skip: Skip) -> None:
        self.skips.append(skip)

    async def by_token(self, token: str) -> Invitation | None:
        return next((i for i in self.rows.values() if i.token == token), None)

    async def claim(self, invitation_id: str, at: datetime) -> bool:
        inv = self.rows[invitation_id]
        if inv.status != "sent" or inv.expires_at <= at:
            return False
        inv.status, inv.responded_at = "responded", at
        return True

    async def exists_for(self, *, trigger_key: str) -> bool:
        return any(i.trigger_key == trigger_key for i in self.rows.values()) or any(
            s.trigger_key == trigger_key for s in self.skips
        )

    async def recipient(self, customer_id: str) -> Recipient:
        return self.recipients_.setdefault(
            customer_id, Recipient(customer_id=customer_id, last_invited_at=None, invitations=0)
        )

    async def recipients(self, ids: list[str]) -> dict[str, Recipient]:
        return {i: await self.recipient(i) for i in ids}

    async def add_contact(self, contact: ServiceContact) -> bool:
        if any(
            c.source == contact.source and c.source_id == contact.source_id for c in self.contacts
        ):
            return False
        self.contacts.append(contact)
        return True

    async def handled_in_campaign(self, campaign_id: str, ids: list[str]) -> set[str]:
        done = {i.customer_id for i in self.rows.values() if i.campaign_id == campaign_id}
        done |= {s.customer_id for s in self.skips if s.campaign_id == campaign_id}
        return done & set(ids)


class FakeResponses:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self.rows: list[Response] = []
        self.rollups: dict[Any, Tally] = {}
        self.dimension_rollups: dict[Any, DimensionTally] = {}

    def add(self, response: Response) -> None:
        self.rows.append(response)
        self._uow.track(response)


class FakeSurveyUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.templates = FakeTemplates()
        self.customers = FakeCustomers()
        self.invitations = FakeInvitations(self)
        self.responses = FakeResponses(self)
