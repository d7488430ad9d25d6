"""The customer card (客户管理卡): one document with everything known about a customer,
as JSON and as a printable HTML page."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from customer.analytics.service import service_profile
from customer.credit.service import get_profile as get_credit_profile
from customer.models import Customer
from customer.schemas import CustomerRead
from customer.settings import CustomerSettings
from kefu_shared.auth import Principal

if TYPE_CHECKING:
    from customer.uow import CustomerUnitOfWork

TIER_LABELS = {
    "super": "超级客户",
    "large": "大客户",
    "medium": "中客户",
    "small": "小客户",
    "inactive": "非积极客户",
    "potential": "潜在客户",
}
REGION_LABELS = {"local": "本地", "out_of_town": "外埠", "international": "国际"}
AREA_LABELS = {"city": "城市", "town": "城镇", "rural": "乡村"}


def build_card(customer: Customer, ledger: dict[str, Any], *, today: date) -> dict[str, Any]:
    profile = CustomerRead.model_validate(customer).model_dump(mode="json")
    return {
        "title": "客户管理卡",
        "customer": profile,
        "classification": {
            "tier": customer.tier,
            "tier_label": TIER_LABELS.get(customer.tier, customer.tier) if customer.tier else None,
            "key_account": customer.key_account,
            "sales_stage": customer.sales_stage,
            "transaction_pattern": customer.transaction_pattern,
            "worth_cultivating": customer.worth_cultivating,
            "region_class": customer.region_class,
            "area_class": customer.area_class,
            "industry": customer.industry,
            "size": customer.size,
            "business_type": customer.business_type,
        },
        "ledger": {k: (str(v) if isinstance(v, Decimal) else v) for k, v in ledger.items()},
        "generated_on": today.isoformat(),
    }


def _row(label: str, value: Any) -> str:
    if value in (None, "", [], {}):
        value = "—"
    elif isinstance(value, list):
        value = "、".join(str(v) for v in value)
    return f"<tr><th>{html.escape(label)}</th><td>{html.escape(str(value))}</td></tr>"


def render_card_html(card: dict[str, Any]) -> str:
    c = card["customer"]
    k = card["classification"]
    ledger = card["ledger"]
    basic = [
        ("客户编号 Number", c["number"]),
        ("客户名称 Name", c["name"]),
        ("类型 Kind", "公司客户" if c["kind"] == "company" else "个体客户"),
        ("状态 Status", c["status"]),
        ("统一社会信用代码", c.get("credit_code")),
        ("行业 Industry", c.get("industry")),
        ("规模 Size", c.get("size")),
        ("电话 Phones", c.get("phones")),
        ("邮箱 Email", c.get("email")),
        ("负责人 Owner", c.get("owner")),
        ("来源 Source", c.get("source")),
        ("经销商 Dealer", c.get("dealer_id")),
        ("标签 Tags", c.get("tags")),
    ]
    klass = [
        ("客户等级 Tier", f"{k['tier_label']} ({k['tier']})"),
        ("大客户 Key account", "是" if k["key_account"] else "否"),
        ("销售阶段 Sales stage", k.get("sales_stage")),
        ("交易类型 Pattern", k.get("transaction_pattern")),
        ("区域 Region", REGION_LABELS.get(k.get("region_class") or "", k.get("region_class"))),
        ("城乡 Area", AREA_LABELS.get(k.get("area_class") or "", k.get("area_class"))),
    ]
    sales = [
        ("订单数 Orders", ledger["orders"]),
        ("近12个月销售额 Revenue 12m", ledger["revenue_12m"]),
        ("近12个月毛利 Margin 12m", ledger["margin_12m"]),
        ("累计销售额 Revenue total", ledger["revenue_total"]),
        (
            "首次/最近订单 First/last order",
            f"{ledger['first_order'] or '—'} / {ledger['last_order'] or '—'}",
        ),
    ]
    addresses = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(a.get(f) or ''))}</td>"
            for f in ("kind", "province", "city", "district", "street", "postal_code")
        )
        + "</tr>"
        for a in c.get("addresses", [])
    )
    contacts = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(v))}</td>"
            for v in (
                ct.get("name", ""),
                ct.get("title") or "",
                "、".join(ct.get("phones") or []),
                ct.get("purchase_role") or "",
            )
        )
        + "</tr>"
        for ct in c.get("contacts", [])
    )

    def table(rows: list[tuple[str, Any]]) -> str:
        return "<table>" + "".join(_row(label, value) for label, value in rows) + "</table>"

    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>客户管理卡 {html.escape(c["number"])}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #222; }}
h1 {{ font-size: 1.4em; border-bottom: 2px solid #333; }}
h2 {{ font-size: 1.1em; margin-top: 1.5em; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #999; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f0f0f0; width: 30%; }}
@media print {{ body {{ margin: 0; }} }}
</style></head><body>
<h1>客户管理卡 Customer card — {html.escape(c["name"])}</h1>
<h2>基本资料 Profile</h2>{table(basic)}
<h2>客户分类 Classification</h2>{table(klass)}
<h2>交易记录 Sales</h2>{table(sales)}
<h2>地址 Addresses</h2><table><tr><th>类型</th><th>省</th><th>市</th><th>区</th><th>地址</th><th>邮编</th></tr>{addresses}</table>
<h2>联系人 Contacts</h2><table><tr><th>姓名</th><th>职务</th><th>电话</th><th>采购角色</th></tr>{contacts}</table>
<p>生成日期 Generated {html.escape(card["generated_on"])}</p>
</body></html>"""


async def customer_card(
    *,
    uow: CustomerUnitOfWork,
    customer_id: str,
    actor: Principal,
    settings: CustomerSettings,
    today: date | None = None,
) -> dict[str, Any]:
    """The customer card (客户管理卡) as one JSON document: profile, classification, sales,
    credit, service history and satisfaction."""
    async with uow:
        customer = await uow.customers.get_visible(customer_id, actor)
        today = today or date.today()
        card = build_card(customer, await uow.ledger.summary(customer.id, today=today), today=today)
    credit = await get_credit_profile(
        uow=uow, customer_id=customer_id, actor=actor, policy=settings.credit
    )
    card["credit"] = {
        key: (str(value) if isinstance(value, Decimal) else value)
        for key, value in credit.items()
        if key in CARD_CREDIT_FIELDS
    }
    service_history = await service_profile(
        uow=uow, customer_id=customer_id, actor=actor, settings=settings.analytics
    )
    card["service"] = service_history.model_dump(mode="json", exclude={"satisfaction_history"})
    card["satisfaction_history"] = [
        r.model_dump(mode="json") for r in service_history.satisfaction_history
    ]
    return card


CARD_CREDIT_FIELDS = (
    "rating",
    "score",
    "credit_limit",
    "payment_terms_days",
    "outstanding",
    "overdue_amount",
    "max_overdue_days",
    "on_hold",
    "hold_reason",
    "override_rating",
    "override_reason",
)
