"""Queries of technicians (candidates for auto-assignment, load), their feedback and the
maintenance plans."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import case, delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kefu_shared.auth import Principal
from kefu_shared.http.pagination import apply_keyset, page_from_rows
from kefu_shared.visibility import dealer_scope, visible_or_404
from ticket.catalog import (
    MaintenancePlan,
    Technician,
    TechnicianArea,
    TechnicianFeedback,
    TechnicianSkill,
)
from ticket.models import OPEN_STATES, Ticket, TicketVisit


class TechnicianRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, technician: Technician) -> None:
        self.session.add(technician)

    async def get(self, technician_id: str, *, for_update: bool = False) -> Technician | None:
        stmt = select(Technician).where(Technician.id == technician_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_user(self, user_id: str) -> Technician | None:
        stmt = select(Technician).where(Technician.user_id == user_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def set_skills_and_areas(self, technician: Technician) -> None:
        """The lookup rows follow the technician's lists (written after its own row)."""
        await self.session.flush()
        tid = technician.id
        await self.session.execute(
            delete(TechnicianSkill).where(TechnicianSkill.technician_id == tid)
        )
        await self.session.execute(
            delete(TechnicianArea).where(TechnicianArea.technician_id == tid)
        )
        if technician.skills:
            await self.session.execute(
                insert(TechnicianSkill),
                [{"technician_id": tid, "product_line": s} for s in technician.skills],
            )
        if technician.areas:
            await self.session.execute(
                insert(TechnicianArea),
                [{"technician_id": tid, "region": a} for a in technician.areas],
            )

    async def page(
        self,
        *,
        region: str | None,
        skill: str | None,
        active: bool | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Technician], str | None]:
        stmt = select(Technician)
        if region:
            stmt = stmt.where(
                exists().where(
                    TechnicianArea.technician_id == Technician.id, TechnicianArea.region == region
                )
            )
        if skill:
            stmt = stmt.where(
                exists().where(
                    TechnicianSkill.technician_id == Technician.id,
                    TechnicianSkill.product_line == skill,
                )
            )
        if active is not None:
            stmt = stmt.where(Technician.active.is_(active))
        stmt = apply_keyset(
            stmt, [Technician.name, Technician.id], cursor=cursor, limit=limit, sort="name"
        )
        rows = list((await self.session.execute(stmt)).scalars().all())
        return page_from_rows(rows, limit=limit, key=lambda t: [t.name, t.id], sort="name")

    async def candidates(
        self, *, product_line: str | None, region: str | None, day: date
    ) -> list[dict[str, Any]]:
        """Active technicians with the skill and the area (index lookups), each with its
        load and that day's appointments; the choice itself is ``rules.choose_technician``."""
        booked = (
            select(func.count())
            .where(
                Ticket.technician_id == Technician.id,
                Ticket.appointment_day == day,
                Ticket.status.in_(OPEN_STATES),
            )
            .correlate(Technician)
            .scalar_subquery()
        )
        stmt = select(Technician, booked.label("booked")).where(Technician.active.is_(True))
        if product_line:
            stmt = stmt.where(
                exists().where(
                    TechnicianSkill.technician_id == Technician.id,
                    TechnicianSkill.product_line == product_line,
                )
            )
        if region:
            stmt = stmt.where(
                exists().where(
                    TechnicianArea.technician_id == Technician.id, TechnicianArea.region == region
                )
            )
        rows = (await self.session.execute(stmt)).all()
        return [{"technician": row[0], "booked": int(row[1])} for row in rows]

    async def booked(
        self, technician_id: str, day: date, *, excluding: str | None = None
    ) -> list[Ticket]:
        stmt = select(Ticket).where(
            Ticket.technician_id == technician_id,
            Ticket.appointment_day == day,
            Ticket.status.in_(OPEN_STATES),
        )
        if excluding:
            stmt = stmt.where(Ticket.id != excluding)
        return list((await self.session.execute(stmt.limit(200))).scalars().all())

    async def adjust_load(self, technician_id: str, delta: int) -> None:
        await self.session.execute(
            update(Technician)
            .where(Technician.id == technician_id)
            .values(open_tickets=Technician.open_tickets + delta)
        )

    # --- feedback and scorecard facts -----------------------------------------------------

    async def add_feedback(self, feedback: TechnicianFeedback) -> bool:
        """Record feedback once per source (a redelivered event changes nothing)."""
        stmt = select(TechnicianFeedback.id).where(
            TechnicianFeedback.kind == feedback.kind,
            TechnicianFeedback.source_id == feedback.source_id,
        )
        if (await self.session.execute(stmt)).first() is not None:
            return False
        self.session.add(feedback)
        return True

    async def month_facts(
        self, *, start: datetime, end: datetime, technician_id: str | None
    ) -> dict[str, dict[str, Any]]:
        """Per technician: arrivals and on-time arrivals, completions and first-time
        fixes, repeat repairs, survey scores and complaints in [start, end)."""
        facts: dict[str, dict[str, Any]] = {}

        def slot(tid: str) -> dict[str, Any]:
            return facts.setdefault(
                tid,
                {
                    "arrivals": 0,
                    "on_time": 0,
                    "completed": 0,
                    "first_time_fixes": 0,
                    "repeat_repairs": 0,
                    "responses": 0,
                    "csat_sum": 0.0,
                    "complaints": 0,
                },
            )

        def only(col: Any, stmt: Any) -> Any:
            return stmt.where(col == technician_id) if technician_id else stmt

        v = TicketVisit
        stmt = only(
            v.technician_id,
            select(v.technician_id, func.count(), func.sum(case((v.on_time.is_(True), 1), else_=0)))
            .where(v.arrived_at >= start, v.arrived_at < end, v.technician_id.is_not(None))
            .group_by(v.technician_id),
        )
        for tid, n, on_time in (await self.session.execute(stmt)).all():
            s = slot(tid)
            s["arrivals"], s["on_time"] = int(n), int(on_time or 0)

        t = Ticket
        stmt = only(
            t.technician_id,
            select(
                t.technician_id,
                func.count(),
                func.sum(case((t.first_time_fix.is_(True), 1), else_=0)),
            )
            .where(t.completed_at >= start, t.completed_at < end, t.technician_id.is_not(None))
            .group_by(t.technician_id),
        )
        for tid, n, ftf in (await self.session.execute(stmt)).all():
            s = slot(tid)
            s["completed"], s["first_time_fixes"] = int(n), int(ftf or 0)

        stmt = only(
            t.repeat_of_technician_id,
            select(t.repeat_of_technician_id, func.count())
            .where(
                t.created_at >= start, t.created_at < end, t.repeat_of_technician_id.is_not(None)
            )
            .group_by(t.repeat_of_technician_id),
        )
        for tid, n in (await self.session.execute(stmt)).all():
            slot(tid)["repeat_repairs"] = int(n)

        f = TechnicianFeedback
        stmt = only(
            f.technician_id,
            select(f.technician_id, f.kind, func.count(), func.sum(func.coalesce(f.csat, 0.0)))
            .where(f.at >= start, f.at < end)
            .group_by(f.technician_id, f.kind),
        )
        for tid, kind, n, csat_sum in (await self.session.execute(stmt)).all():
            s = slot(tid)
            if kind == "satisfaction":
                s["responses"], s["csat_sum"] = int(n), float(csat_sum or 0)
            else:
                s["complaints"] = int(n)
        return facts

    async def names(self, ids: list[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Technician.id, Technician.name).where(Technician.id.in_(ids))
        )
        return {tid: name for tid, name in rows.all()}

    async def all_ids(self, limit: int = 10000) -> list[str]:
        rows = await self.session.execute(
            select(Technician.id).order_by(Technician.id).limit(limit)
        )
        return [r[0] for r in rows.all()]


class PlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, plan: MaintenancePlan) -> None:
        self.session.add(plan)

    async def visible(self, plan_id: str, actor: Principal) -> MaintenancePlan:
        return visible_or_404(
            await self.session.get(MaintenancePlan, plan_id),
            actor,
            what="maintenance plan",
            ident=plan_id,
        )

    async def page(
        self,
        *,
        actor: Principal,
        customer_id: str | None,
        dealer_id: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[MaintenancePlan], str | None]:
        stmt = select(MaintenancePlan)
        scope = dealer_scope(actor, dealer_id)
        if scope is not None:
            stmt = stmt.where(MaintenancePlan.dealer_id == scope)
        if customer_id:
            stmt = stmt.where(MaintenancePlan.customer_id == customer_id)
        stmt = apply_keyset(
            stmt,
            [MaintenancePlan.created_at, MaintenancePlan.id],
            cursor=cursor,
            limit=limit,
            sort="p",
        )
        rows = list((await self.session.execute(stmt)).scalars().all())
        return page_from_rows(rows, limit=limit, key=lambda p: [p.created_at, p.id], sort="p")

    async def due(self, *, until: date, limit: int) -> list[MaintenancePlan]:
        """Active plans due on or before ``until`` (today + the longest lead time); the
        caller checks each plan's own lead time."""
        stmt = (
            select(MaintenancePlan)
            .where(MaintenancePlan.active.is_(True), MaintenancePlan.next_due_on <= until)
            .order_by(MaintenancePlan.next_due_on, MaintenancePlan.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def move_customer(self, from_ids: list[str], to_id: str) -> None:
        await self.session.execute(
            update(MaintenancePlan)
            .where(MaintenancePlan.customer_id.in_(from_ids))
            .values(customer_id=to_id)
        )
