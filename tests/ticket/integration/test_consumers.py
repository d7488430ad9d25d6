"""The ticket service's handlers on a real database (the runner's part -- de-duplication
by event id, commits -- is tested with the broker in test_broker.py)."""

from __future__ import annotations

from kefu_shared.contracts.complaint import ComplaintOnsiteServiceRequested, ComplaintReceived
from kefu_shared.contracts.customer import CustomerErased, CustomerMerged
from tests.ticket.integration.conftest import TicketHarness


async def test_onsite_request_opens_one_linked_ticket_whatever_the_duplicates(
    ticket_svc: TicketHarness,
) -> None:
    h = ticket_svc
    await h.customer("k1", area_class="rural")
    request = ComplaintOnsiteServiceRequested(
        complaint_id="cmp-9",
        customer_id="k1",
        serial_number="SN-9",
        description="no power",
        severity="critical",
    )
    await h.deliver(request, subject="cmp-9")
    await h.deliver(request, subject="cmp-9")
    page = (
        await h.http.get("/api/v1/tickets", params={"complaint_id": "cmp-9"}, headers=h.auth())
    ).json()
    assert len(page["items"]) == 1
    t = page["items"][0]
    assert (
        t["priority"] == "urgent" and t["region_class"] == "rural" and t["channel"] == "complaint"
    )
    opened = await h.events("ticket.opened")
    assert len(opened) == 1 and opened[0].data["complaint_id"] == "cmp-9"


async def test_merged_and_erased_customers_are_followed(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    await h.customer("keep")
    await h.customer("gone")
    t = (
        await h.open(
            customer_id="gone", contact_name="Ms Wu", contact_phone="138", address="1 Road"
        )
    ).json()
    await h.deliver(
        CustomerMerged(id="keep", surviving_id="keep", merged_ids=["gone"]), subject="keep"
    )
    moved = (await h.ticket(t["id"])).json()
    assert moved["customer_id"] == "keep" and moved["version"] > t["version"]
    # A new ticket for the merged id lands on the surviving customer.
    assert (await h.open(customer_id="gone")).json()["customer_id"] == "keep"
    await h.deliver(CustomerErased(id="keep"), subject="keep")
    erased = (await h.ticket(t["id"])).json()
    assert (
        erased["contact_name"] is None
        and erased["address"] is None
        and erased["contact_phone"] is None
    )


async def test_complaint_about_a_technician_counts_on_the_scorecard(
    ticket_svc: TicketHarness,
) -> None:
    h = ticket_svc
    await h.customer("k3")
    tech = await h.technician()
    t = (await h.open(customer_id="k3")).json()
    assert t["technician_id"] == tech["id"]
    complaint = ComplaintReceived(id="cmp-3", number="CP-3", customer_id="k3", ticket_id=t["id"])
    await h.deliver(complaint, subject="cmp-3")
    await h.deliver(complaint, subject="cmp-3")  # redelivered: counted once
    month = t["created_at"][:7]
    card = (
        await h.http.get(
            f"/api/v1/technicians/{tech['id']}/scorecard",
            params={"month": month},
            headers=h.auth("service_manager"),
        )
    ).json()
    assert card["complaints"] == 1 and card["points"] == "-10.00"
