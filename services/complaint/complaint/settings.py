from pydantic_settings import SettingsConfigDict

from kefu_shared.registry import service
from kefu_shared.settings import ServiceSettings


class ComplaintSettings(ServiceSettings):
    """``COMPLAINT_*`` variables; shared ones (KEFU_ENV, KAFKA_BOOTSTRAP_SERVERS...) are global."""

    model_config = SettingsConfigDict(
        env_prefix=service("complaint").env_prefix, extra="ignore", populate_by_name=True
    )

    service_name: str = "complaint"
    database_url: str = "sqlite+aiosqlite:///./var/complaint.db"
