from pydantic_settings import SettingsConfigDict

from kefu_shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    """``GATEWAY_*`` variables; shared ones (KEFU_ENV, KEFU_JWT_SECRET...) are global."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    service_name: str = "gateway"
    customer_url: str = "http://127.0.0.1:8001"
    complaint_url: str = "http://127.0.0.1:8002"
    ticket_url: str = "http://127.0.0.1:8003"
    survey_url: str = "http://127.0.0.1:8004"
    upstream_timeout_s: float = 10.0
    upstream_connect_timeout_s: float = 2.0
    dev_token_ttl_s: int = 12 * 3600
