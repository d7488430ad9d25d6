"""Every service's OpenAPI document is one an integrator can generate a client from: valid,
short operationIds, bearer security, one Problem schema for errors, Idempotency-Key on
POSTs, one If-Match spelling, CSV declared, no untyped schemas, enums as components; and
its docs work without a CDN."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from kefu_shared.registry import BACKEND_NAMES, anonymous_prefixes
from tests.clientgen import APPS, build_app, document, generate_client

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# Operations anyone may call: probes, and the gateway's development tokens.
PUBLIC = {"healthz", "readyz", "dev_token"}
METHODS = {"get", "put", "post", "patch", "delete"}


@cache
def spec(name: str) -> dict[str, Any]:
    return document(name)


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield method, path, op


def schemas_in(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema position of a document (or schema) with where it is."""
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        here = f"{where}/{key}"
        if key in ("schema", "items", "additionalProperties", "not") and isinstance(value, dict):
            yield here, value
            yield from schemas_in(value, here)
        elif key in ("properties", "$defs", "schemas", "patternProperties") and isinstance(
            value, dict
        ):
            for name, sub in value.items():
                if isinstance(sub, dict):
                    yield f"{here}/{name}", sub
                    yield from schemas_in(sub, f"{here}/{name}")
        elif key in ("anyOf", "oneOf", "allOf", "prefixItems") and isinstance(value, list):
            for i, sub in enumerate(value):
                yield f"{here}/{i}", sub
                yield from schemas_in(sub, f"{here}/{i}")
        elif isinstance(value, dict):
            yield from schemas_in(value, here)
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                yield from schemas_in(sub, f"{here}/{i}")


TYPED = ("type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const")
# Free-form by nature: the JSON Schema of an event's data (the gateway's event catalog).
OPEN_DOCUMENTS = {"/components/schemas/EventSchema/properties/schema"}


def untyped(where: str, schema: dict[str, Any]) -> bool:
    """``{}``, or an object that says nothing about its members (a bare ``dict``)."""
    if not any(k in schema for k in TYPED):
        return True
    free_members = schema.get("additionalProperties", True) is True
    return (
        schema.get("type") == "object"
        and "properties" not in schema
        and free_members
        and where not in OPEN_DOCUMENTS
    )


@pytest.mark.parametrize("name", APPS)
def test_the_document_is_valid_openapi(name: str) -> None:
    validate(spec(name))


@pytest.mark.parametrize("name", APPS)
def test_operation_ids_are_the_route_names(name: str) -> None:
    ids = [op["operationId"] for _, _, op in operations(spec(name))]
    assert len(ids) == len(set(ids))
    for op_id in ids:
        assert op_id.isidentifier() and op_id == op_id.lower(), op_id
        assert "api_v1" not in op_id and not op_id.endswith(("_get", "_post", "_patch")), op_id


@pytest.mark.parametrize("name", APPS)
def test_every_error_is_the_problem_schema_as_problem_json(name: str) -> None:
    doc = spec(name)
    assert "HTTPValidationError" not in json.dumps(doc)
    problem = doc["components"]["schemas"]["Problem"]
    assert {"type", "title", "status"} <= set(problem["required"])
    assert "errors" in problem["properties"]
    for method, path, op in operations(doc):
        for code, response in op["responses"].items():
            if code[0] in "45":
                assert response["content"] == {
                    "application/problem+json": {"schema": PROBLEM_REF}
                }, (method, path, code)


@pytest.mark.parametrize("name", APPS)
def test_every_operation_but_the_public_ones_needs_the_bearer_token(name: str) -> None:
    doc = spec(name)
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": doc["components"]["securitySchemes"]["bearer"]["description"],
    }
    anonymous = anonymous_prefixes()
    for _, path, op in operations(doc):
        if op["operationId"] in PUBLIC or any(path.startswith(a + "/") for a in anonymous):
            assert "security" not in op, op["operationId"]
            continue
        assert op["security"] == [{"bearer": []}], op["operationId"]
        assert "401" in op["responses"], op["operationId"]


@pytest.mark.parametrize("name", BACKEND_NAMES)
def test_every_post_takes_an_idempotency_key(name: str) -> None:
    for method, _, op in operations(spec(name)):
        if method != "post":
            continue
        header = [p for p in op["parameters"] if p["name"] == "Idempotency-Key"]
        assert header and header[0]["in"] == "header", op["operationId"]
        assert {"409", "422"} <= set(op["responses"]), op["operationId"]


@pytest.mark.parametrize("name", APPS)
def test_if_match_has_one_spelling_is_required_where_428_and_comes_with_an_etag(
    name: str,
) -> None:
    doc = spec(name)
    for _, _, op in operations(doc):
        for p in op.get("parameters", []):
            if p["name"].lower() != "if-match":
                continue
            assert p["name"] == "If-Match" and p["in"] == "header"
            assert p["required"] == ("428" in op["responses"]), op["operationId"]
            assert "412" in op["responses"]
            # Every answer with a body carries the new ETag (a 204 after a delete has none).
            assert any(c[0] == "2" for c in op["responses"]), op["operationId"]
            ok = [r for c, r in op["responses"].items() if c[0] == "2" and c != "204"]
            assert all("ETag" in r.get("headers", {}) for r in ok), op["operationId"]


@pytest.mark.parametrize("name", APPS)
def test_csv_is_declared_on_every_operation_that_can_answer_it(name: str) -> None:
    for _, _, op in operations(spec(name)):
        takes_format = any(p["name"] == "format" for p in op.get("parameters", []))
        answers_csv = "text/csv" in op["responses"].get("200", {}).get("content", {})
        assert takes_format == answers_csv, op["operationId"]


# The complaint, ticket and survey services were written in parallel with these rules and
# still answer some reports as bare objects and declare some enums inline (issue 8, point
# 8, open for them). Strict: the mark fails the run as soon as a service complies, so it
# is removed then, not forgotten.
NOT_YET_TYPED = {"complaint", "ticket", "survey"}


def _typed_yet(names: tuple[str, ...] | list[str]) -> list[Any]:
    return [
        pytest.param(
            n,
            marks=pytest.mark.xfail(
                strict=True, reason=f"{n}: OpenAPI typing not finished (issue 8 point 8)"
            ),
        )
        if n in NOT_YET_TYPED
        else n
        for n in names
    ]


@pytest.mark.parametrize("name", _typed_yet(APPS))
def test_no_schema_is_untyped(name: str) -> None:
    assert [where for where, s in schemas_in(spec(name)) if untyped(where, s)] == []


@pytest.mark.parametrize("name", _typed_yet(APPS))
def test_enums_are_named_components(name: str) -> None:
    doc = spec(name)
    inline = [where for where, s in schemas_in(doc) if "enum" in s]
    named = {f"/components/schemas/{n}" for n, s in doc["components"]["schemas"].items()}
    assert [w for w in inline if w not in named] == []


@pytest.mark.parametrize("name", APPS)
def test_a_client_generates_from_the_document_without_warnings(
    name: str, tmp_path: Path
) -> None:
    client, output = generate_client(spec(name), f"kefu_{name}_client", tmp_path)
    assert "Warning" not in output, output
    assert hasattr(client, "AuthenticatedClient")
    problem = importlib.import_module(f"kefu_{name}_client.models.problem").Problem
    parsed = problem.from_dict({"type": "about:blank", "title": "Not Found", "status": 404})
    assert parsed.status == 404


@pytest.mark.parametrize("name", ["customer", "gateway"])
async def test_docs_work_offline_from_the_installed_assets(name: str) -> None:
    app = build_app(name)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://svc"
    ) as http:
        for page in ("/docs", "/redoc"):
            html = (await http.get(page)).text
            assert "cdn" not in html and "https://" not in html, page
            assets = [a for a in html.split('"') if a.startswith("/docs/assets/")]
            assert assets, page
            for asset in assets:
                r = await http.get(asset)
                assert r.status_code == 200 and len(r.content) > 1000, asset
        assert (await http.get("/openapi.json")).json()["info"]["title"] == app.title
