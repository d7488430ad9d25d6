"""Sending invitations: triggered by a closed ticket or complaint, or by a campaign; the
fatigue rule (at most one survey per customer per ``fatigue_days``) decides, and what is
not sent is kept as a skip with its reason."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from kefu_shared.db import new_uuid
from kefu_shared.logging import get_logger
from survey.config import SurveyRules
from survey.models import Invitation, Recipient, ServiceContact, Skip, Template, TemplateVersion
from survey.templates import published_version

if TYPE_CHECKING:
    from survey.uow import SurveyUnitOfWork

log = get_logger(__name__)


def new_token() -> str:
    """256 random bits, URL-safe: the customer's only credential for answering."""
    return secrets.token_urlsafe(32)


def fatigued(last_invited_at: datetime | None, now: datetime, fatigue_days: int) -> bool:
    """True while the customer's last survey is less than ``fatigue_days`` old."""
    if last_invited_at is None or fatigue_days <= 0:
        return False
    return now - last_invited_at < timedelta(days=fatigue_days)


def product_line(model: str | None, lines: dict[str, str]) -> str | None:
    """The product line of a product model: the longest configured prefix, else the text
    before the model's first "-"."""
    if not model:
        return None
    matches = [p for p in lines if model.startswith(p)]
    if matches:
        return lines[max(matches, key=len)]
    return model.split("-", 1)[0] or None


@dataclass(frozen=True)
class Occasion:
    """Why an invitation is sent, and what it is about."""

    trigger: str  # ticket_closed | complaint_closed | campaign
    trigger_key: str | None = None
    campaign_id: str | None = None
    ticket_id: str | None = None
    complaint_id: str | None = None
    technician_id: str | None = None
    product_line: str | None = None
    channel: str = "sms"


def decide(
    uow: SurveyUnitOfWork,
    *,
    customer: dict[str, Any] | None,
    customer_id: str,
    recipient: Recipient | None,
    template: Template,
    version: TemplateVersion,
    occasion: Occasion,
    rules: SurveyRules,
    now: datetime,
) -> Invitation | Skip:
    """Invite the customer, or record why not. The caller holds the customer's fatigue row
    (``recipient``) locked, so two decisions for one customer cannot both send."""
    reason = None
    if customer is None:
        reason = "unknown_customer"
    elif customer["status"] != "active":
        reason = f"customer_{customer['status']}"
    elif recipient is not None and fatigued(recipient.last_invited_at, now, rules.fatigue_days):
        reason = "fatigue"
    if reason is not None:
        skip = Skip(
            id=new_uuid(),
            customer_id=customer["id"] if customer else customer_id,
            dealer_id=customer["dealer_id"] if customer else None,
            trigger=occasion.trigger,
            trigger_key=occasion.trigger_key,
            campaign_id=occasion.campaign_id,
            reason=reason,
            last_invited_at=recipient.last_invited_at if recipient else None,
            created_at=now,
        )
        uow.invitations.add_skip(skip)
        return skip
    assert customer is not None and recipient is not None
    invitation = Invitation(
        id=new_uuid(),
        token=new_token(),
        customer_id=customer["id"],
        dealer_id=customer["dealer_id"],
        template_id=template.id,
        template_key=template.key,
        template_version=version.number,
        campaign_id=occasion.campaign_id,
        trigger=occasion.trigger,
        trigger_key=occasion.trigger_key,
        ticket_id=occasion.ticket_id,
        complaint_id=occasion.complaint_id,
        technician_id=occasion.technician_id,
        product_line=occasion.product_line,
        channel=occasion.channel,
        status="sent",
        sent_at=now,
        expires_at=now + timedelta(days=rules.invitation_valid_days),
        reminders_sent=0,
    )
    invitation.sent()
    uow.invitations.add(invitation)
    recipient.last_invited_at = now
    recipient.invitations += 1
    return invitation


async def on_service_closed(
    *,
    uow: SurveyUnitOfWork,
    source: str,
    source_id: str,
    customer_id: str,
    template_key: str,
    occasion: Occasion,
    served_at: datetime,
    rules: SurveyRules,
    now: datetime,
) -> Invitation | Skip | None:
    """A ticket or complaint closed: remember the service contact and invite the customer
    once (a redelivered or repeated close sends nothing more). The consumer commits."""
    await uow.invitations.add_contact(
        ServiceContact(
            id=new_uuid(),
            customer_id=customer_id,
            source=source,
            source_id=source_id,
            served_at=served_at,
            technician_id=occasion.technician_id,
            product_line=occasion.product_line,
        )
    )
    assert occasion.trigger_key is not None
    if await uow.invitations.exists_for(trigger_key=occasion.trigger_key):
        return None
    found = await published_version(uow, template_key)
    if found is None:
        log.warning("survey.no_published_template", template=template_key, trigger=occasion.trigger)
        return None
    template, version = found
    customer = await uow.customers.get(customer_id)
    recipient = await uow.invitations.recipient(customer["id"]) if customer else None
    return decide(
        uow,
        customer=customer,
        customer_id=customer_id,
        recipient=recipient,
        template=template,
        version=version,
        occasion=occasion,
        rules=rules,
        now=now,
    )
