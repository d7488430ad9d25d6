"""Every router of the survey service, in the order the app includes them."""

from kefu_shared.replicas import customer_copy_router
from survey.analytics_endpoints import router as analytics_router
from survey.campaigns_endpoints import router as campaigns_router
from survey.models import customer_copies
from survey.public_endpoints import router as public_router
from survey.surveys_endpoints import router as surveys_router
from survey.templates_endpoints import router as templates_router

routers = [
    templates_router,
    campaigns_router,
    surveys_router,
    analytics_router,
    public_router,
    customer_copy_router(customer_copies),
]
