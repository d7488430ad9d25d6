"""App factory of the customer service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from customer.analytics.endpoints import router as analytics_router
from customer.background import background
from customer.classification.endpoints import router as classification_router
from customer.consumers import handlers
from customer.contacts_endpoints import router as contacts_router
from customer.credit.endpoints import router as credit_router
from customer.endpoints import router
from customer.ledger.endpoints import router as ledger_router
from customer.lists_endpoints import router as lists_router
from customer.models import platform
from customer.settings import CustomerSettings
from customer.tables import Base
from customer.uow import CustomerUnitOfWork
from kefu_shared.service import ServiceRuntime, create_service_app

SERVICE_DIR = Path(__file__).resolve().parent.parent
NAME = "customer"


def create_app(settings: CustomerSettings | None = None, **kw: Any) -> FastAPI:
    """The app; ``settings`` -- the service's one settings object -- is built here when the
    caller (``__main__``, a test) gives none, and handed to routes, consumers and sweeps."""
    settings = settings or CustomerSettings()
    return create_service_app(
        name=NAME,
        title="Kefu customer service",
        description="Customer profiles (客户资料库), classification, credit, key accounts.",
        settings=settings,
        metadata=Base.metadata,
        tables=platform,
        # The lists first: /customers/duplicates must not be taken for /customers/{id}.
        routers=[
            lists_router,
            router,
            contacts_router,
            ledger_router,
            credit_router,
            classification_router,
            analytics_router,
        ],
        handlers=handlers(settings),
        uow_class=CustomerUnitOfWork,
        background=lambda rt: background(rt, settings),
        **kw,
    )


def create_runtime(settings: CustomerSettings) -> ServiceRuntime:
    return ServiceRuntime.create(
        name=NAME,
        settings=settings,
        tables=platform,
        handlers=handlers(settings),
        uow_class=CustomerUnitOfWork,
    )
