from pydantic_settings import SettingsConfigDict

from kefu_shared.registry import service
from kefu_shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    """``GATEWAY_*`` variables; shared ones (KEFU_ENV, KEFU_JWT_SECRET...) are global."""

    model_config = SettingsConfigDict(
        env_prefix=service("gateway").env_prefix, extra="ignore", populate_by_name=True
    )

    service_name: str = "gateway"
    # One per backend of the service registry (gateway.main reads ``<name>_url``).
    customer_url: str = service("customer").local_url()
    complaint_url: str = service("complaint").local_url()
    ticket_url: str = service("ticket").local_url()
    survey_url: str = service("survey").local_url()
    upstream_timeout_s: float = 10.0
    upstream_connect_timeout_s: float = 2.0
    # /readyz and /api/v1/upstreams must answer within 2 s even while an upstream hangs.
    health_probe_timeout_s: float = 1.0
    # GET/HEAD/OPTIONS are sent again on a fresh connection when a pooled keep-alive
    # connection turns out to be reset (the upstream closed it meanwhile).
    upstream_safe_retries: int = 1
    dev_token_ttl_s: int = 12 * 3600
    # Paths that need no login (kefu_shared.registry anonymous routes: survey answer
    # links), per client address; memory:// or redis://... shared by the replicas.
    public_rate_limit: str = "120/minute"
    rate_limit_storage: str = "memory://"
