"""Kefu complaint service. Complaint handling (客户投诉): intake, workflow, deadlines, escalation, statistics."""
