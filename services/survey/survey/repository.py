"""Queries of questionnaires, campaigns and the local customer copy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from kefu_shared.auth import Principal
from kefu_shared.http.pagination import apply_keyset, page_from_rows
from kefu_shared.visibility import visible_or_404
from survey.models import Campaign, ServiceContact, Template, TemplateVersion, customer_copies
from survey.sampling import Candidate

# Customers that can be surveyed: not merged into another, not erased, not archived.
ACTIVE = "active"


class TemplateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, template: Template) -> None:
        self.session.add(template)

    def add_version(self, version: TemplateVersion) -> None:
        self.session.add(version)

    async def get_visible(self, template_id: str, actor: Principal) -> Template:
        stmt = select(Template).where(Template.id == template_id)
        found = (await self.session.execute(stmt)).scalar_one_or_none()
        return visible_or_404(found, actor, what="survey template", ident=template_id)

    async def by_key(self, key: str) -> Template | None:
        stmt = select(Template).where(Template.key == key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def version(self, template_id: str, number: int) -> TemplateVersion | None:
        stmt = select(TemplateVersion).where(
            TemplateVersion.template_id == template_id, TemplateVersion.number == number
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def versions_page(
        self, template_id: str, *, cursor: str | None, limit: int
    ) -> tuple[list[TemplateVersion], str | None]:
        stmt = apply_keyset(
            select(TemplateVersion).where(TemplateVersion.template_id == template_id),
            [TemplateVersion.number],
            cursor=cursor,
            limit=limit,
            sort="versions",
        )
        rows = list((await self.session.execute(stmt)).scalars())
        return page_from_rows(rows, limit=limit, key=lambda v: [v.number], sort="versions")

    async def page(
        self, *, kind: str | None, cursor: str | None, limit: int
    ) -> tuple[list[Template], str | None]:
        stmt = select(Template)
        if kind:
            stmt = stmt.where(Template.kind == kind)
        stmt = apply_keyset(stmt, [Template.key], cursor=cursor, limit=limit, sort="templates")
        rows = list((await self.session.execute(stmt)).scalars())
        return page_from_rows(rows, limit=limit, key=lambda t: [t.key], sort="templates")

    async def with_versions(self, template_id: str) -> Template | None:
        stmt = (
            select(Template)
            .where(Template.id == template_id)
            .options(selectinload(Template.versions))
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()


@dataclass
class Segment:
    """Who a campaign targets, read from the local customer copy."""

    tier: list[str] = field(default_factory=list)
    region_class: list[str] = field(default_factory=list)
    province: list[str] = field(default_factory=list)
    industry: list[str] = field(default_factory=list)
    dealer_id: list[str] = field(default_factory=list)
    key_account: bool | None = None
    served_from: datetime | None = None
    served_to: datetime | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        c = customer_copies.c
        stmt = stmt.where(c.status == ACTIVE)
        for column, values in (
            (c.tier, self.tier),
            (c.region_class, self.region_class),
            (c.province, self.province),
            (c.industry, self.industry),
            (c.dealer_id, self.dealer_id),
        ):
            if values:
                stmt = stmt.where(column.in_(values))
        if self.key_account is not None:
            stmt = stmt.where(c.key_account == self.key_account)
        if self.served_from is not None or self.served_to is not None:
            served = exists().where(ServiceContact.customer_id == c.id)
            if self.served_from is not None:
                served = served.where(ServiceContact.served_at >= self.served_from)
            if self.served_to is not None:
                served = served.where(ServiceContact.served_at < self.served_to)
            stmt = stmt.where(served)
        return stmt


class CustomerCopyRepository:
    """This service's copy of the customers (fed by customer events)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, customer_id: str) -> dict[str, Any] | None:
        """The customer, following merges to the surviving one."""
        for _ in range(5):  # a merge chain is short; never loop forever on bad data
            stmt = select(customer_copies).where(customer_copies.c.id == customer_id)
            row = (await self.session.execute(stmt)).mappings().first()
            if row is None or row["merged_into"] is None:
                return dict(row) if row is not None else None
            customer_id = row["merged_into"]
        return None

    async def strata(self, segment: Segment) -> dict[str, int]:
        """Segment size per tier ("" for none)."""
        c = customer_copies.c
        stmt = segment.apply(select(c.tier, func.count()).group_by(c.tier))
        return {(t or ""): int(n) for t, n in (await self.session.execute(stmt)).all()}

    async def stream(self, segment: Segment, *, page: int = 2000) -> AsyncIterator[Candidate]:
        """The segment in customer-id order, a page at a time."""
        c = customer_copies.c
        after = ""
        while True:
            stmt = segment.apply(select(c.id, c.tier)).where(c.id > after)
            rows = (await self.session.execute(stmt.order_by(c.id).limit(page))).all()
            for cid, tier in rows:
                yield Candidate(cid, tier)
            if len(rows) < page:
                return
            after = rows[-1][0]

    async def page_of(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        stmt = select(customer_copies).where(customer_copies.c.id.in_(ids))
        return {r["id"]: dict(r) for r in (await self.session.execute(stmt)).mappings()}


@dataclass
class CampaignFilter:
    status: list[str] = field(default_factory=list)
    template_key: str | None = None


class CampaignRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, campaign: Campaign) -> None:
        self.session.add(campaign)

    async def get_visible(
        self, campaign_id: str, actor: Principal, *, for_update: bool = False
    ) -> Campaign:
        stmt = select(Campaign).where(Campaign.id == campaign_id)
        if for_update:
            stmt = stmt.with_for_update()
        found = (await self.session.execute(stmt)).scalar_one_or_none()
        return visible_or_404(found, actor, what="survey campaign", ident=campaign_id)

    async def get(self, campaign_id: str) -> Campaign | None:
        stmt = select(Campaign).where(Campaign.id == campaign_id).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(
        self, filters: CampaignFilter, actor: Principal, *, cursor: str | None, limit: int
    ) -> tuple[list[Campaign], str | None]:
        # Campaigns are the manufacturer's; dealers reach their customers' invitations and
        # results (scoped there), not the campaign list.
        stmt = select(Campaign)
        if filters.status:
            stmt = stmt.where(Campaign.status.in_(filters.status))
        if filters.template_key:
            stmt = stmt.where(Campaign.template_key == filters.template_key)
        stmt = apply_keyset(
            stmt,
            [Campaign.created_at, Campaign.id],
            cursor=cursor,
            limit=limit,
            descending=True,
            sort="campaigns",
        )
        rows = list((await self.session.execute(stmt)).scalars())
        return page_from_rows(
            rows, limit=limit, key=lambda c: [c.created_at, c.id], sort="campaigns"
        )

    async def running(self) -> list[str]:
        stmt = select(Campaign.id).where(Campaign.status == "running")
        return list((await self.session.execute(stmt)).scalars())
