"""The service registry: every Kefu service's name, port, topics, env prefix and public
paths, written down once.

The topic list (:data:`kefu_shared.kafka.ALL_TOPICS`), the gateway's routing table and
upstream URLs, each service's settings prefix and default port, the dev stack and the tests
all read this module instead of keeping their own copies. Adding a service is one entry in
:data:`BACKENDS`.
"""

from __future__ import annotations

from dataclasses import dataclass

API_PREFIX = "/api/v1"
# The dev stack shifts every port by the same offset (KEFU_PORT_BASE - DEFAULT_PORT_BASE).
DEFAULT_PORT_BASE = 8000


@dataclass(frozen=True)
class ServiceInfo:
    """One service as the rest of the system sees it."""

    name: str
    # Offset from the port base: the gateway is 0, the backends 1, 2, …
    port_offset: int
    # Public path prefixes (under API_PREFIX) the gateway routes to this service.
    routes: tuple[str, ...] = ()
    # The subset of ``routes`` that answers without a login (the token in the path is the
    # credential); the gateway forwards these unauthenticated, rate-limited per client.
    anonymous_routes: tuple[str, ...] = ()
    # Whether the service owns a database, an event topic and a consumer (DLQ) of its own.
    backend: bool = True

    @property
    def env_prefix(self) -> str:
        """Prefix of the service's own environment variables (``CUSTOMER_``)."""
        return f"{self.name.upper()}_"

    @property
    def events_topic(self) -> str:
        """The topic the service publishes its domain events on."""
        return f"{self.name}.events.v1"

    @property
    def dlq_topic(self) -> str:
        """Where the service's consumer parks events it cannot process."""
        return dlq_topic(self.name)

    def port(self, base: int = DEFAULT_PORT_BASE) -> int:
        return base + self.port_offset

    def local_url(self, base: int = DEFAULT_PORT_BASE) -> str:
        return f"http://127.0.0.1:{self.port(base)}"

    @property
    def path_prefixes(self) -> tuple[str, ...]:
        return tuple(f"{API_PREFIX}/{route}" for route in self.routes)


def dlq_topic(consumer: str) -> str:
    """The dead-letter topic of a consumer group (a service, or a test's own consumer)."""
    return f"{consumer}.dlq.v1"


GATEWAY = ServiceInfo("gateway", 0, backend=False)

BACKENDS: tuple[ServiceInfo, ...] = (
    ServiceInfo(
        "customer",
        1,
        routes=(
            "customers",
            "classification-runs",
            "credit",
            "ledger",
            "key-accounts",
            "customer-analytics",
        ),
    ),
    ServiceInfo("complaint", 2, routes=("complaints",)),
    ServiceInfo(
        "ticket",
        3,
        routes=(
            "tickets",
            "technicians",
            "dispatch-board",
            "warranties",
            "service-agreements",
            "response-standards",
            "maintenance-plans",
        ),
    ),
    ServiceInfo(
        "survey",
        4,
        routes=(
            "surveys",
            "survey-templates",
            "survey-campaigns",
            "survey-analytics",
            "public/surveys",
        ),
        anonymous_routes=("public/surveys",),
    ),
)

ALL_SERVICES: tuple[ServiceInfo, ...] = (GATEWAY, *BACKENDS)
BACKEND_NAMES: tuple[str, ...] = tuple(s.name for s in BACKENDS)
_BY_NAME = {s.name: s for s in ALL_SERVICES}


def service(name: str) -> ServiceInfo:
    """The registry entry of ``name``; a ``KeyError`` names the services that exist."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown service {name!r}; known: {', '.join(_BY_NAME)}") from None


def route_table() -> dict[str, str]:
    """Public path prefix → owning service, for the gateway."""
    return {prefix: s.name for s in BACKENDS for prefix in s.path_prefixes}


def anonymous_prefixes() -> tuple[str, ...]:
    """Public path prefixes that need no login, for the gateway."""
    return tuple(f"{API_PREFIX}/{r}" for s in BACKENDS for r in s.anonymous_routes)


def all_topics() -> tuple[str, ...]:
    """Every topic the system uses: the backends' event topics, then their DLQs."""
    return tuple(s.events_topic for s in BACKENDS) + tuple(s.dlq_topic for s in BACKENDS)
