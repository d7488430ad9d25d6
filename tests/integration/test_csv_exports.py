"""Every CSV export of every service goes through the one neutralising writer: found from
the OpenAPI documents (each list with a ``format`` parameter), fed with formula-looking
text, and no cell of any of them starts a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation

import pytest

from kefu_shared.http.csvexport import FORMULA_PREFIXES
from tests.support import SERVICES, Stack, eventually, running_stack

pytestmark = pytest.mark.integration

EVIL = '=HYPERLINK("http://evil.example","click")'


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
        return True
    except (InvalidOperation, ValueError):
        return False


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def _unsafe_cells(text: str) -> list[str]:
    return [c for c in _cells(text) if c.startswith(FORMULA_PREFIXES) and not _is_number(c)]


@pytest.fixture
async def stack_without_broker(dbs):  # type: ignore[no-untyped-def]
    off = {"relay_enabled": False, "consumers_enabled": False}
    async with running_stack(
        dbs, "127.0.0.1:1", SERVICES, gateway=False, **{s: off for s in SERVICES}
    ) as s:
        yield s


async def _ticket_data(stack: Stack, customer_id: str) -> dict[str, str]:
    """A technician and a ticket with formula-looking text (the customer copy delivered
    through the ticket service's own handler: there is no broker here)."""
    from kefu_shared.contracts.customer import CustomerRegistered
    from kefu_shared.events import make_event
    from ticket.consumers import handlers

    app = stack.apps["ticket"]
    data = CustomerRegistered(
        id=customer_id, number="C1", kind="company", name=EVIL, area_class="city", status="active"
    )
    handler = handlers(stack.settings["ticket"], app.state.clocks)["customer.registered"]  # type: ignore[arg-type]
    async with stack.runtime("ticket").uow() as uow:
        await handler(uow, make_event(data, source="/tests", subject=customer_id), data)
        await uow.commit()
    auth = stack.auth("admin")
    async with stack.client("ticket") as ticket:
        r = await ticket.post(
            "/api/v1/technicians",
            json={"name": EVIL, "skills": ["=1+2"], "areas": ["north"]},
            headers=auth,
        )
        assert r.status_code == 201, r.text
        technician_id = r.json()["id"]
        r = await ticket.post(
            "/api/v1/tickets",
            json={
                "type": "repair",
                "customer_id": customer_id,
                "description": EVIL,
                "region": "north",
                "product_line": "=1+2",
            },
            headers=auth,
        )
        assert r.status_code == 201, r.text
    return {"technician_id": technician_id, "ticket_id": r.json()["id"]}


async def _complaint(stack: Stack, auth: dict[str, str], customer_id: str) -> str:
    """A complaint with formula-looking text (its customer put in the service's copy, as
    customer.registered would; this stack has no broker)."""
    from sqlalchemy import insert

    from complaint.models import customer_copies
    from kefu_shared.db import utcnow

    async with stack.runtime("complaint").uow() as uow:
        await uow.session.execute(
            insert(customer_copies).values(
                id=customer_id,
                number="C1",
                kind="company",
                name=EVIL,
                key_account=False,
                status="active",
                on_credit_hold=False,
                updated_at=utcnow(),
            )
        )
        await uow.session.commit()
    async with stack.client("complaint") as complaint:
        r = await complaint.post(
            "/api/v1/complaints",
            json={
                "channel": "web",
                "customer_id": customer_id,
                "category": "other",
                "severity": "minor",
                "description": EVIL,
                "product": {"model": "=1+2", "serial_number": "@SUM(A1)"},
            },
            headers=auth,
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])


async def test_every_csv_export_neutralises_formulas(stack_without_broker: Stack) -> None:
    stack = stack_without_broker
    auth = stack.auth("admin")
    async with stack.client("customer") as customer:
        r = await customer.post(
            "/api/v1/customers",
            json={
                "kind": "company",
                "name": EVIL,
                "tags": ["=1+2", "@SUM(A1)", "-3+cmd"],
                "occupation": "+cmd|' /C calc'!A0",
                "notes": "\t=1",
            },
            headers=auth,
        )
        assert r.status_code == 201, r.text
        customer_id = r.json()["id"]
        r = await customer.post(
            f"/api/v1/customers/{customer_id}/interactions",
            json={"kind": "inquiry", "notes": EVIL},
            headers=auth,
        )
        assert r.status_code == 201, r.text
        r = await customer.post("/api/v1/classification-runs", json={}, headers=auth)
        assert r.status_code == 202, r.text
        run_id = r.json()["id"]

        async def run_done() -> bool:
            got = await customer.get(f"/api/v1/classification-runs/{run_id}", headers=auth)
            return got.json().get("status") not in ("pending", "running")

        await eventually(run_done, timeout=30)
    ticket_ids = await _ticket_data(stack, customer_id)
    complaint_id = await _complaint(stack, auth, customer_id)
    async with stack.client("survey") as survey:
        question = {"id": "q", "type": "text", "text": {"zh": EVIL, "en": EVIL}}
        r = await survey.post(
            "/api/v1/survey-templates",
            json={"key": "evil", "name_zh": EVIL, "name_en": EVIL, "questions": [question]},
            headers=auth,
        )
        assert r.status_code == 201, r.text
        template_id = r.json()["id"]
        r = await survey.post(
            "/api/v1/survey-campaigns",
            json={
                "name": EVIL,
                "template_key": "post_service",
                "starts_at": "2026-01-01T00:00:00Z",
                "ends_at": "2026-02-01T00:00:00Z",
            },
            headers=auth,
        )
        assert r.status_code == 201, r.text
        campaign_id = r.json()["id"]
    path_values = {
        "customer_id": customer_id,
        "run_id": run_id,
        "complaint_id": complaint_id,
        **ticket_ids,
        "template_id": template_id,
        "campaign_id": campaign_id,
        "axis": "dealer",
    }

    exports: list[tuple[str, str]] = []
    for name in SERVICES:
        spec = stack.apps[name].openapi()
        for path, operations in spec["paths"].items():
            op = operations.get("get")
            if op is None:
                continue
            params = op.get("parameters", [])
            if not any(p["name"] == "format" and p["in"] == "query" for p in params):
                continue
            missing = [
                p["name"] for p in params if p["in"] == "path" and p["name"] not in path_values
            ]
            assert not missing, f"{name} {path}: a new CSV export; give this test {missing}"
            exports.append((name, path.format(**path_values)))
    assert len(exports) >= 10, exports

    evil_seen = False
    for name, path in exports:
        async with stack.client(name) as client:
            r = await client.get(path, params={"format": "csv"}, headers=auth)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        assert r.headers["content-type"].startswith("text/csv"), path
        assert not _unsafe_cells(r.text), (path, _unsafe_cells(r.text))
        evil_seen = evil_seen or "'" + EVIL in _cells(r.text)
    assert evil_seen, "the formula-looking data never reached an export: the test proves nothing"
