from pydantic import Field
from pydantic_settings import SettingsConfigDict

from customer.analytics.config import AnalyticsSettings, CostSettings
from customer.classification.config import ClassificationSettings
from customer.credit.config import CreditSettings
from kefu_shared.registry import service
from kefu_shared.settings import ServiceSettings


class CustomerSettings(ServiceSettings):
    """``CUSTOMER_*`` variables; shared ones (KEFU_ENV, KAFKA_BOOTSTRAP_SERVERS...) are global.

    The one settings object of the service: built once (``main.py`` / ``__main__.py``, or a
    test), held by the app and passed on -- routes reach it through
    :data:`customer.deps.SettingsDep`, consumers and sweeps get it when they are created.
    Each area's rules are a nested part, read from its own ``CUSTOMER_<AREA>_*`` variables
    when the object is built; a test changes a rule by building the part it needs, e.g.
    ``CustomerSettings(credit=CreditSettings(hold_overdue_days=60))``.
    """

    model_config = SettingsConfigDict(
        env_prefix=service("customer").env_prefix, extra="ignore", populate_by_name=True
    )

    service_name: str = "customer"
    database_url: str = "sqlite+aiosqlite:///./var/customer.db"
    number_prefix: str = "C"

    # Where the factory is: decides local / out-of-town (外埠) / international.
    home_country: str = "CN"
    home_province: str | None = None
    home_city: str | None = None

    # Overdue days grow with time alone: recalculate every customer's credit this often
    # (seconds; 0 turns the background recalculation off, e.g. when a CronJob does it).
    # A scheduled sweep: one replica runs it (customer/background.py).
    credit_recalc_interval_s: float = 86400.0
    # The scheduler (this sweep and the others) starts this long after the process.
    credit_recalc_first_delay_s: float = 60.0

    credit: CreditSettings = Field(default_factory=CreditSettings)
    classification: ClassificationSettings = Field(default_factory=ClassificationSettings)
    cost: CostSettings = Field(default_factory=CostSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
