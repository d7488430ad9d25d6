"""The ticket's state machine: the happy path, waits, cancel/reopen, illegal actions (409
with the allowed ones), required reasons and fields, the paid-work guard, the diagram."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kefu_shared.audit import audit_transition
from kefu_shared.errors import InvalidInput
from kefu_shared.workflow import IllegalTransition, TransitionRefused
from ticket.models import Ticket
from ticket.workflow import TICKET_WORKFLOW

NOW = datetime(2026, 11, 16, 2, tzinfo=UTC)


def ticket(**kw: object) -> Ticket:
    return Ticket(
        number="TS-1",
        type="repair",
        customer_id="c1",
        region_class="city",
        confirmation_code="123456",
        **kw,
    )


def run(t: Ticket, action: str, records: list[object] | None = None, **kw: object) -> None:
    hook = audit_transition(
        (records if records is not None else []).append, aggregate_type="ticket", aggregate_id=t.id
    )
    TICKET_WORKFLOW.apply(t, action, actor="u1", audit=hook, **kw)  # type: ignore[arg-type]


def test_happy_path_raises_one_event_per_step_and_records_each() -> None:
    t, records = ticket(), []
    run(t, "assign", records, fields={"technician_id": "tech-1"})
    run(
        t,
        "schedule",
        records,
        fields={"appointment_start": NOW, "appointment_end": NOW, "appointment_day": NOW.date()},
    )
    run(t, "depart", records)
    run(t, "arrive", records, fields={"on_site_at": NOW})
    run(
        t,
        "complete",
        records,
        fields={"result": "fixed", "completed_at": NOW, "first_time_fix": True},
    )
    run(t, "close", records, fields={"closed_at": NOW})
    assert t.status == "closed"
    assert [e.event_type for e in (p.data for p in t.collect_events())] == [
        "ticket.assigned",
        "ticket.scheduled",
        "ticket.en_route",
        "ticket.on_site",
        "ticket.completed",
        "ticket.closed",
    ]
    assert [r.action for r in records] == [
        "assign",
        "schedule",
        "depart",
        "arrive",
        "complete",
        "close",
    ]  # type: ignore[attr-defined]
    assert t.version == 7


def test_illegal_action_names_the_allowed_ones() -> None:
    t = ticket()
    with pytest.raises(IllegalTransition) as err:
        run(t, "close", fields={"closed_at": NOW})
    assert err.value.status == 409
    assert err.value.extensions["allowed_actions"] == ["contact", "assign", "cancel"]
    assert t.status == "opened" and t.collect_events() == []


def test_waits_pause_and_resume_goes_back_to_planning() -> None:
    t = ticket()
    run(t, "assign", fields={"technician_id": "tech-1"})
    run(t, "wait_for_customer", reason="on holiday")
    assert t.status == "waiting_customer"
    with pytest.raises(IllegalTransition):
        run(t, "depart")
    run(t, "resume")
    assert t.status == "assigned"


def test_reasons_and_fields_are_required() -> None:
    t = ticket()
    with pytest.raises(InvalidInput) as err:
        run(t, "cancel")
    assert err.value.extensions["errors"][0]["field"] == "reason"
    with pytest.raises(InvalidInput):
        run(t, "assign")
    run(t, "cancel", reason="duplicate")
    assert t.status == "cancelled"
    with pytest.raises(IllegalTransition):
        run(t, "reopen", reason="x")


def test_reopen_after_completion_needs_a_reason() -> None:
    t = ticket(status="completed")
    with pytest.raises(InvalidInput):
        run(t, "reopen")
    run(t, "reopen", reason="leaks again")
    assert t.status == "reopened"
    assert "assign" in TICKET_WORKFLOW.allowed_actions("reopened")


def test_paid_work_on_credit_hold_cannot_be_assigned_until_approved() -> None:
    t = ticket(approval_required=True)
    with pytest.raises(TransitionRefused):
        run(t, "assign", fields={"technician_id": "tech-1"})
    t.approved_at = NOW
    run(t, "assign", fields={"technician_id": "tech-1"})
    assert t.status == "assigned"


def test_the_diagram_shows_every_state() -> None:
    diagram = TICKET_WORKFLOW.mermaid()
    for state in TICKET_WORKFLOW.states:
        assert state in diagram
    assert "opened --> assigned: assign [paid_work_approved] (technician_id)" in diagram
