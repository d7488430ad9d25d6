"""The state machine: a complaint-like aggregate (domain.md §2) moved through its table."""

from __future__ import annotations

import sys
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kefu_shared.errors import InvalidInput
from kefu_shared.http.problems import install_problem_handlers
from kefu_shared.workflow import (
    IllegalTransition,
    Transition,
    TransitionRecord,
    TransitionRefused,
    Workflow,
    main,
)

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@dataclass
class Complaint:
    status: str = "received"
    handler: str | None = None
    remedy: str | None = None
    closed_at: datetime | None = None
    events: list[str] = field(default_factory=list)

    def transitioned(self, record: TransitionRecord) -> None:
        self.events.append(f"complaint.{record.to_state}")


def within_reopen_window(c: Complaint, fields: Mapping[str, Any]) -> str | None:
    if c.closed_at is not None and fields.get("now", T0) - c.closed_at > timedelta(days=30):
        return "a complaint can be reopened within 30 days of closing"
    return None


WORKFLOW: Workflow[Complaint] = Workflow(
    "complaint",
    states=[
        "received",
        "acknowledged",
        "investigating",
        "resolution_proposed",
        "resolved",
        "closed",
        "rejected",
        "reopened",
    ],
    initial="received",
    transitions=[
        Transition("acknowledge", ("received",), "acknowledged"),
        Transition(
            "assign", ("acknowledged", "investigating", "reopened"), None, required=("handler",)
        ),
        Transition("investigate", ("acknowledged", "reopened"), "investigating"),
        Transition("propose", ("investigating",), "resolution_proposed", required=("remedy",)),
        Transition("resolve", ("resolution_proposed",), "resolved"),
        Transition("close", ("resolved",), "closed", optional=("closed_at",)),
        Transition(
            "reject",
            ("received", "acknowledged", "investigating"),
            "rejected",
            reason_required=True,
        ),
        Transition(
            "reopen",
            ("resolved", "closed"),
            "reopened",
            guard=within_reopen_window,
            reason_required=True,
            optional=("now",),
        ),
    ],
)


def apply(c: Complaint, action: str, audit: list[TransitionRecord], **kw: Any) -> TransitionRecord:
    return WORKFLOW.apply(c, action, actor="agent-7", audit=audit.append, at=T0, **kw)


def test_the_happy_path_changes_state_records_audit_and_raises_events() -> None:
    c, audit = Complaint(), []
    apply(c, "acknowledge", audit)
    apply(c, "assign", audit, fields={"handler": "quality-dept"})
    apply(c, "investigate", audit)
    apply(c, "propose", audit, fields={"remedy": "replace"})
    apply(c, "resolve", audit)
    apply(c, "close", audit, fields={"closed_at": T0})
    assert c.status == "closed" and c.handler == "quality-dept" and c.remedy == "replace"
    assert [(r.action, r.from_state, r.to_state) for r in audit] == [
        ("acknowledge", "received", "acknowledged"),
        ("assign", "acknowledged", "acknowledged"),
        ("investigate", "acknowledged", "investigating"),
        ("propose", "investigating", "resolution_proposed"),
        ("resolve", "resolution_proposed", "resolved"),
        ("close", "resolved", "closed"),
    ]
    assert audit[1].changes == {"handler": (None, "quality-dept")}
    assert audit[0].actor == "agent-7" and audit[0].at == T0 and audit[0].changes == {}
    assert c.events[-1] == "complaint.closed" and len(c.events) == 6


def test_an_illegal_action_changes_nothing_and_names_the_allowed_ones() -> None:
    c, audit = Complaint(), []
    with pytest.raises(IllegalTransition) as err:
        apply(c, "close", audit)
    assert err.value.status == 409
    assert err.value.extensions["allowed_actions"] == ["acknowledge", "reject"]
    assert err.value.extensions["state"] == "received"
    assert c.status == "received" and audit == [] and c.events == []
    with pytest.raises(IllegalTransition):
        apply(c, "teleport", audit)


def test_missing_and_unknown_fields_are_named_and_nothing_changes() -> None:
    c, audit = Complaint(status="investigating"), []
    with pytest.raises(InvalidInput) as err:
        apply(c, "propose", audit, fields={"remedy": "  ", "colour": "red"})
    assert {e["field"] for e in err.value.extensions["errors"]} == {"remedy", "colour"}
    with pytest.raises(InvalidInput) as err:
        apply(c, "reject", audit)
    assert [e["field"] for e in err.value.extensions["errors"]] == ["reason"]
    assert c.status == "investigating" and c.remedy is None and audit == []


def test_a_guard_refuses_a_late_reopen_and_lets_an_early_one_pass() -> None:
    c, audit = Complaint(status="closed", closed_at=T0), []
    with pytest.raises(TransitionRefused) as err:
        apply(c, "reopen", audit, reason="still broken", fields={"now": T0 + timedelta(days=31)})
    assert err.value.status == 422 and "30 days" in err.value.detail
    assert c.status == "closed" and audit == []
    record = apply(
        c, "reopen", audit, reason="still broken", fields={"now": T0 + timedelta(days=3)}
    )
    assert c.status == "reopened" and record.reason == "still broken"
    assert WORKFLOW.allowed_actions("reopened") == ["assign", "investigate"]


async def test_http_layer_answers_409_problem_json_with_the_allowed_actions() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/complaints/{cid}/close")
    async def close(cid: str) -> dict[str, str]:
        c = Complaint(status="acknowledged")
        WORKFLOW.apply(c, "close", actor="u", audit=lambda r: None)
        return {"status": c.status}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        resp = await client.post("/complaints/CP-1/close")
    assert resp.status_code == 409
    assert resp.headers["content-type"] == "application/problem+json"
    body = resp.json()
    assert body["type"].endswith("/illegal-transition")
    assert body["allowed_actions"] == ["assign", "investigate", "reject"]
    assert body["state"] == "acknowledged" and body["action"] == "close"


def test_mermaid_diagram_is_generated_from_the_table() -> None:
    diagram = WORKFLOW.mermaid()
    lines = diagram.splitlines()
    assert lines[0] == "stateDiagram-v2" and lines[1] == "    [*] --> received"
    assert "    received --> acknowledged: acknowledge" in lines
    assert "    investigating --> investigating: assign (handler)" in lines
    assert "    closed --> reopened: reopen [within_reopen_window] (reason)" in lines
    assert "    rejected --> [*]" in lines and "    closed --> [*]" not in lines
    arrows = [ln for ln in lines if "-->" in ln and "[*]" not in ln]
    assert len(arrows) == sum(len(t.sources) for t in WORKFLOW.transitions)


def test_the_cli_prints_a_workflow(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = types.ModuleType("fake_complaint_workflow")
    module.WORKFLOW = WORKFLOW  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_complaint_workflow", module)
    assert main(["fake_complaint_workflow:WORKFLOW"]) == 0
    assert capsys.readouterr().out == WORKFLOW.mermaid()


def test_a_broken_table_is_refused_when_declared() -> None:
    with pytest.raises(ValueError, match="unknown states"):
        Workflow("x", states=["a"], initial="a", transitions=[Transition("go", ("a",), "b")])
    with pytest.raises(ValueError, match="twice"):
        Workflow(
            "x",
            states=["a", "b"],
            initial="a",
            transitions=[Transition("go", ("a",), "b"), Transition("go", ("a",), "a")],
        )
    with pytest.raises(ValueError, match="initial"):
        Workflow("x", states=["a"], initial="z", transitions=[])
