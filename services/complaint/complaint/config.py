"""The complaint service's rules, each area a nested part of :class:`ComplaintSettings`
read from its own ``COMPLAINT_<AREA>_*`` variables when the settings object is built
(domain.md §2 gives the defaults). A test changes a rule by building the part:
``ComplaintSettings(deadlines=DeadlineSettings(acknowledge_hours={...}))``."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SEVERITIES = ("critical", "major", "minor")
LEVEL_NAMES = ("supervisor", "department_manager", "general_manager")


class DeadlineSettings(BaseSettings):
    """``COMPLAINT_DEADLINES_*``: acknowledge within business hours, resolve within business
    days, per severity; key accounts (大客户, from the local customer copy) get their own,
    stricter, targets."""

    model_config = SettingsConfigDict(env_prefix="COMPLAINT_DEADLINES_", extra="ignore")

    acknowledge_hours: dict[str, float] = Field(
        default_factory=lambda: {"critical": 2.0, "major": 4.0, "minor": 24.0}
    )
    resolve_days: dict[str, int] = Field(
        default_factory=lambda: {"critical": 3, "major": 7, "minor": 15}
    )
    key_account_acknowledge_hours: dict[str, float] = Field(
        default_factory=lambda: {"critical": 1.0, "major": 2.0, "minor": 8.0}
    )
    key_account_resolve_days: dict[str, int] = Field(
        default_factory=lambda: {"critical": 2, "major": 5, "minor": 10}
    )
    # Resolved or closed complaints can be reopened within this many calendar days.
    reopen_window_days: int = Field(30, ge=0)


class EscalationSettings(BaseSettings):
    """``COMPLAINT_ESCALATION_*``: when an overdue complaint goes up a level, and to whom.

    Level ``k`` (1 supervisor, 2 department manager, 3 general manager) is reached
    ``after_hours[k-1]`` business hours past the missed deadline (acknowledgement, then
    resolution). Each level has an owner who is notified (the event and the record);
    a department can name its own manager."""

    model_config = SettingsConfigDict(env_prefix="COMPLAINT_ESCALATION_", extra="ignore")

    after_hours: list[float] = Field(default_factory=lambda: [0.0, 4.0, 16.0])
    owners: dict[str, str] = Field(
        default_factory=lambda: {
            "supervisor": "complaint-supervisor",
            "department_manager": "department-manager",
            "general_manager": "general-manager",
        }
    )
    department_managers: dict[str, str] = Field(default_factory=dict)
    # The sweep that finds overdue complaints runs this often on one replica (seconds;
    # 0 turns it off, e.g. when a CronJob runs it).
    sweep_interval_s: float = Field(30.0, ge=0)
    sweep_batch_size: int = Field(200, ge=1, le=5000)


class ResolutionSettings(BaseSettings):
    """``COMPLAINT_RESOLUTION_*``: compensation above the threshold needs a service
    manager's approval before the complaint can be resolved."""

    model_config = SettingsConfigDict(env_prefix="COMPLAINT_RESOLUTION_", extra="ignore")

    approval_threshold: Decimal = Field(Decimal("1000.00"), ge=0)
    currency: str = "CNY"


class InvestigationSettings(BaseSettings):
    """``COMPLAINT_INVESTIGATION_*``: the root-cause catalog (code → label)."""

    model_config = SettingsConfigDict(env_prefix="COMPLAINT_INVESTIGATION_", extra="ignore")

    root_causes: dict[str, str] = Field(
        default_factory=lambda: {
            "design": "Design",
            "material": "Material",
            "process": "Manufacturing process",
            "transport": "Transport",
            "installation": "Installation",
            "usage": "Usage",
            "other": "Other",
        }
    )
