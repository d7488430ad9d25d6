from pydantic_settings import SettingsConfigDict

from kefu_shared.registry import service
from kefu_shared.settings import ServiceSettings


class SurveySettings(ServiceSettings):
    """``SURVEY_*`` variables; shared ones (KEFU_ENV, KAFKA_BOOTSTRAP_SERVERS...) are global."""

    model_config = SettingsConfigDict(
        env_prefix=service("survey").env_prefix, extra="ignore", populate_by_name=True
    )

    service_name: str = "survey"
    database_url: str = "sqlite+aiosqlite:///./var/survey.db"
