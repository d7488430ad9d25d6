"""The state diagram in the service docs is the transition table, not a drawing."""

from __future__ import annotations

from complaint.diagram import DOC, render


def test_workflow_document_shows_the_current_transition_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert render(text) == text, "run: python -m complaint.diagram"
