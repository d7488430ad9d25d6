"""HTTP routes of the survey service."""

from kefu_shared.replicas import customer_copy_router
from survey.models import customer_copies

routers = [customer_copy_router(customer_copies)]
