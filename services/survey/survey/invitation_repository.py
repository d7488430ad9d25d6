"""Queries of invitations, the fatigue rows, skips and service contacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kefu_shared.auth import Principal
from kefu_shared.http.pagination import apply_keyset, page_from_rows
from kefu_shared.visibility import dealer_scope, visible_or_404
from survey.models import Invitation, Recipient, ServiceContact, Skip


@dataclass
class InvitationFilter:
    customer_id: str | None = None
    campaign_id: str | None = None
    status: list[str] = field(default_factory=list)
    trigger: str | None = None
    dealer_id: str | None = None
    sent_from: datetime | None = None
    sent_to: datetime | None = None


class InvitationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, invitation: Invitation) -> None:
        self.session.add(invitation)

    def add_skip(self, skip: Skip) -> None:
        self.session.add(skip)

    async def by_token(self, token: str) -> Invitation | None:
        stmt = select(Invitation).where(Invitation.token == token)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def claim(self, invitation_id: str, at: datetime) -> bool:
        """Mark the invitation answered if nobody did first: the one row a concurrent
        second submission waits for and then finds taken (one wins, the other 409)."""
        result = await self.session.execute(
            update(Invitation)
            .where(
                Invitation.id == invitation_id,
                Invitation.status == "sent",
                Invitation.expires_at > at,
            )
            .values(status="responded", responded_at=at)
            .execution_options(synchronize_session=False)
        )
        return (result.rowcount or 0) == 1  # type: ignore[attr-defined]

    async def get_visible(self, invitation_id: str, actor: Principal) -> Invitation:
        stmt = select(Invitation).where(Invitation.id == invitation_id)
        found = (await self.session.execute(stmt)).scalar_one_or_none()
        return visible_or_404(found, actor, what="survey invitation", ident=invitation_id)

    async def exists_for(self, *, trigger_key: str) -> bool:
        stmt = select(Invitation.id).where(Invitation.trigger_key == trigger_key)
        if (await self.session.execute(stmt)).first() is not None:
            return True
        stmt = select(Skip.id).where(Skip.trigger_key == trigger_key)
        return (await self.session.execute(stmt)).first() is not None

    async def handled_in_campaign(self, campaign_id: str, customer_ids: list[str]) -> set[str]:
        """Which of ``customer_ids`` the campaign already invited or skipped."""
        invited = select(Invitation.customer_id).where(
            Invitation.campaign_id == campaign_id, Invitation.customer_id.in_(customer_ids)
        )
        skipped = select(Skip.customer_id).where(
            Skip.campaign_id == campaign_id, Skip.customer_id.in_(customer_ids)
        )
        found = set((await self.session.execute(invited)).scalars())
        return found | set((await self.session.execute(skipped)).scalars())

    async def campaign_counts(self, campaign_id: str) -> dict[str, int]:
        invited = select(func.count()).where(Invitation.campaign_id == campaign_id)
        skipped = select(func.count()).where(Skip.campaign_id == campaign_id)
        return {
            "invited": int((await self.session.execute(invited)).scalar_one()),
            "skipped": int((await self.session.execute(skipped)).scalar_one()),
        }

    async def expire_campaign(self, campaign_id: str) -> None:
        await self.session.execute(
            update(Invitation)
            .where(Invitation.campaign_id == campaign_id, Invitation.status == "sent")
            .values(status="expired")
        )

    async def recipient(self, customer_id: str) -> Recipient:
        """The customer's fatigue row, locked until commit (created when missing): two
        invitations for one customer decided at once wait for each other."""
        stmt = select(Recipient).where(Recipient.customer_id == customer_id).with_for_update()
        found = (await self.session.execute(stmt)).scalar_one_or_none()
        if found is None:
            found = Recipient(customer_id=customer_id, last_invited_at=None, invitations=0)
            self.session.add(found)
            await self.session.flush()
        return found

    async def recipients(self, customer_ids: list[str]) -> dict[str, Recipient]:
        """The fatigue rows of many customers, locked (missing ones created)."""
        stmt = (
            select(Recipient)
            .where(Recipient.customer_id.in_(customer_ids))
            .order_by(Recipient.customer_id)
            .with_for_update()
        )
        found = {r.customer_id: r for r in (await self.session.execute(stmt)).scalars()}
        for cid in customer_ids:
            if cid not in found:
                found[cid] = Recipient(customer_id=cid, last_invited_at=None, invitations=0)
                self.session.add(found[cid])
        await self.session.flush()
        return found

    async def merge_recipients(self, merged_ids: list[str], surviving_id: str) -> None:
        """The surviving customer was last invited when any of the merged ones was."""
        stmt = select(func.max(Recipient.last_invited_at)).where(
            Recipient.customer_id.in_(merged_ids)
        )
        latest = (await self.session.execute(stmt)).scalar_one_or_none()
        if latest is None:
            return
        target = await self.recipient(surviving_id)
        if target.last_invited_at is None or target.last_invited_at < latest:
            target.last_invited_at = latest

    async def reassign(self, merged_ids: list[str], surviving_id: str) -> None:
        await self.session.execute(
            update(Invitation)
            .where(Invitation.customer_id.in_(merged_ids))
            .values(customer_id=surviving_id)
        )

    async def expire_open(self, customer_id: str) -> None:
        await self.session.execute(
            update(Invitation)
            .where(Invitation.customer_id == customer_id, Invitation.status == "sent")
            .values(status="expired")
        )

    async def expire_due(self, now: datetime) -> int:
        result = await self.session.execute(
            update(Invitation)
            .where(Invitation.status == "sent", Invitation.expires_at <= now)
            .values(status="expired")
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def due_reminders(
        self, campaign_id: str, *, before: datetime, max_reminders: int, limit: int
    ) -> list[Invitation]:
        """Unanswered invitations of a campaign last contacted before ``before``."""
        last_contact = func.coalesce(Invitation.last_reminded_at, Invitation.sent_at)
        stmt = (
            select(Invitation)
            .where(
                Invitation.campaign_id == campaign_id,
                Invitation.status == "sent",
                Invitation.reminders_sent < max_reminders,
                last_contact < before,
            )
            .order_by(Invitation.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def campaign_progress(self, campaign_id: str) -> dict[str, int]:
        stmt = (
            select(Invitation.status, func.count())
            .where(Invitation.campaign_id == campaign_id)
            .group_by(Invitation.status)
        )
        return {s: int(n) for s, n in (await self.session.execute(stmt)).all()}

    async def page(
        self, filters: InvitationFilter, actor: Principal, *, cursor: str | None, limit: int
    ) -> tuple[list[Invitation], str | None]:
        i = Invitation
        stmt = select(i)
        for column, value in (
            (i.customer_id, filters.customer_id),
            (i.campaign_id, filters.campaign_id),
            (i.trigger, filters.trigger),
            (i.dealer_id, dealer_scope(actor, filters.dealer_id)),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if filters.status:
            stmt = stmt.where(i.status.in_(filters.status))
        if filters.sent_from is not None:
            stmt = stmt.where(i.sent_at >= filters.sent_from)
        if filters.sent_to is not None:
            stmt = stmt.where(i.sent_at < filters.sent_to)
        stmt = apply_keyset(
            stmt, [i.sent_at, i.id], cursor=cursor, limit=limit, descending=True, sort="inv"
        )
        rows = list((await self.session.execute(stmt)).scalars())
        return page_from_rows(rows, limit=limit, key=lambda r: [r.sent_at, r.id], sort="inv")

    async def skips_page(
        self,
        *,
        actor: Principal,
        campaign_id: str | None,
        customer_id: str | None,
        reason: str | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Skip], str | None]:
        stmt = select(Skip)
        for column, value in (
            (Skip.campaign_id, campaign_id),
            (Skip.customer_id, customer_id),
            (Skip.reason, reason),
            (Skip.dealer_id, dealer_scope(actor)),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        stmt = apply_keyset(
            stmt,
            [Skip.created_at, Skip.id],
            cursor=cursor,
            limit=limit,
            descending=True,
            sort="skips",
        )
        rows = list((await self.session.execute(stmt)).scalars())
        return page_from_rows(rows, limit=limit, key=lambda r: [r.created_at, r.id], sort="skips")

    async def add_contact(self, contact: ServiceContact) -> bool:
        """Remember a closed ticket or complaint once (False when it was already known)."""
        stmt = select(ServiceContact.id).where(
            ServiceContact.source == contact.source, ServiceContact.source_id == contact.source_id
        )
        if (await self.session.execute(stmt)).first() is not None:
            return False
        self.session.add(contact)
        return True

    async def reassign_contacts(self, merged_ids: list[str], surviving_id: str) -> None:
        await self.session.execute(
            update(ServiceContact)
            .where(ServiceContact.customer_id.in_(merged_ids))
            .values(customer_id=surviving_id)
        )
