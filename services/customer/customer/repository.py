"""Every query of the customer profiles (lookups, lists, duplicates, classifications,
lifecycle history, contact log)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVarTuple

from sqlalchemy import Integer, Select, delete, exists, func, insert, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, selectinload
from typing_extensions import TypeAliasType

from customer.models import Customer, platform
from customer.records import CustomerHistory, CustomerInteraction, CustomerTag
from kefu_shared.auth import Principal
from kefu_shared.errors import NotFound
from kefu_shared.http.pagination import apply_keyset, page_from_rows
from kefu_shared.numbering import next_number
from kefu_shared.visibility import dealer_scope, visible_or_404

# A sort key of the customer list: a column, "-" before it for descending.
CustomerSort = TypeAliasType(
    "CustomerSort",
    Literal[
        "name",
        "-name",
        "number",
        "-number",
        "created_at",
        "-created_at",
        "updated_at",
        "-updated_at",
    ],
)
Ts = TypeVarTuple("Ts")
SORTS: dict[CustomerSort, tuple[str, bool]] = {
    "name": ("name", False),
    "-name": ("name", True),
    "number": ("number", False),
    "-number": ("number", True),
    "created_at": ("created_at", False),
    "-created_at": ("created_at", True),
    "updated_at": ("updated_at", False),
    "-updated_at": ("updated_at", True),
}


@dataclass
class CustomerFilter:
    """Filters of the customer list (客户一览表): every classification dimension."""

    q: str | None = None
    kind: str | None = None
    status: list[str] = field(default_factory=lambda: ["active"])
    tier: list[str] = field(default_factory=list)
    region_class: list[str] = field(default_factory=list)
    area_class: list[str] = field(default_factory=list)
    province: str | None = None
    city: str | None = None
    district: str | None = None
    industry: list[str] = field(default_factory=list)
    size: list[str] = field(default_factory=list)
    business_type: list[str] = field(default_factory=list)
    sales_stage: list[str] = field(default_factory=list)
    transaction_pattern: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    key_account: bool | None = None
    worth_cultivating: bool | None = None
    dealer_id: str | None = None
    owner: str | None = None
    tag: list[str] = field(default_factory=list)
    created_from: datetime | None = None
    created_to: datetime | None = None

    def apply(self, stmt: Select[*Ts], actor: Principal) -> Select[*Ts]:
        """The filters, with the dealer filter forced to a dealer's own customers."""
        c = Customer
        multi = {
            c.status: self.status,
            c.tier: self.tier,
            c.region_class: self.region_class,
            c.area_class: self.area_class,
            c.industry: self.industry,
            c.size: self.size,
            c.business_type: self.business_type,
            c.sales_stage: self.sales_stage,
            c.transaction_pattern: self.transaction_pattern,
            c.source: self.source,
        }
        for column, values in multi.items():
            if values:
                stmt = stmt.where(column.in_(values))
        single: dict[InstrumentedAttribute[Any], Any] = {
            c.kind: self.kind,
            c.province: self.province,
            c.city: self.city,
            c.district: self.district,
            c.dealer_id: dealer_scope(actor, self.dealer_id),
            c.owner: self.owner,
            c.key_account: self.key_account,
            c.worth_cultivating: self.worth_cultivating,
        }
        for column, value in single.items():
            if value is not None:
                stmt = stmt.where(column == value)
        for tag in self.tag:
            stmt = stmt.where(
                exists().where(CustomerTag.customer_id == c.id, CustomerTag.tag == tag)
            )
        if self.created_from is not None:
            stmt = stmt.where(c.created_at >= self.created_from)
        if self.created_to is not None:
            stmt = stmt.where(c.created_at < self.created_to)
        if self.q:
            pattern = f"%{_escape_like(self.q.strip())}%"
            stmt = stmt.where(
                or_(
                    c.name.ilike(pattern, escape="\\"),
                    c.number.ilike(pattern, escape="\\"),
                    c.phone_primary.ilike(pattern, escape="\\"),
                    c.email.ilike(pattern, escape="\\"),
                    c.credit_code.ilike(pattern, escape="\\"),
                    c.city.ilike(pattern, escape="\\"),
                )
            )
        return stmt


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, customer: Customer) -> None:
        self.session.add(customer)

    async def get(
        self, customer_id: str, *, with_addresses: bool = True, for_update: bool = False
    ) -> Customer | None:
        stmt = select(Customer).where(Customer.id == customer_id)
        if with_addresses:
            stmt = stmt.options(selectinload(Customer.addresses))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_visible(
        self,
        customer_id: str,
        actor: Principal,
        *,
        with_addresses: bool = True,
        for_update: bool = False,
    ) -> Customer:
        """The customer, or 404 when it is missing or another dealer's: every lookup of a
        customer by id in this service goes through here (``kefu_shared.visibility``)."""
        customer = await self.get(customer_id, with_addresses=with_addresses, for_update=for_update)
        return visible_or_404(customer, actor, what="customer", ident=customer_id)

    async def get_many_visible(self, ids: Sequence[str], actor: Principal) -> list[Customer]:
        """The customers of ``ids`` that ``actor`` may see, locked for update; 404 naming
        every one that is missing or another dealer's."""
        stmt = (
            select(Customer)
            .where(Customer.id.in_(list(ids)))
            .options(selectinload(Customer.addresses))
            .with_for_update()
        )
        found = {c.id: c for c in (await self.session.execute(stmt)).scalars().all()}
        missing = [i for i in ids if i not in found or not actor.can_see_dealer(found[i].dealer_id)]
        if missing:
            raise NotFound(f"customers not found: {', '.join(missing)}", missing=missing)
        return [found[i] for i in ids]

    async def next_number(self) -> int:
        """The next customer number (``kefu_shared.numbering``)."""
        return await next_number(self.session, platform.sequences, "customer")

    async def release_credit_codes(self, customers: Sequence[Customer]) -> None:
        """Clear the (unique) credit codes of ``customers`` now, so that another customer
        can take one of them in the same transaction (a merge)."""
        for customer in customers:
            customer.credit_code = None
        await self.session.flush()

    async def by_credit_code(self, code: str) -> Customer | None:
        stmt = select(Customer).where(Customer.credit_code == code)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def set_tags(self, customer_id: str, tags: Sequence[str]) -> None:
        await self.session.execute(
            delete(CustomerTag).where(CustomerTag.customer_id == customer_id)
        )
        if tags:
            await self.session.execute(
                insert(CustomerTag), [{"customer_id": customer_id, "tag": t} for t in tags]
            )

    def add_history(self, entry: CustomerHistory) -> None:
        self.session.add(entry)

    async def history_page(
        self, customer_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[CustomerHistory], str | None]:
        """A customer's lifecycle history, newest first."""
        stmt = apply_keyset(
            select(CustomerHistory).where(CustomerHistory.customer_id == customer_id),
            [CustomerHistory.id],
            cursor=cursor,
            limit=limit,
            descending=True,
            sort="history",
        )
        rows = list((await self.session.execute(stmt)).scalars().all())
        return page_from_rows(rows, limit=limit, key=lambda h: [h.id], sort="history")

    def add_interaction(self, interaction: CustomerInteraction) -> None:
        self.session.add(interaction)

    async def interactions_page(
        self, customer_id: str, *, kinds: Sequence[str], limit: int, cursor: str | None
    ) -> tuple[list[CustomerInteraction], str | None]:
        """A customer's contacts, newest first."""
        stmt = select(CustomerInteraction).where(CustomerInteraction.customer_id == customer_id)
        if kinds:
            stmt = stmt.where(CustomerInteraction.kind.in_(list(kinds)))
        stmt = apply_keyset(
            stmt,
            [CustomerInteraction.at, CustomerInteraction.id],
            cursor=cursor,
            limit=limit,
            descending=True,
            sort="interactions",
        )
        rows = list((await self.session.execute(stmt)).scalars().all())
        return page_from_rows(rows, limit=limit, key=lambda i: [i.at, i.id], sort="interactions")

    async def list_page(
        self,
        flt: CustomerFilter,
        *,
        actor: Principal,
        sort: CustomerSort,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Customer], str | None]:
        column_name, descending = SORTS[sort]
        column = getattr(Customer, column_name)
        stmt = flt.apply(select(Customer).options(selectinload(Customer.addresses)), actor)
        stmt = apply_keyset(
            stmt,
            [column, Customer.id],
            cursor=cursor,
            limit=limit,
            descending=descending,
            sort=sort,
        )
        rows = list((await self.session.execute(stmt)).scalars().all())
        return page_from_rows(
            rows, limit=limit, key=lambda c: [getattr(c, column_name), c.id], sort=sort
        )

    async def address_classification(
        self, flt: CustomerFilter, *, actor: Principal, group_by: Sequence[str]
    ) -> list[dict[str, Any]]:
        """客户地址分类表: customers counted by the chosen address dimensions."""
        cols = [getattr(Customer, g).label(g) for g in group_by]
        stmt = flt.apply(
            select(
                *cols,
                func.count().label("customers"),
                func.sum(func.cast(Customer.key_account, Integer())).label("key_accounts"),
            ).select_from(Customer),
            actor,
        )
        stmt = stmt.group_by(*cols).order_by(func.count().desc(), *cols)
        return [dict(r._mapping) for r in (await self.session.execute(stmt)).all()]

    async def grade_classification(
        self, flt: CustomerFilter, *, actor: Principal
    ) -> list[dict[str, Any]]:
        """客户等级分类表: customers per tier (and how many are key accounts)."""
        stmt = flt.apply(
            select(
                Customer.tier.label("tier"),
                func.count().label("customers"),
                func.sum(func.cast(Customer.key_account, Integer())).label("key_accounts"),
                func.sum(func.cast(Customer.kind == literal("company"), Integer())).label(
                    "companies"
                ),
            ).select_from(Customer),
            actor,
        )
        stmt = stmt.group_by(Customer.tier)
        return [dict(r._mapping) for r in (await self.session.execute(stmt)).all()]

    async def duplicate_groups(
        self, *, dealer_id: str | None, limit: int, offset_key: str | None
    ) -> list[dict[str, Any]]:
        """Groups of active customers sharing a phone, or a name in the same city."""
        active = Customer.status == "active"
        scope = [active] + ([Customer.dealer_id == dealer_id] if dealer_id else [])
        by_phone = (
            select(
                literal("phone").label("reason"),
                Customer.phone_primary.label("value"),
                func.count().label("n"),
            )
            .where(*scope, Customer.phone_primary.is_not(None))
            .group_by(Customer.phone_primary)
            .having(func.count() > 1)
        )
        name_city = func.lower(Customer.name) + literal("|") + func.coalesce(Customer.city, "")
        by_name = (
            select(
                literal("name_city").label("reason"),
                name_city.label("value"),
                func.count().label("n"),
            )
            .where(*scope)
            .group_by(name_city)
            .having(func.count() > 1)
        )
        union = by_phone.union_all(by_name).subquery()
        key = union.c.reason + literal(":") + union.c.value
        stmt = select(union.c.reason, union.c.value, union.c.n, key.label("key")).order_by(key)
        if offset_key:
            stmt = stmt.where(key > offset_key)
        stmt = stmt.limit(limit + 1)
        return [dict(r._mapping) for r in (await self.session.execute(stmt)).all()]

    async def members_of_group(
        self, reason: str, value: str, *, dealer_id: str | None
    ) -> list[Customer]:
        stmt = select(Customer).where(Customer.status == "active")
        if dealer_id:
            stmt = stmt.where(Customer.dealer_id == dealer_id)
        if reason == "phone":
            stmt = stmt.where(Customer.phone_primary == value)
        else:
            name_city = func.lower(Customer.name) + literal("|") + func.coalesce(Customer.city, "")
            stmt = stmt.where(name_city == value)
        return list(
            (await self.session.execute(stmt.order_by(Customer.created_at).limit(50))).scalars()
        )
