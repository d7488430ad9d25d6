from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kefu_shared.registry import service
from kefu_shared.settings import ServiceSettings
from survey.config import AnalyticsSettings, PublicSettings, SurveyRules


class SurveySettings(ServiceSettings):
    """``SURVEY_*`` variables; shared ones (KEFU_ENV, KAFKA_BOOTSTRAP_SERVERS...) are global.

    The one settings object of the service, built once (``main.py`` / ``__main__.py`` or a
    test) and passed on: routes take it through :data:`survey.deps.SettingsDep`, consumers
    get it in :func:`survey.consumers.handlers`, sweeps and jobs as an argument.
    """

    model_config = SettingsConfigDict(
        env_prefix=service("survey").env_prefix, extra="ignore", populate_by_name=True
    )

    service_name: str = "survey"
    database_url: str = "sqlite+aiosqlite:///./var/survey.db"

    rules: SurveyRules = Field(default_factory=SurveyRules)
    public: PublicSettings = Field(default_factory=PublicSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
