"""Records kept beside a complaint: its corrective and preventive actions, and the survey
responses it was recovered from."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from complaint.models import Base
from kefu_shared.db import new_uuid, utcnow


class CorrectiveAction(Base):
    """Containment, corrective or preventive action of an investigation (8D, light)."""

    __tablename__ = "complaint_actions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    complaint_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12))  # containment | corrective | preventive
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))  # open | in_progress | done | cancelled
    done_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {
        "version_id_col": version,
        "version_id_generator": False,
    }

    @property
    def etag(self) -> str:
        return f'"{self.id}.{self.version}"'


class SurveyRecovery(Base):
    """A dissatisfied survey response acted on once: the complaint it reopened or the
    follow-up complaint it opened, whatever the duplicates of the response."""

    __tablename__ = "complaint_survey_recoveries"

    response_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    complaint_id: Mapped[str] = mapped_column(String(36))
    outcome: Mapped[str] = mapped_column(String(16))  # reopened | follow_up | ignored
    follow_up_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(default=utcnow)
