"""Configuration of the analytics area: parts of ``CustomerSettings`` (``settings.cost``,
``settings.analytics``), built once with it.

``CostSettings`` (``CUSTOMER_COST_*``) prices the service work that complaint and ticket
events report, so that cost to serve is comparable with gross margin; ``AnalyticsSettings``
(``CUSTOMER_ANALYTICS_*``) holds the satisfaction-trend and key-account watch-list rules.
The model is documented in services/customer/docs/analytics.md.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CostSettings(BaseSettings):
    """Unit costs (base currency, CNY) of serving a customer; every value is configurable."""

    model_config = SettingsConfigDict(env_prefix="CUSTOMER_COST_", extra="ignore")

    # Handling a complaint, charged once per complaint when it is first seen, by severity.
    complaint_critical: Decimal = Decimal("2000")
    complaint_major: Decimal = Decimal("800")
    complaint_minor: Decimal = Decimal("200")
    # Severity assumed when the first event of a complaint carries none.
    complaint_default_severity: str = "minor"
    complaint_escalation: Decimal = Decimal("300")  # per complaint.escalated
    complaint_reopen: Decimal = Decimal("300")  # per complaint.reopened
    # complaint.compensation_approved amounts are added as they are (refund, discount...).
    include_compensation: bool = True

    # Handling a service ticket, charged once per ticket when it is first seen.
    ticket_base: Decimal = Decimal("150")
    # Per ticket type, replaces ticket_base (JSON in the environment, e.g.
    # CUSTOMER_COST_TICKET_BY_TYPE='{"installation": "300"}').
    ticket_by_type: dict[str, Decimal] = Field(
        default_factory=lambda: {
            "installation": Decimal("250"),
            "repair": Decimal("200"),
            "maintenance": Decimal("150"),
            "inspection": Decimal("120"),
            "return_exchange": Decimal("300"),
            "consultation": Decimal("50"),
        }
    )
    ticket_visit: Decimal = Decimal("400")  # per ticket.visit_recorded (travel + labour)
    sla_breach: Decimal = Decimal("200")  # per ticket.sla_breached (goodwill, penalties)
    # Fees charged to the customer for out-of-warranty work offset the cost to serve.
    subtract_ticket_fees: bool = True

    def complaint_cost(self, severity: str | None) -> Decimal:
        by_severity = {
            "critical": self.complaint_critical,
            "major": self.complaint_major,
            "minor": self.complaint_minor,
        }
        default = by_severity.get(self.complaint_default_severity, self.complaint_minor)
        return by_severity.get(severity or "", default)

    def ticket_cost(self, ticket_type: str | None) -> Decimal:
        if ticket_type and ticket_type in self.ticket_by_type:
            return self.ticket_by_type[ticket_type]
        return self.ticket_base


class AnalyticsSettings(BaseSettings):
    """Satisfaction trend, revenue windows and watch-list thresholds."""

    model_config = SettingsConfigDict(env_prefix="CUSTOMER_ANALYTICS_", extra="ignore")

    # Trend: mean score of the newest `trend_window` responses against the mean of the
    # `trend_window` before them; a change of at least `trend_min_delta` (1-5 scale) is a
    # rising or falling trend, anything smaller is steady.
    trend_window: int = Field(3, ge=1, le=50)
    trend_min_delta: float = Field(0.3, gt=0)
    # Responses kept on the profile's satisfaction history endpoint.
    history_limit: int = Field(20, ge=1, le=200)

    # Key-account revenue share and growth: trailing window in months.
    key_account_window_months: int = Field(12, ge=1, le=60)
    # Watch list: last N months against the N before.
    watch_months: int = Field(3, ge=1, le=24)
    watch_revenue_drop: Decimal = Field(Decimal("0.20"), gt=0, le=1)  # 20 % drop or more
    watch_min_csat: float = Field(3.5, ge=1, le=5)  # latest CSAT below this is a risk

    # Pareto curve resolution (points) and the headline "top N %".
    pareto_points: int = Field(20, ge=2, le=100)
    pareto_top_percent: int = Field(20, ge=1, le=100)
