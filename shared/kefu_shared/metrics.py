"""Prometheus metrics shared by all services (module-level: one registry per process)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "kefu_http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "kefu_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
OUTBOX_PUBLISHED = Counter(
    "kefu_outbox_published_total", "Outbox events acknowledged by the broker", ["service"]
)
OUTBOX_FAILED = Counter(
    "kefu_outbox_publish_failures_total", "Failed outbox publish attempts", ["service"]
)
OUTBOX_LAG = Gauge("kefu_outbox_lag_events", "Outbox events not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "kefu_outbox_oldest_unpublished_age_seconds", "Age of the oldest unpublished event", ["service"]
)
OUTBOX_ACTIVE = Gauge(
    "kefu_outbox_relay_active", "1 if this replica holds the relay lock", ["service"]
)
EVENTS_CONSUMED = Counter(
    "kefu_events_consumed_total", "Events applied by a consumer", ["consumer", "type"]
)
EVENTS_DUPLICATE = Counter(
    "kefu_events_duplicate_total", "Events skipped as already applied", ["consumer", "type"]
)
EVENTS_DEADLETTERED = Counter(
    "kefu_events_deadlettered_total", "Events sent to the dead-letter topic", ["consumer", "type"]
)
EVENT_HANDLER_FAILURES = Counter(
    "kefu_event_handler_failures_total", "Failed event handler attempts", ["consumer", "type"]
)
SCHEDULER_LEADER = Gauge(
    "kefu_scheduler_leader", "1 if this replica runs the service's scheduled jobs", ["service"]
)
SCHEDULED_RUNS = Counter(
    "kefu_scheduled_job_runs_total", "Runs of a scheduled job", ["service", "job", "outcome"]
)
SCHEDULED_DURATION = Histogram(
    "kefu_scheduled_job_duration_seconds",
    "Duration of a scheduled job's run",
    ["service", "job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
)
SCHEDULED_LAST_RUN = Gauge(
    "kefu_scheduled_job_last_run_timestamp_seconds",
    "Unix time the scheduled job last finished",
    ["service", "job"],
)
SCHEDULED_LAST_SUCCESS = Gauge(
    "kefu_scheduled_job_last_success_timestamp_seconds",
    "Unix time the scheduled job last finished without an error",
    ["service", "job"],
)
JOBS_FINISHED = Counter(
    "kefu_jobs_finished_total",
    "Background job attempts by outcome (succeeded, retried, failed)",
    ["service", "kind", "outcome"],
)
JOB_DURATION = Histogram(
    "kefu_job_duration_seconds",
    "Duration of a background job attempt",
    ["service", "kind"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900),
)
JOBS_RECLAIMED = Counter(
    "kefu_jobs_reclaimed_total",
    "Jobs whose lease expired (their worker died) and were picked up again",
    ["service", "kind"],
)
