"""HTTP helpers shared by every service: problems, ids, pagination, idempotency, health."""
