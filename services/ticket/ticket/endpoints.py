"""HTTP routes of the ticket service."""

from ticket.models import customer_copies
from kefu_shared.replicas import customer_copy_router

routers = [customer_copy_router(customer_copies)]
