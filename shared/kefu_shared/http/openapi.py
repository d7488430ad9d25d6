"""The OpenAPI document and the API docs of every Kefu app, shaped so that an integrator
can generate a client from it (openapi-python-client, openapi-typescript).

Every app is built by :func:`api_app`; its ``/openapi.json`` is FastAPI's document with
what the routes already say turned into declarations, so a service gets them for free:

- ``operationId`` is the route function's name (``list_customers``), unique per service;
- an operation that needs a token (``CurrentPrincipal``) declares the ``bearer`` scheme
  and answers 401 and 403 (a token without a Kefu role, or without the route's role);
- every error is the one ``Problem`` schema under ``application/problem+json`` (never
  FastAPI's ``HTTPValidationError``): 404 where the path names something, 422 where there
  is input, 412 (and 428 where the header is required) where ``If-Match`` is taken;
- a POST of a service takes ``Idempotency-Key`` (and answers 409 while the first attempt
  runs, 422 when the key is reused for another request);
- ``If-Match`` is spelled one way, required where its absence is answered 428
  (:data:`kefu_shared.http.etag.IfMatch`), and the success answers of a path that takes it
  declare the ``ETag`` header;
- an operation with the ``format`` query parameter (:data:`kefu_shared.http.listing.FormatParam`)
  declares ``text/csv`` beside JSON.

A route adds only what cannot be seen from its signature: ``responses=problems(409)`` for
a conflict its use case raises, ``responses=with_etag(201)`` for a creation that answers
the new ETag. ``/docs`` (Swagger UI) and ``/redoc`` serve their assets from the installed
``fastapi-offline`` package, never from a CDN.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from http import HTTPStatus
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict

from kefu_shared.auth import get_principal
from kefu_shared.http.problems import PROBLEM_MEDIA_TYPE

BEARER = "bearer"
IF_MATCH = "If-Match"
IDEMPOTENCY_KEY = "Idempotency-Key"
# Marks an If-Match whose absence is answered 428 (see kefu_shared.http.etag.IfMatch).
REQUIRED_MARK = "x-kefu-required"
DOCS_ASSETS = "/docs/assets"
_REF = "#/components/schemas/{model}"


class FieldProblem(BaseModel):
    """One offending field (or CSV row) of a 4xx answer."""

    model_config = ConfigDict(extra="allow")

    field: str
    message: str
    type: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details: every error a Kefu service answers. Extension members
    besides the named ones may appear (``action``, ``state``, ``checks``, ``run_id``...)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldProblem] | None = None
    allowed_actions: list[str] | None = None
    current_etag: str | None = None


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route for the problems its use case raises that the document
    cannot derive from the signature (409 on a duplicate, 413 on an oversized upload)."""
    return {s: {"description": HTTPStatus(s).phrase, "model": Problem} for s in statuses}


ETAG_HEADER: dict[str, Any] = {
    "description": "The version of the resource; send it back as If-Match to change it",
    "schema": {"type": "string"},
}


def with_etag(status: int = 200) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route whose answer carries the ETag of what it created."""
    return {status: {"headers": {"ETag": ETAG_HEADER}}}


def operation_id(route: Any) -> str:
    """The short operationId: the route function's name (``list_customers``)."""
    return str(route.name)


def api_app(
    *,
    title: str,
    description: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    idempotent_posts: bool,
) -> FastAPI:
    """A FastAPI app with the Kefu OpenAPI document and offline docs. ``idempotent_posts``:
    the app runs the Idempotency-Key middleware, so its POSTs declare the header."""
    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        docs_url=None,
        redoc_url=None,
        # One schema per model, read or written: generators refuse two models of one name
        # (FastAPI would make "Thing-Input" and "Thing-Output" when they differ).
        separate_input_output_schemas=False,
    )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                separate_input_output_schemas=app.separate_input_output_schemas,
            )
            shape_document(document, app.routes, idempotent_posts=idempotent_posts)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    _install_docs(app)
    return app


def _install_docs(app: FastAPI) -> None:
    static = files("fastapi_offline") / "static"
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(static)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )


# --- shaping the document -------------------------------------------------------------


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


def _problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or HTTPStatus(status).phrase,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _REF.format(model="Problem")}}},
    }


def shape_document(document: dict[str, Any], routes: list[Any], *, idempotent_posts: bool) -> None:
    """Turn what the routes say into declarations (see the module docstring); in place."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name, schema in Problem.model_json_schema(ref_template=_REF)["$defs"].items():
        schemas[name] = schema
    schemas["Problem"] = {
        k: v for k, v in Problem.model_json_schema(ref_template=_REF).items() if k != "$defs"
    }
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A Kefu access token (the gateway's token exchange, or OIDC)",
        }
    }
    seen: dict[str, str] = {}
    # FastAPI keeps included routers nested; its route contexts are the routes as served.
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        calls = list(_calls(route.dependant))
        for method in sorted(route.methods or ()):
            op = document["paths"][route.path_format][method.lower()]
            where = f"{method} {route.path_format}"
            if op["operationId"] in seen:
                raise RuntimeError(
                    f"operationId {op['operationId']!r} of {where} is also {seen[op['operationId']]}:"
                    " give one of the route functions another name"
                )
            seen[op["operationId"]] = where
            _shape_operation(
                op,
                authenticated=any(c is get_principal for c in calls),
                idempotent=idempotent_posts and method == "POST",
            )
    for item in document.get("paths", {}).values():
        _declare_etags(item)
    _drop_unused(document, ("HTTPValidationError", "ValidationError"))


def _shape_operation(op: dict[str, Any], *, authenticated: bool, idempotent: bool) -> None:
    params: list[dict[str, Any]] = op.setdefault("parameters", [])
    responses: dict[str, Any] = op["responses"]
    wanted: set[int] = set()
    if authenticated:
        # get_principal answers 401 without a valid token, 403 for a token without any
        # Kefu role; require_roles / require_permission answer 403 too.
        op["security"] = [{BEARER: []}]
        wanted.update({401, 403})
    if any(p["in"] == "path" for p in params):
        wanted.add(404)
    if params or "requestBody" in op:
        wanted.add(422)
    for p in params:
        if p["in"] == "header" and p["name"].lower() == IF_MATCH.lower():
            p["name"] = IF_MATCH
            required = bool(p["schema"].pop(REQUIRED_MARK, False))
            p["required"] = p["required"] or required
            p["schema"] = {"type": "string"}
            wanted.add(412)
            if p["required"]:
                wanted.add(428)
        if p["in"] == "query" and p["name"] == "format":
            ok = responses.get("200")
            if ok is not None:
                ok.setdefault("content", {})["text/csv"] = {
                    "schema": {"type": "string", "description": "UTF-8 CSV with a header line"}
                }
    if idempotent:
        if not any(p["name"] == IDEMPOTENCY_KEY for p in params):
            params.append(
                {
                    "name": IDEMPOTENCY_KEY,
                    "in": "header",
                    "required": False,
                    "description": "Makes a retry safe: the same key and request within 24 "
                    "hours get the first answer again (Idempotent-Replayed: true)",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                }
            )
        wanted.update({400, 409, 422})
    if not params:
        op.pop("parameters")
    for status in wanted:
        responses.setdefault(str(status), {})
    for code, response in responses.items():
        if code[0] in "45":
            responses[code] = _problem_response(int(code), response.get("description"))
    op["responses"] = dict(sorted(responses.items()))


def _declare_etags(path_item: dict[str, Any]) -> None:
    """The success answers of a path whose writes take If-Match carry its ETag."""
    guarded = [
        op
        for op in path_item.values()
        if any(p["name"] == IF_MATCH for p in op.get("parameters", []))
    ]
    if not guarded:
        return
    for method, op in path_item.items():
        if method != "get" and op not in guarded:
            continue
        for code, response in op["responses"].items():
            if code.startswith("2") and code != "204":
                response.setdefault("headers", {})["ETag"] = ETAG_HEADER


def _drop_unused(document: dict[str, Any], names: tuple[str, ...]) -> None:
    schemas = document["components"]["schemas"]
    for name in names:
        text = json.dumps({k: v for k, v in document.items() if k != "components"})
        text += json.dumps({k: v for k, v in schemas.items() if k not in names})
        if _REF.format(model=name) not in text:
            schemas.pop(name, None)
