"""HTTP routes of the ticket service."""

from kefu_shared.replicas import customer_copy_router
from ticket.models import customer_copies

routers = [customer_copy_router(customer_copies)]
