"""HTTP routes of the survey service."""

from survey.models import customer_copies
from kefu_shared.replicas import customer_copy_router

routers = [customer_copy_router(customer_copies)]
