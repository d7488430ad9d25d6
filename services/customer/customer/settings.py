from pydantic_settings import SettingsConfigDict

from kefu_shared.settings import ServiceSettings


class CustomerSettings(ServiceSettings):
    """``CUSTOMER_*`` variables; shared ones (KEFU_ENV, KAFKA_BOOTSTRAP_SERVERS...) are global."""

    model_config = SettingsConfigDict(env_prefix="CUSTOMER_", extra="ignore", populate_by_name=True)

    service_name: str = "customer"
    database_url: str = "sqlite+aiosqlite:///./var/customer.db"
    number_prefix: str = "C"

    # Where the factory is: decides local / out-of-town (外埠) / international.
    home_country: str = "CN"
    home_province: str | None = None
    home_city: str | None = None

    # Overdue days grow with time alone: recalculate every customer's credit this often
    # (seconds; 0 turns the background recalculation off, e.g. when a CronJob does it).
    credit_recalc_interval_s: float = 86400.0
    credit_recalc_first_delay_s: float = 60.0
