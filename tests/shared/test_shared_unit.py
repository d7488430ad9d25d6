"""Unit tests of the shared library: settings, events, auth, pagination, HTTP helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from gateway.routing import upstream_for
from kefu_shared.auth import Principal, TokenVerifier, issue_token, principal_from_claims
from kefu_shared.contracts.customer import CustomerRegistered
from kefu_shared.errors import InvalidInput, PreconditionFailed, PreconditionRequired, Unauthorized
from kefu_shared.events import (
    REGISTRY,
    InvalidEvent,
    json_schemas,
    make_event,
    parse_data,
    parse_event,
)
from kefu_shared.http.csvexport import _cell
from kefu_shared.http.etag import check_if_match
from kefu_shared.http.pagination import clamp_limit, decode_cursor, encode_cursor
from kefu_shared.leadership import advisory_key
from kefu_shared.settings import ServiceSettings


def test_placeholder_secret_is_refused_outside_development() -> None:
    ServiceSettings(env="development")
    with pytest.raises(ValidationError, match="placeholder"):
        ServiceSettings()  # production unless told otherwise
    with pytest.raises(ValidationError):
        ServiceSettings(env="staging", jwt_secret="short")
    ServiceSettings(env="production", jwt_secret="x" * 40)
    ServiceSettings(env="production", jwt_jwks_url="https://idp.example/jwks")


def test_settings_read_service_prefix_and_global_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from customer.settings import CustomerSettings

    monkeypatch.setenv("CUSTOMER_DATABASE_URL", "sqlite+aiosqlite:///x.db")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker:9093")
    monkeypatch.setenv("KEFU_ENV", "test")
    s = CustomerSettings()
    assert (s.database_url, s.kafka_bootstrap_servers, s.env) == (
        "sqlite+aiosqlite:///x.db",
        "broker:9093",
        "test",
    )


def test_event_envelope_round_trip_and_contract_validation() -> None:
    data = CustomerRegistered(id="c1", number="C00000001", kind="company", name="ACME")
    event = make_event(
        data, source="/services/customer", subject="c1", correlationid="corr", dealerid="d1"
    )
    parsed = parse_event(event.to_json_bytes())
    assert parsed.specversion == "1.0" and parsed.type == "customer.registered"
    assert parsed.dataschema == "urn:kefu:schema:customer.registered:v1"
    assert parsed.time.tzinfo is not None
    assert parse_data(parsed) == data
    with pytest.raises(InvalidEvent):
        parse_event(b"{}")
    bad = parsed.model_copy(update={"data": {"id": "c1"}})
    with pytest.raises(InvalidEvent):
        parse_data(bad)
    # Consumers ignore fields they do not know (schemas evolve by adding optional fields).
    newer = parsed.model_copy(update={"data": {**parsed.data, "added_later": 1}})
    assert parse_data(newer) == data


def test_registry_covers_the_catalog() -> None:
    expected = {
        "customer.registered",
        "customer.updated",
        "customer.classified",
        "customer.credit_changed",
        "customer.merged",
        "customer.erased",
        "complaint.received",
        "complaint.acknowledged",
        "complaint.assigned",
        "complaint.escalated",
        "complaint.resolved",
        "complaint.closed",
        "complaint.reopened",
        "complaint.rejected",
        "complaint.onsite_service_requested",
        "ticket.opened",
        "ticket.assigned",
        "ticket.scheduled",
        "ticket.visit_recorded",
        "ticket.completed",
        "ticket.closed",
        "ticket.cancelled",
        "ticket.sla_breached",
        "survey.invitation_sent",
        "survey.response_received",
    }
    assert expected <= set(REGISTRY)
    for cls in REGISTRY.values():
        assert cls.topic == f"{cls.event_type.split('.')[0]}.events.v1"
    assert len(json_schemas()) == len(REGISTRY)


def test_tokens_and_principals() -> None:
    settings = ServiceSettings(env="development")
    token = issue_token(settings, subject="u1", roles=["dealer"], dealer_id="d9")
    import asyncio

    principal = asyncio.run(TokenVerifier(settings).verify(token))
    assert principal == Principal(user_id="u1", roles=frozenset({"dealer"}), dealer_id="d9")
    assert principal.can_see_dealer("d9") and not principal.can_see_dealer("d8")
    assert not principal.can_see_dealer(None)
    staff = principal_from_claims({"sub": "s", "roles": ["agent", "made-up"]})
    assert staff.roles == frozenset({"agent"}) and staff.can_see_dealer("anything")
    with pytest.raises(Unauthorized):
        principal_from_claims({"sub": "x", "roles": ["dealer"]})
    other = ServiceSettings(jwt_secret="another-secret-that-is-long-enough-1234")
    with pytest.raises(Unauthorized):
        asyncio.run(TokenVerifier(other).verify(token))


def test_cursor_round_trip_and_tampering() -> None:
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    cur = encode_cursor([now, Decimal("1.50"), "id-1"], sort="name")
    assert decode_cursor(cur, sort="name") == [now, Decimal("1.50"), "id-1"]
    with pytest.raises(InvalidInput):
        decode_cursor(cur, sort="-name")
    with pytest.raises(InvalidInput):
        decode_cursor("garbage!!", sort="name")
    assert clamp_limit(None) == 50
    with pytest.raises(InvalidInput):
        clamp_limit(0)
    with pytest.raises(InvalidInput):
        clamp_limit(1000)


def test_if_match() -> None:
    check_if_match('"a.1"', '"a.1"')
    check_if_match('"x", "a.1"', '"a.1"')
    check_if_match("*", '"a.1"')
    with pytest.raises(PreconditionRequired):
        check_if_match(None, '"a.1"')
    with pytest.raises(PreconditionFailed):
        check_if_match('"a.0"', '"a.1"')
    with pytest.raises(PreconditionFailed):  # strong comparison (RFC 9110 §13.1.1)
        check_if_match('W/"a.1"', '"a.1"')


def test_csv_cells_defuse_formulas() -> None:
    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell("-12.5") == "-12.5"
    assert _cell(["a", "b"]) == "a;b"
    assert _cell(True) == "true" and _cell(None) == ""


def test_gateway_routes_by_longest_prefix() -> None:
    assert upstream_for("/api/v1/customers/123/orders") == "customer"
    assert upstream_for("/api/v1/customersx") is None
    assert upstream_for("/api/v1/tickets") == "ticket"
    assert upstream_for("/api/v1/unknown") is None


def test_advisory_key_is_stable_and_per_service() -> None:
    assert advisory_key("customer") == advisory_key("customer")
    assert advisory_key("customer") != advisory_key("ticket")
    assert -(2**63) <= advisory_key("customer") < 2**63


def test_gateway_routes_every_public_route_of_the_customer_service() -> None:
    from customer.main import create_app
    from customer.settings import CustomerSettings

    app = create_app(CustomerSettings(env="development"))
    paths = {r.path for r in app.routes if getattr(r, "path", "").startswith("/api/v1/")}
    internal = {p for p in paths if p.startswith("/api/v1/customer-copies")}
    unrouted = sorted(p for p in paths - internal if upstream_for(p) != "customer")
    assert unrouted == []
