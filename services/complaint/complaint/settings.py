from pydantic import Field
from pydantic_settings import SettingsConfigDict

from complaint.config import (
    DeadlineSettings,
    EscalationSettings,
    InvestigationSettings,
    ResolutionSettings,
)
from kefu_shared.calendar import CalendarSettings
from kefu_shared.registry import service
from kefu_shared.settings import ServiceSettings


class ComplaintSettings(ServiceSettings):
    """``COMPLAINT_*`` variables; shared ones (KEFU_ENV, KAFKA_BOOTSTRAP_SERVERS...) are global.

    The one settings object of the service, built once (``main.py`` / ``__main__.py`` or a
    test) and passed on: routes take it through :data:`complaint.deps.SettingsDep`, the
    consumers get it in :func:`complaint.consumers.handlers`, the escalation sweep as an
    argument. Each area's rules are a nested part (``settings.deadlines``,
    ``settings.escalation``...), the business calendar is ``settings.calendar``
    (``KEFU_CALENDAR_*``, shared by every service)."""

    model_config = SettingsConfigDict(
        env_prefix=service("complaint").env_prefix, extra="ignore", populate_by_name=True
    )

    service_name: str = "complaint"
    database_url: str = "sqlite+aiosqlite:///./var/complaint.db"
    number_prefix: str = "CP"

    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    deadlines: DeadlineSettings = Field(default_factory=DeadlineSettings)
    escalation: EscalationSettings = Field(default_factory=EscalationSettings)
    resolution: ResolutionSettings = Field(default_factory=ResolutionSettings)
    investigation: InvestigationSettings = Field(default_factory=InvestigationSettings)
