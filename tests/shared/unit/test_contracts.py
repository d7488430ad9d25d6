"""Typed event contracts of complaint, ticket and survey, and the AsyncAPI document
generated from the registries."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from kefu_shared import asyncapi
from kefu_shared.contracts import REGISTRY, complaint, survey, ticket
from kefu_shared.events import make_event, parse_data, parse_event
from kefu_shared.registry import BACKENDS, all_topics

CONTRACTS = Path(complaint.__file__).parent
T = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)


def test_every_catalog_type_has_its_own_class_named_after_it() -> None:
    for event_type, cls in REGISTRY.items():
        owner, action = event_type.split(".", 1)
        expected = owner.capitalize() + "".join(p.capitalize() for p in action.split("_"))
        assert cls.__name__ == expected, event_type
        module = {"complaint": complaint, "ticket": ticket, "survey": survey}.get(owner)
        if module is not None:
            assert getattr(module, expected) is cls


@pytest.mark.parametrize("name", ["complaint.py", "ticket.py", "survey.py"])
def test_contract_modules_make_no_classes_at_runtime(name: str) -> None:
    tree = ast.parse((CONTRACTS / name).read_text())
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not calls & {"type", "globals"}


def test_lifecycle_events_share_their_base_and_the_others_do_not() -> None:
    lifecycle = {t for t, c in REGISTRY.items() if issubclass(c, complaint.ComplaintEvent)}
    assert lifecycle == {
        f"complaint.{a}"
        for a in (
            [
                "received",
                "acknowledged",
                "assigned",
                "escalated",
                "resolved",
                "closed",
                "reopened",
                "rejected",
            ]
        )
    }
    tickets = {t for t, c in REGISTRY.items() if issubclass(c, ticket.TicketEvent)}
    assert "ticket.sla_breached" not in tickets and len(tickets) == 14


def test_escalation_round_trips_with_level_and_deadlines() -> None:
    data = complaint.ComplaintEscalated(
        id="CP-1",
        number="CP20260210-0001",
        customer_id="c1",
        dealer_id="d1",
        category="product_quality",
        severity="critical",
        level=2,
        previous_level=1,
        escalated_to="department_manager",
        acknowledge_due=T,
        resolve_due=T,
        product_model="X-200",
        serial_number="SN1",
    )
    event = parse_event(
        make_event(data, source="/services/complaint", subject="CP-1").to_json_bytes()
    )
    assert event.type == "complaint.escalated"
    assert parse_data(event) == data


def test_rules_a_consumer_relies_on_are_enforced() -> None:
    with pytest.raises(ValidationError):
        complaint.ComplaintRejected(id="CP-1", number="N", customer_id="c1")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        complaint.ComplaintEscalated(id="CP-1", number="N", customer_id="c1")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        ticket.TicketAssigned(id="T-1", number="N", customer_id="c1")  # type: ignore[call-arg]
    visit = ticket.TicketVisitRecorded(
        id="T-1", number="N", customer_id="c1", result="fixed", fee=Decimal("80.00")
    )
    assert visit.fee == Decimal("80.00") and visit.in_warranty is None
    response = survey.SurveyResponseReceived(
        response_id="r1", customer_id="c1", ticket_id="T-1", technician_id="tech-1", nps=3
    )
    assert response.dissatisfied is False and response.servqual_gaps == {}


def test_asyncapi_document_lists_every_topic_and_message() -> None:
    doc = asyncapi.document()
    assert doc["asyncapi"] == "3.0.0"
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == set(all_topics())
    messages = doc["components"]["messages"]
    for cls in REGISTRY.values():
        msg = messages[cls.__name__]
        assert msg["name"] == cls.event_type
        data_ref = msg["payload"]["allOf"][1]["properties"]["data"]["$ref"]
        assert data_ref == f"#/components/schemas/{cls.__name__}"
        assert cls.__name__ in doc["components"]["schemas"]
    complaint_channel = doc["channels"]["complaintEvents"]["messages"]
    assert "ComplaintEscalated" in complaint_channel and "TicketOpened" not in complaint_channel
    for svc in BACKENDS:
        op = doc["operations"][f"{svc.name}Publishes"]
        assert op["action"] == "send"
        assert op["channel"] == {"$ref": f"#/channels/{svc.name}Events"}
    # Every $ref points at something that exists in the document.
    text = asyncapi.render()
    for ref in {line.split("'#/")[1].rstrip("'") for line in text.splitlines() if "'#/" in line}:
        node = doc
        for part in ref.split("/"):
            node = node[part]


def test_committed_asyncapi_document_is_current() -> None:
    assert asyncapi.main(["--check", "--output", str(asyncapi.DOCUMENT_PATH)]) == 0, (
        "shared/asyncapi.yaml is stale: run `make asyncapi` and commit it"
    )
