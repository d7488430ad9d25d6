from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kefu_shared.calendar import CalendarSettings
from kefu_shared.registry import service
from kefu_shared.settings import ServiceSettings
from ticket.config import (
    DispatchSettings,
    MaintenanceSettings,
    ScorecardSettings,
    SlaSettings,
    WarrantySettings,
)


class TicketSettings(ServiceSettings):
    """``TICKET_*`` variables; shared ones (KEFU_ENV, KAFKA_BOOTSTRAP_SERVERS...) are global.

    The one settings object of the service (copy of ``CustomerSettings``): built once by
    ``create_app`` / ``__main__`` or a test and passed on; each area's rules are a nested
    part (``settings.sla``, ``settings.warranty``...), the business calendar is the
    installation's ``KEFU_CALENDAR_*``.
    """

    model_config = SettingsConfigDict(
        env_prefix=service("ticket").env_prefix, extra="ignore", populate_by_name=True
    )

    service_name: str = "ticket"
    database_url: str = "sqlite+aiosqlite:///./var/ticket.db"
    number_prefix: str = "TS"

    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    warranty: WarrantySettings = Field(default_factory=WarrantySettings)
    dispatch: DispatchSettings = Field(default_factory=DispatchSettings)
    scorecard: ScorecardSettings = Field(default_factory=ScorecardSettings)
    maintenance: MaintenanceSettings = Field(default_factory=MaintenanceSettings)
