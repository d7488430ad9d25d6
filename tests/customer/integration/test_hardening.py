"""Issue 7 regressions of the customer service (SQLite, and PostgreSQL with
TEST_DATABASE_URL): bounded free-form fields, extreme dates, the credit-code race, CSV
exports of a missing or hidden customer and NUL in ``q`` -- each a 4xx problem+json with
nothing written, never a 500."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi.dependencies.utils import get_flat_params

from tests.customer.integration.conftest import CustomerHarness, api_routes
from tests.support import count_rows

CODE = "91330100MA27XL0E2G"  # a valid unified social credit code


def _problem(r: httpx.Response, status: int | None = None) -> dict[str, Any]:
    assert r.headers["content-type"] == "application/problem+json", (r.status_code, r.text)
    if status is not None:
        assert r.status_code == status, r.text
    else:
        assert 400 <= r.status_code < 500, r.text
    return r.json()  # type: ignore[no-any-return]


def _names_field(problem: dict[str, Any], field: str) -> bool:
    # "query.as_of", "body.preferences", "orders.0": the field is one part of the path.
    paths = [str(e.get("field", "")).split(".") for e in problem.get("errors", [])]
    return any(field in parts for parts in paths)


def _nested(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        node = {"next": node}
    return node


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"preferences": {"blob": "x" * 900_000}}, "preferences"),
        ({"preferences": {f"k{i}": i for i in range(1000)}}, "preferences"),
        ({"preferences": _nested(10)}, "preferences"),
        ({"products_owned": [{"model": "P"}] * 1000}, "products_owned"),
        ({"products_owned": [{"model": "P" * 5000}]}, "products_owned"),
        ({"bank_info": {"account": "1" * 5000}}, "bank_info"),
        ({"tags": ["t" * 1000]}, "tags"),
        ({"phones": ["1" * 1000]}, "phones"),
        ({"notes": "n" * 6000}, "notes"),
        ({"contacts": [{"name": "A", "phones": ["1" * 1000]}]}, "contacts"),
        ({"addresses": [{"street": "s" * 1000}]}, "addresses"),
        ({"birthday": "0001-01-01"}, "birthday"),
        ({"founded_on": "9999-12-31"}, "founded_on"),
    ],
)
async def test_unbounded_input_is_422_naming_the_field_and_writes_nothing(
    customer_svc: CustomerHarness, body: dict[str, Any], field: str
) -> None:
    payload = {"kind": "company", "name": "Big Appetite Ltd", **body}
    r = await customer_svc.http.post(
        "/api/v1/customers", json=payload, headers=customer_svc.auth("agent")
    )
    problem = _problem(r, 422)
    assert _names_field(problem, field), problem
    assert count_rows(customer_svc.url, "customers") == 0


async def test_bounded_free_form_fields_within_limits_are_stored(
    customer_svc: CustomerHarness,
) -> None:
    c = await customer_svc.create_customer(
        kind="company",
        name="Moderate Ltd",
        preferences={"delivery": "morning", "days": "mon,thu"},
        products_owned=[
            {"product": "boiler", "model_number": f"P-{i}", "serial_number": f"S{i:05d}"}
            for i in range(150)
        ],
        bank_info={"bank": "ICBC", "account_number": "6222000000000000"},
    )
    assert c["preferences"]["days"] == "mon,thu"
    assert len(c["products_owned"]) == 150


async def test_an_oversize_ledger_import_row_is_422_naming_the_row(
    customer_svc: CustomerHarness,
) -> None:
    row = {
        "customer_number": "C1",
        "external_ref": "X" * 10_000,
        "amount": "10.00",
        "order_date": "2026-01-05",
    }
    r = await customer_svc.http.post(
        "/api/v1/ledger/imports", json={"orders": [row]}, headers=customer_svc.auth("admin")
    )
    problem = _problem(r, 422)
    assert any(
        e.get("section") == "orders" and e.get("row") == 1 and e.get("field") == "external_ref"
        for e in problem["errors"]
    ), problem


async def test_extreme_dates_are_422_not_500(customer_svc: CustomerHarness) -> None:
    c = await customer_svc.create_customer(kind="company", name="Dated Ltd")
    auth = customer_svc.auth("admin")
    http = customer_svc.http
    probes: list[tuple[str, str, dict[str, Any], dict[str, Any] | None, str]] = [
        ("GET", "/api/v1/key-accounts/watch-list", {"as_of": "0001-01-01"}, None, "as_of"),
        ("GET", "/api/v1/key-accounts", {"as_of": "0001-01-01"}, None, "as_of"),
        ("GET", "/api/v1/key-accounts", {"as_of": "9999-12-31"}, None, "as_of"),
        ("POST", "/api/v1/classification-runs", {}, {"as_of": "0001-01-01"}, "as_of"),
        ("POST", "/api/v1/classification-runs", {}, {"as_of": "9999-12-31"}, "as_of"),
        (
            "POST",
            f"/api/v1/customers/{c['id']}/credit/recalculate",
            {"as_of": "0001-01-01"},
            None,
            "as_of",
        ),
        ("POST", "/api/v1/credit/recalculate", {}, {"as_of": "0001-01-01"}, "as_of"),
        (
            "POST",
            f"/api/v1/customers/{c['id']}/credit/check",
            {},
            {"amount": "1", "as_of": "9999-12-31"},
            "as_of",
        ),
        (
            "GET",
            "/api/v1/customer-analytics/profit-contribution",
            {"from": "0001-01-01"},
            None,
            "from",
        ),
        ("GET", "/api/v1/customer-analytics/pareto", {"to": "9999-12-31"}, None, "to"),
        ("GET", "/api/v1/customer-analytics/composition", {"from": "9999-12-31"}, None, "from"),
        (
            "GET",
            f"/api/v1/customers/{c['id']}/orders",
            {"date_from": "0001-01-01"},
            None,
            "date_from",
        ),
        (
            "GET",
            f"/api/v1/customers/{c['id']}/orders",
            {"overdue": "true", "as_of": "9999-12-31"},
            None,
            "as_of",
        ),
        (
            "GET",
            f"/api/v1/customers/{c['id']}/payments",
            {"date_to": "9999-12-31"},
            None,
            "date_to",
        ),
        (
            "GET",
            "/api/v1/customers",
            {"created_from": "0001-01-01T00:00:00Z"},
            None,
            "created_from",
        ),
        (
            "POST",
            f"/api/v1/customers/{c['id']}/orders",
            {},
            {"external_ref": "O-1", "amount": "10", "order_date": "0001-01-01"},
            "order_date",
        ),
        (
            "POST",
            f"/api/v1/customers/{c['id']}/payments",
            {},
            {"external_ref": "P-1", "amount": "10", "paid_on": "9999-12-31"},
            "paid_on",
        ),
        (
            "POST",
            f"/api/v1/customers/{c['id']}/interactions",
            {},
            {"kind": "inquiry", "at": "0001-01-01T00:00:00+08:00"},
            "at",
        ),
    ]
    for method, path, params, body, field in probes:
        r = await http.request(method, path, params=params, json=body, headers=auth)
        problem = _problem(r, 422)
        assert _names_field(problem, field), (path, problem)
    assert count_rows(customer_svc.url, "orders") == 0


async def test_twenty_parallel_registrations_of_one_credit_code_get_one_201(
    customer_svc: CustomerHarness,
) -> None:
    auth = customer_svc.auth("agent")

    async def register(i: int) -> httpx.Response:
        body = {"kind": "company", "name": f"Twin {i}", "credit_code": CODE}
        return await customer_svc.http.post("/api/v1/customers", json=body, headers=auth)

    answers = await asyncio.gather(*(register(i) for i in range(20)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] + [409] * 19, [(r.status_code, r.text[:200]) for r in answers]
    for r in answers:
        if r.status_code == 409:
            assert _names_field(_problem(r, 409), "credit_code")
    assert count_rows(customer_svc.url, "customers") == 1
    assert len(await customer_svc.events("customer.registered")) == 1


# Every per-customer list that can be downloaded as CSV.
PER_CUSTOMER_CSV = (
    "/api/v1/customers/{id}/orders",
    "/api/v1/customers/{id}/payments",
    "/api/v1/customers/{id}/history",
    "/api/v1/customers/{id}/interactions",
    "/api/v1/customers/{id}/credit/history",
)


def test_the_per_customer_csv_list_is_complete(customer_svc: CustomerHarness) -> None:
    exports = {
        path.replace("{customer_id}", "{id}")
        for path, route in api_routes(customer_svc.stack.apps["customer"])
        if "GET" in route.methods
        and path.startswith("/api/v1/customers/{customer_id}/")
        and any(p.alias == "format" for p in get_flat_params(route.dependant))
    }
    assert exports == set(PER_CUSTOMER_CSV)


async def test_csv_of_a_missing_or_hidden_customer_is_404_before_the_first_byte(
    customer_svc: CustomerHarness,
) -> None:
    other_owner = customer_svc.auth("dealer", dealer_id="D-OTHER")
    r = await customer_svc.http.post(
        "/api/v1/customers", json={"kind": "company", "name": "Theirs"}, headers=other_owner
    )
    assert r.status_code == 201, r.text
    other = r.json()
    dealer = customer_svc.auth("dealer", dealer_id="D-ME")
    for template in PER_CUSTOMER_CSV:
        for customer_id, auth in (
            ("00000000-0000-0000-0000-000000000000", customer_svc.auth("admin")),
            (other["id"], dealer),
        ):
            r = await customer_svc.http.get(
                template.format(id=customer_id), params={"format": "csv"}, headers=auth
            )
            problem = _problem(r, 404)
            assert problem["status"] == 404, template
        # The owner still downloads it.
        ok = await customer_svc.http.get(
            template.format(id=other["id"]), params={"format": "csv"}, headers=other_owner
        )
        assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/csv"), (
            template,
            ok.text,
        )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/customers",
        "/api/v1/customers/address-classification",
        "/api/v1/key-accounts",
    ],
)
async def test_nul_in_q_is_4xx(customer_svc: CustomerHarness, path: str) -> None:
    r = await customer_svc.http.get(
        path, params={"q": "a\u0000b"}, headers=customer_svc.auth("admin")
    )
    assert _problem(r)["status"] == 400
